/**
 * Applying an instance with plain kubectl: each stage in turn, waiting for its Jobs (or, for the app
 * stage, for every rollout) before the next, as the Flux Kustomizations and Argo CD's sync waves do.
 * The same steps are written into the instance's top-level kustomization.yaml and run by the cluster suite.
 */
import { InstanceCharts } from '../../charts/instance';
import { KubeObject } from './schema-gate';

export interface KubectlStep {
  readonly stage: string;
  /** kubectl command lines, paths relative to the instance folder unless `root` is given */
  readonly commands: readonly (readonly string[])[];
}

/**
 * `objects` are each stage's synthesized objects when the caller has them (src/output/render.ts): synthesizing
 * a chart again costs as much as the first time.
 */
export function kubectlSequence(charts: InstanceCharts, root = '.', objects?: ReadonlyMap<string, readonly KubeObject[]>): KubectlStep[] {
  const m = charts.model;
  const ns = m.namespace;
  return charts.stages.map((stage) => {
    const apply = ['kubectl', 'apply', '--server-side', '-k', `${root}/${stage.dir}`];
    const jobs = (objects?.get(stage.dir) ?? (stage.chart.toJson() as KubeObject[])).filter((o) => o.kind === 'Job').map((o) => `job/${o.metadata!.name}`);
    const commands: string[][] = [apply];
    if (stage.id === 'app') {
      commands.push(['kubectl', 'rollout', 'status', 'deployment', '-n', ns, '-l', `app.kubernetes.io/instance=${m.name},app.kubernetes.io/part-of=mastodon`, `--timeout=${stage.timeout}`]);
    } else if (jobs.length) {
      // a Job fails at its activeDeadlineSeconds at the latest: waiting longer finds nothing new
      commands.push(['kubectl', 'wait', '--for=condition=Complete', `--timeout=${m.def.upgrade.migrationTimeoutSeconds}s`, '-n', ns, ...jobs.sort()]);
    }
    return { stage: stage.dir, commands };
  });
}
