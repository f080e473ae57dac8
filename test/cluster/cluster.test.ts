/**
 * The bundled instances on a real control plane (see harness.ts): every object accepted by the API
 * server with Pod Security "restricted" enforced, a server-side re-apply that changes nothing, every
 * pod scheduled on nodes shaped as the instance describes, a zone lost, every node drained.
 * A Markdown report of each run goes to .cluster/report-<instance>.md.
 */
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinition } from '../../src/definition/load';
import { buildModel } from '../../src/model/model';
import { deployedVersion } from '../../src/output/deployed';
import { BIN, Cluster, ROOT, missingComponents, waitFor } from './harness';
import { ReadyTracker } from './ready';
import { SHAPES, prepare } from './shapes';

const DIST = path.join(ROOT, 'dist');
const STAGES = ['00-base', '10-pre-deploy', '20-app', '30-post-deploy'];
const FIELD_MANAGER = 'mastodon-cluster-test';

const missing = missingComponents();
if (missing) console.log(`cluster tests skipped: ${missing}`);

const instances = fs.existsSync(DIST) ? fs.readdirSync(DIST).filter((d) => SHAPES[d]).sort() : [];

describe.skipIf(missing !== undefined).each(instances)('%s on a real control plane', (instance) => {
  const shape = SHAPES[instance];
  const dir = path.join(DIST, instance);
  let cluster: Cluster;
  let ns: string;
  const report: string[] = [];

  const deployments = () => cluster.json(['get', 'deployments', '-n', ns]).items as any[];
  /** ready pods per Deployment, counted from pod conditions (what Services route to) */
  const readyByDeployment = () => {
    const ready: Record<string, number> = Object.fromEntries(deployments().map((d) => [d.metadata.name, 0]));
    for (const p of cluster.json(['get', 'pods', '-n', ns]).items as any[]) {
      const name = `${instance}-${p.metadata.labels?.['app.kubernetes.io/component']}`;
      const isReady = !p.metadata.deletionTimestamp && p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
      if (name in ready && isReady) ready[name]++;
    }
    return ready;
  };
  const whole = () => {
    const ready = readyByDeployment();
    return deployments().every((d) => ready[d.metadata.name] >= (d.spec.replicas ?? 1));
  };
  const pendingPods = () =>
    (cluster.json(['get', 'pods', '-n', ns]).items as any[])
      .filter((p) => p.status.phase === 'Pending')
      .map((p) => `${p.metadata.name}: ${p.status.conditions?.find((c: any) => c.type === 'PodScheduled')?.message ?? 'not scheduled yet'}`);
  const summary = (values: Record<string, number>, unit = '') => Object.entries(values).sort(([a], [b]) => a.localeCompare(b)).map(([d, r]) => `${d} ${r}${unit}`).join(', ');
  /** the instance's model, from its definition as synth reads it */
  const instanceModel = () => {
    const file = path.join(ROOT, 'instances', `${instance}.yaml`);
    const { instance: def } = parseDefinition(fs.readFileSync(file, 'utf8'), file);
    return buildModel(def, { deployedVersion: deployedVersion(DIST, instance) });
  };
  /** every long-running component the definition asks for (app.kubernetes.io/component), with its minimum of replicas */
  const expectedMinimum = (): Record<string, number> => {
    const m = instanceModel();
    return { web: m.def.web.replicas, streaming: m.def.streaming.replicas, ...Object.fromEntries(m.sidekiqGroups.map((g) => [`sidekiq-${g.name}`, g.replicas])) };
  };
  const tolerationSeconds = () => `${instanceModel().def.scheduling.unreachableTolerationSeconds} s (unreachable) / ${instanceModel().def.scheduling.notReadyTolerationSeconds} s (not-ready)`;
  const deployedComponents = () => deployments().map((d) => d.spec.template.metadata.labels['app.kubernetes.io/component'] as string).sort();
  /** watches the instance's pods and counts, per component, the ready ones on nodes still alive */
  const trackReady = async (minimum: Record<string, number>) => {
    const list = cluster.json(['get', 'pods', '-n', ns]);
    const tracker = new ReadyTracker(minimum, list.items);
    const watch = cluster.watch(`/api/v1/namespaces/${ns}/pods`, list.metadata.resourceVersion, (e) => tracker.apply(e), (e) => tracker.fail(e));
    return Object.assign(tracker, { stop: () => watch.stop() });
  };
  const applyStage = (stage: string) => cluster.k(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-k', path.join(dir, stage)]);
  const waitStage = async (stage: string) => {
    if (stage === '20-app') {
      // standing in for KEDA, which is not installed here: with its queues empty it holds a group at its minimum
      for (const so of cluster.json(['get', 'scaledobjects', '-n', ns]).items as any[]) {
        cluster.k(['scale', 'deployment', so.spec.scaleTargetRef.name, '-n', ns, `--replicas=${so.spec.minReplicaCount}`]);
      }
      for (const d of deployments()) cluster.k(['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns, '--timeout=180s']);
    }
    const jobs = (cluster.json(['get', 'jobs', '-n', ns]).items as any[]).filter((j) => !j.status?.succeeded);
    for (const j of jobs) cluster.k(['wait', '--for=condition=Complete', `job/${j.metadata.name}`, '-n', ns, '--timeout=180s']);
  };

  beforeAll(async () => {
    cluster = await Cluster.start();
    ns = (cluster.k(['kustomize', path.join(dir, '00-base')]).match(/^kind: Namespace\nmetadata:\n(?:.*\n)*?  name: (\S+)/m) ?? [])[1] ?? instance;
    await prepare(cluster, instance, ns);
  }, 240_000);

  afterAll(() => {
    if (!cluster) return;
    const out = path.join(BIN, '..', `report-${instance}.md`);
    fs.writeFileSync(out, [`# ${instance} on a real control plane`, '', ...report, '', '## Events', '', '```', ...cluster.events, '```', ''].join('\n'));
    cluster.stop();
  });

  it('is accepted by the API server stage by stage, Pod Security "restricted" enforced, and every pod is scheduled', async () => {
    for (const stage of STAGES) {
      const t = Date.now();
      applyStage(stage);
      await waitStage(stage);
      cluster.log(`${stage} applied and ready`);
      report.push(`- ${stage}: applied and ready in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    cluster.k(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-k', path.join(dir, 'flux')]);
    const pods = cluster.json(['get', 'pods', '-n', ns]).items as any[];
    const unscheduled = pods.filter((p) => !p.spec.nodeName).map((p) => `${p.metadata.name}: ${JSON.stringify(p.status.conditions)}`);
    expect(unscheduled).toEqual([]);
    const placement = pods.filter((p) => p.status.phase === 'Running').map((p) => `${p.metadata.name} → ${p.spec.nodeName}`);
    report.push(`- ${pods.length} pods, every one scheduled:`, ...placement.sort().map((p) => `  - ${p}`));
  }, 900_000);

  it('is unchanged by a second server-side apply', () => {
    for (const stage of [...STAGES, 'flux']) {
      const r = cluster.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-k', path.join(dir, stage)]);
      expect({ stage, status: r.status, diff: r.stdout }).toEqual({ stage, status: 0, diff: '' });
      applyStage(stage);
    }
    report.push('- second server-side apply: no change, no conflict');
  });

  it.runIf(shape.zoneLoss)('keeps every redundant component serving through the loss of a zone, and brings every component back within 90 s', async () => {
    const minimum = expectedMinimum();
    expect(deployedComponents()).toEqual(Object.keys(minimum).sort());
    const zone = 'zone-a';
    const lost = shape.nodes.filter((n) => n.zone === zone).map((n) => n.name);
    const tracker = await trackReady(minimum);
    try {
      // the HPAs raise their Deployments (created with one replica) to the minimum
      await waitFor('every component at its minimum before the loss', 120_000, () => tracker.short().length === 0).catch((e) => {
        throw new Error(`${e.message}: short: ${tracker.short().join(', ')}`);
      });
      const t = Date.now();
      // the zone's kubelets stop reporting: kwok stops heart-beating nodes it no longer manages; from
      // now on their pods count for nothing, whatever the API server still says about them
      for (const n of lost) cluster.k(['label', 'node', n, 'kwok.x-k8s.io/fake-']);
      tracker.lose(lost);
      cluster.log(`zone ${zone} lost (${lost.join(', ')})`);
      let pending: string[] = [];
      await waitFor('every component to be back at its minimum on the nodes still alive', 300_000, () => {
        tracker.assertWatching();
        pending = pendingPods();
        return tracker.short().length === 0;
      }, 500).catch((e) => {
        throw new Error(`${e.message}; short: ${tracker.short().join(', ')}; pending: ${pending.join('; ') || 'none'}`);
      });
      const back = tracker.fullStrengthAfter(t);
      cluster.log(`every component back to its minimum outside ${zone}: ${summary(back, ' s')}`);
      report.push(
        `- zone loss (${zone}), upstream eviction and node-monitor defaults, tolerations of ${tolerationSeconds()}: time to full strength per component: ${summary(back, ' s')}; lowest ready pods on live nodes: ${summary(tracker.worst)} (${tracker.events} pod events watched)`,
      );
      expect(Object.keys(minimum).filter((c) => minimum[c] >= 2 && tracker.worst[c] < 1)).toEqual([]);
      expect(Object.entries(back).filter(([, s]) => s > 90).map(([c, s]) => `${c} ${s} s`)).toEqual([]);
    } finally {
      tracker.stop();
    }
    // the zone comes back for the next scenario
    for (const n of lost) cluster.k(['label', 'node', n, 'kwok.x-k8s.io/fake=true']);
    await waitFor('the zone to be ready again', 120_000, () =>
      (cluster.json(['get', 'nodes']).items as any[]).every((n) => n.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && !n.spec.taints?.some((x: any) => x.key.startsWith('node.kubernetes.io/'))),
    );
    // a kubelet that comes back finishes deleting the pods evicted while it was away; kwok leaves the
    // ones deleted while it did not manage the node, so after a while the test does what a kubelet would
    const stale = () => (cluster.json(['get', 'pods', '-n', ns]).items as any[]).filter((p) => lost.includes(p.spec.nodeName) && p.metadata.deletionTimestamp).map((p) => p.metadata.name as string);
    const left = await waitFor('the returned nodes to finish deleting their evicted pods', 20_000, () => stale().length === 0).then(() => [] as string[], () => stale());
    if (left.length) {
      cluster.k(['delete', 'pod', '-n', ns, '--force', '--grace-period=0', ...left]);
      cluster.log(`finished the deletion of ${left.length} evicted pod(s) on the returned nodes, as their kubelets would: ${left.join(', ')}`);
    }
    await waitFor('every component whole again', 120_000, () => whole());
  }, 600_000);

  it.runIf(shape.drain)('drains every node in turn, honouring the disruption budgets, without a redundant component at zero', async () => {
    const minimum = expectedMinimum();
    const tracker = await trackReady(minimum);
    await waitFor('every component at its minimum before the drain', 120_000, () => tracker.short().length === 0);
    const t = Date.now();
    try {
      for (const n of shape.nodes.map((s) => s.name)) {
        const result = await cluster.kubectlAsync(['drain', n, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s']);
        expect({ node: n, status: result.status, stderr: result.status ? result.stderr : '' }).toEqual({ node: n, status: 0, stderr: '' });
        await waitFor(`every Deployment to be whole again after draining ${n}`, 180_000, () => {
          tracker.assertWatching();
          return whole() && tracker.short().length === 0;
        });
        cluster.k(['uncordon', n]);
        cluster.log(`drained ${n}`);
      }
    } finally {
      tracker.stop();
    }
    report.push(`- drain of all ${shape.nodes.length} nodes in turn: ${((Date.now() - t) / 1000).toFixed(0)} s; lowest ready pods: ${summary(tracker.worst)} (${tracker.events} pod events watched)`);
    expect(Object.keys(minimum).filter((c) => minimum[c] >= 2 && tracker.worst[c] < 1)).toEqual([]);
  }, 900_000);
});
