/**
 * Plain kubectl: the steps written in dist/<instance>/kustomization.yaml, run as written with the real
 * kubectl against the real API server (see harness.ts), for an install, a rolling upgrade and a
 * release whose migration fails. The order is checked as under Flux (order.ts). A Markdown report
 * goes to .cluster/report-kubectl.md.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BIN, Cluster, ROOT, jobPodStage, missingComponents, sleep } from './harness';
import { Sample, at, checkOrder, mastodonImage } from './order';
import { prepare } from './shapes';

const INSTANCE = 'small';
const NS = 'small';
const FAILING_REPOSITORY = 'registry.invalid/mastodon-failing-migrations';
const FAULT_VERSION = '4.7.2';
const dashed = (version: string) => version.replace(/\./g, '-');

const missing = missingComponents();

/** the kubectl steps of a top-level kustomization.yaml: its comment lines that are kubectl commands */
export function documentedSteps(kustomization: string): string[][] {
  return kustomization
    .split('\n')
    .filter((l) => /^#\s+kubectl /.test(l))
    .map((l) => l.replace(/^#\s+/, '').split(/\s+/));
}

describe.skipIf(missing !== undefined)('upgrades with plain kubectl, as the kustomization.yaml says', () => {
  let cluster: Cluster;
  let tmp: string;
  const report: string[] = [];
  const base = YAML.parse(fs.readFileSync(path.join(ROOT, 'instances', `${INSTANCE}.yaml`), 'utf8'));
  const out = () => path.join(tmp, 'dist', INSTANCE);

  const synth = (changes: Record<string, unknown>) => {
    const instances = path.join(tmp, 'instances');
    fs.mkdirSync(instances, { recursive: true });
    fs.writeFileSync(path.join(instances, `${INSTANCE}.yaml`), YAML.stringify({ ...base, ...changes }));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'build/cli.js'), 'synth', '--instances', instances, '--out', path.join(tmp, 'dist'), '--quiet'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
  };

  const sample = (): Sample => {
    cluster.assertRunning();
    const items = cluster.json(['get', 'jobs,replicasets,deployments', '-n', NS]).items as any[];
    const of = (kind: string) => items.filter((o) => o.kind === kind);
    return { t: Date.now(), jobs: of('Job'), replicaSets: of('ReplicaSet'), deployments: of('Deployment') };
  };

  /**
   * Runs the documented steps in order from the instance folder, sampling the cluster while each runs,
   * and stops at the first that fails (as `set -e` would). Returns the samples and what ran.
   */
  const runSteps = async () => {
    const steps = documentedSteps(fs.readFileSync(path.join(out(), 'kustomization.yaml'), 'utf8'));
    const samples: Sample[] = [];
    const ran: { command: string; status: number; stderr: string }[] = [];
    for (const step of steps) {
      const args = step.slice(1).map((a) => (a.startsWith('./') ? path.join(out(), a) : a));
      const run = cluster.kubectlAsync(args);
      let result: Awaited<typeof run> | undefined;
      run.then((r) => (result = r));
      while (!result) {
        samples.push(sample());
        await sleep(300);
      }
      samples.push(sample());
      ran.push({ command: step.join(' '), status: result.status, stderr: result.stderr.trim() });
      cluster.log(`${step.join(' ')} → exit ${result.status}`);
      if (result.status !== 0) break;
    }
    return { steps, samples, ran };
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(BIN, '..', 'kubectl-test-'));
    const failing = jobPodStage(tmp, 'failing-migration', { key: '.spec.containers.[].image', operator: 'In', values: [`${FAILING_REPOSITORY}:v${FAULT_VERSION}`] }, { statusTemplate: 'phase: Failed\nreason: Error\nmessage: migration failed\n' });
    spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
    cluster = await Cluster.start({ kwokStages: [failing] });
    await prepare(cluster, INSTANCE, NS);
  }, 300_000);

  afterAll(() => {
    if (cluster) {
      fs.writeFileSync(path.join(BIN, '..', 'report-kubectl.md'), ['# Upgrades with plain kubectl', '', ...report, '', '## Events', '', '```', ...cluster.events, '```', ''].join('\n'));
      cluster.stop();
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs 4.5.6: every documented step succeeds, migrations before the new pods, post-deployment after the rollout', async () => {
    synth({ version: '4.5.6' });
    const t = Date.now();
    const { steps, samples, ran } = await runSteps();
    expect(steps.map((s) => s.slice(0, 3).join(' '))).toEqual([
      'kubectl apply --server-side',
      'kubectl apply --server-side',
      'kubectl wait --for=condition=Complete',
      'kubectl apply --server-side',
      'kubectl rollout status',
      'kubectl apply --server-side',
      'kubectl wait --for=condition=Complete',
    ]);
    expect(ran.filter((r) => r.status !== 0)).toEqual([]);
    const { violations, timeline } = checkOrder(samples, '4.5.6', `${INSTANCE}-db-migrate-pre-4-5-6`, `${INSTANCE}-db-migrate-post-4-5-6`);
    report.push(`- install 4.5.6: ${ran.length} steps in ${((Date.now() - t) / 1000).toFixed(0)} s`, ...timeline);
    expect(violations).toEqual([]);
  }, 600_000);

  it('upgrades 4.5.6 → 4.6.6 rolling in the same order', async () => {
    synth({ version: '4.6.6', upgrade: { from: '4.5.6' } });
    const t = Date.now();
    const { samples, ran } = await runSteps();
    expect(ran.filter((r) => r.status !== 0)).toEqual([]);
    const { violations, timeline } = checkOrder(samples, '4.6.6', `${INSTANCE}-db-migrate-pre-4-6-6`, `${INSTANCE}-db-migrate-post-4-6-6`);
    report.push(`- rolling upgrade 4.5.6 → 4.6.6: ${((Date.now() - t) / 1000).toFixed(0)} s`, ...timeline);
    expect(violations).toEqual([]);
  }, 600_000);

  it('stops at the wait for a failing migration: the app stage is never applied, the old pods keep serving', async () => {
    // the Job's deadline bounds the wait: 60 s, the least the definition allows
    synth({ version: FAULT_VERSION, upgrade: { from: '4.6.6', migrationTimeoutSeconds: 60 }, image: { repository: FAILING_REPOSITORY } });
    const t = Date.now();
    const { samples, ran } = await runSteps();
    expect(ran.map((r) => [r.command.split(' ').slice(0, 2).join(' '), r.status])).toEqual([
      ['kubectl apply', 0],
      ['kubectl apply', 0],
      ['kubectl wait', 1],
    ]);
    const stillOld = samples.every((s) => s.deployments.every((d) => at('4.6.6')(mastodonImage(d.spec.template)) && (d.status?.readyReplicas ?? 0) >= d.spec.replicas));
    const newer = samples.flatMap((s) => s.replicaSets).filter((rs) => at(FAULT_VERSION)(mastodonImage(rs.spec.template)));
    const job = sample().jobs.find((j) => j.metadata.name === `${INSTANCE}-db-migrate-pre-${dashed(FAULT_VERSION)}`);
    expect({ stillOld, newReplicaSets: newer.length, jobFailed: job?.status?.conditions?.some((c: any) => c.type === 'Failed' && c.status === 'True') }).toEqual({ stillOld: true, newReplicaSets: 0, jobFailed: true });
    report.push(`- failing migration (${FAULT_VERSION}): the wait failed after ${((Date.now() - t) / 1000).toFixed(0)} s ("${ran.at(-1)?.stderr.split('\n')[0]}"); no ${FAULT_VERSION} ReplicaSet, every 4.6.6 Deployment ready in all ${samples.length} samples`);
  }, 600_000);
});
