/**
 * Upgrades synced by Argo CD's sync engine: gitops-engine as Argo CD v3.6 vendors it, run by argocd-sync
 * (test/cluster/argocd/main.go) as the application controller runs one sync operation of an Application
 * on the instance's folder (prune, server-side apply). The folder is rendered as Argo CD's repo server
 * renders a kustomize path, and the order is checked as under Flux (order.ts): install, rolling upgrade,
 * a failing migration stopping the later waves. A Markdown report goes to .cluster/report-argocd.md.
 */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BIN, Cluster, ROOT, jobPodStage, missingComponents, sleep } from './harness';
import { Sample, at, checkOrder, mastodonImage, succeeded } from './order';
import { prepare } from './shapes';

const INSTANCE = 'small';
const NS = 'small';
const APP = `mastodon-${INSTANCE}`;
const FAILING_REPOSITORY = 'registry.invalid/mastodon-failing-migrations';
const FAULT_VERSION = '4.7.2';
const WAVE = 'argocd.argoproj.io/sync-wave';
const dashed = (version: string) => version.replace(/\./g, '-');

const missing = missingComponents(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kwok-stages.yaml', 'argocd-sync']);

interface SyncRun {
  readonly status: number;
  readonly out: { succeeded: boolean; message: string; resources: { kind: string; name: string; status: string; phase: string; message: string }[] } | undefined;
  readonly waves: { t: string; phase: string; wave: number }[];
  readonly stderr: string;
}

describe.skipIf(missing !== undefined)('upgrades synced by Argo CD\'s sync engine (sync waves, no hooks)', () => {
  let cluster: Cluster;
  let tmp: string;
  const report: string[] = [];
  const base = YAML.parse(fs.readFileSync(path.join(ROOT, 'instances', `${INSTANCE}.yaml`), 'utf8'));
  const out = () => path.join(tmp, 'dist', INSTANCE);

  /** synthesizes the definition with `argocd` instead of `flux`, and renders the folder as Argo CD's repo server does */
  const synth = (changes: Record<string, unknown>): any[] => {
    const instances = path.join(tmp, 'instances');
    fs.mkdirSync(instances, { recursive: true });
    const { flux: _flux, ...definition } = base;
    fs.writeFileSync(path.join(instances, `${INSTANCE}.yaml`), YAML.stringify({ ...definition, argocd: {}, ...changes }));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'build/cli.js'), 'synth', '--instances', instances, '--out', path.join(tmp, 'dist'), '--quiet'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
    const rendered = cluster.k(['kustomize', out()]);
    fs.writeFileSync(path.join(tmp, 'rendered.yaml'), rendered);
    return YAML.parseAllDocuments(rendered).map((d) => d.toJS());
  };

  const sample = (): Sample => {
    cluster.assertRunning();
    const items = cluster.json(['get', 'jobs,replicasets,deployments', '-n', NS]).items as any[];
    const of = (kind: string) => items.filter((o) => o.kind === kind);
    return { t: Date.now(), jobs: of('Job'), replicaSets: of('ReplicaSet'), deployments: of('Deployment') };
  };

  /**
   * Stands in for the ingress controller kwok lacks: publishes an address on each Ingress, as a controller
   * does. Argo CD counts an Ingress healthy only then, so without it the app wave would never finish.
   */
  const publishIngressAddresses = () => {
    const pending = (cluster.json(['get', 'ingresses', '-n', NS]).items as any[]).filter((i) => !i.status?.loadBalancer?.ingress?.length);
    for (const i of pending)
      cluster.k(['patch', 'ingress', '-n', NS, i.metadata.name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: '127.0.0.1' }] } } })]);
  };

  /** one sync operation of the Application, sampling the cluster while it runs */
  const sync = async (revision: string): Promise<{ run: SyncRun; samples: Sample[] }> => {
    const proc = spawn(path.join(BIN, 'argocd-sync'), ['-kubeconfig', cluster.kubeconfig, '-manifests', path.join(tmp, 'rendered.yaml'), '-app', APP, '-namespace', NS, '-revision', revision, '-timeout', '8m'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    let status: number | undefined;
    proc.on('close', (code) => (status = code ?? -1));
    const samples: Sample[] = [];
    try {
      while (status === undefined) {
        samples.push(sample());
        publishIngressAddresses();
        await sleep(300);
      }
    } finally {
      if (status === undefined) proc.kill('SIGTERM');
    }
    samples.push(sample());
    const waves = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    let parsed: SyncRun['out'];
    try {
      parsed = JSON.parse(stdout);
    } catch {
      parsed = undefined;
    }
    cluster.log(`argocd-sync ${revision} → exit ${status}, waves ${waves.map((w) => w.wave).join(', ')}`);
    return { run: { status: status!, out: parsed, waves, stderr: stderr.split('\n').filter((l) => !l.startsWith('{')).slice(-20).join('\n') }, samples };
  };

  const waveOf = (o: any) => o.metadata?.annotations?.[WAVE];
  /** the waves in the order the engine ran them; a wave runs again while its prunes are pending (a repeat, not a step back) */
  const waveOrder = (run: SyncRun) => run.waves.map((w) => w.wave).filter((w, i, all) => i === 0 || w !== all[i - 1]);
  /**
   * The engine ends the operation once the last wave is applied, "EVEN if those objects subsequently degrade"
   * (sync_context.go): nothing follows the post-deployment Job to wait for it, the Application's health does.
   * Samples on until it has completed, as that health would turn Healthy.
   */
  const untilComplete = async (samples: Sample[], job: string) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(300)) {
      samples.push(sample());
      if (succeeded(samples.at(-1)!.jobs.find((j) => j.metadata.name === job))) return true;
    }
    return false;
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(BIN, '..', 'argocd-test-'));
    const failing = jobPodStage(tmp, 'failing-migration', { key: '.spec.containers.[].image', operator: 'In', values: [`${FAILING_REPOSITORY}:v${FAULT_VERSION}`] }, { statusTemplate: 'phase: Failed\nreason: Error\nmessage: migration failed\n' });
    spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
    cluster = await Cluster.start({ kwokStages: [failing] });
    await prepare(cluster, INSTANCE, NS);
  }, 300_000);

  afterAll(() => {
    if (cluster) {
      fs.writeFileSync(path.join(BIN, '..', 'report-argocd.md'), ['# Upgrades synced by Argo CD\'s sync engine', '', ...report, '', '## Events', '', '```', ...cluster.events, '```', ''].join('\n'));
      cluster.stop();
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs 4.5.6: waves 0-3 in order, migrations before the new pods, post-deployment after the rollout', async () => {
    const objects = synth({ version: '4.5.6' });
    // the order rests on waves alone: every object in one, no hooks
    expect(objects.filter((o) => waveOf(o) === undefined).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(objects.filter((o) => o.metadata.annotations?.['argocd.argoproj.io/hook'] || o.metadata.annotations?.['helm.sh/hook']).map((o) => o.metadata.name)).toEqual([]);
    expect(Object.fromEntries(objects.filter((o) => o.kind === 'Job').map((o) => [o.metadata.name, waveOf(o)]))).toEqual({
      [`${INSTANCE}-db-migrate-pre-4-5-6`]: '1',
      [`${INSTANCE}-db-migrate-post-4-5-6`]: '3',
    });
    const t = Date.now();
    const { run, samples } = await sync('install-4.5.6');
    expect({ status: run.status, succeeded: run.out?.succeeded, stderr: run.status === 0 ? '' : `${run.out?.message}\n${run.stderr}` }).toEqual({ status: 0, succeeded: true, stderr: '' });
    expect(waveOrder(run)).toEqual([0, 1, 2, 3]);
    expect(await untilComplete(samples, `${INSTANCE}-db-migrate-post-4-5-6`)).toBe(true);
    expect(run.out!.resources.filter((r) => r.status !== 'Synced')).toEqual([]);
    // Argo CD adds Lua health checks to the engine's built-in ones; of this instance's kinds only CronJob has
    // one, Progressing while the object has no status at all: the API server gives it one, so it is Healthy
    expect((cluster.json(['get', 'cronjobs', '-n', NS]).items as any[]).filter((c) => c.status === undefined).map((c) => c.metadata.name)).toEqual([]);
    const { violations, timeline } = checkOrder(samples, '4.5.6', `${INSTANCE}-db-migrate-pre-4-5-6`, `${INSTANCE}-db-migrate-post-4-5-6`);
    report.push(`- install 4.5.6: ${run.out!.resources.length} objects synced in ${((Date.now() - t) / 1000).toFixed(0)} s, ${samples.length} samples`, ...run.waves.map((w) => `  - ${w.t}  wave ${w.wave} applied`), ...timeline);
    expect(violations).toEqual([]);
  }, 600_000);

  it('upgrades 4.5.6 → 4.6.6 rolling in the same order, pruning the finished Jobs of 4.5.6', async () => {
    synth({ version: '4.6.6', upgrade: { from: '4.5.6' } });
    const t = Date.now();
    const { run, samples } = await sync('upgrade-4.6.6');
    expect({ status: run.status, succeeded: run.out?.succeeded, stderr: run.status === 0 ? '' : `${run.out?.message}\n${run.stderr}` }).toEqual({ status: 0, succeeded: true, stderr: '' });
    expect(waveOrder(run)).toEqual([0, 1, 2, 3]);
    expect(await untilComplete(samples, `${INSTANCE}-db-migrate-post-4-6-6`)).toBe(true);
    const { violations, timeline } = checkOrder(samples, '4.6.6', `${INSTANCE}-db-migrate-pre-4-6-6`, `${INSTANCE}-db-migrate-post-4-6-6`);
    const jobs = samples.at(-1)!.jobs.filter((j) => !j.metadata.deletionTimestamp).map((j) => j.metadata.name).sort();
    expect(jobs).toEqual([`${INSTANCE}-db-migrate-post-4-6-6`, `${INSTANCE}-db-migrate-pre-4-6-6`]);
    report.push(`- rolling upgrade 4.5.6 → 4.6.6: ${((Date.now() - t) / 1000).toFixed(0)} s`, ...run.waves.map((w) => `  - ${w.t}  wave ${w.wave} applied`), ...timeline);
    expect(violations).toEqual([]);
  }, 600_000);

  it('stops at a failing migration: the sync fails in wave 1, waves 2 and 3 are never applied, the old pods keep serving', async () => {
    // the Job's deadline bounds it: 60 s, the least the definition allows
    synth({ version: FAULT_VERSION, upgrade: { from: '4.6.6', migrationTimeoutSeconds: 60 }, image: { repository: FAILING_REPOSITORY } });
    const t = Date.now();
    const { run, samples } = await sync(`upgrade-${FAULT_VERSION}`);
    const pre = `${INSTANCE}-db-migrate-pre-${dashed(FAULT_VERSION)}`;
    expect({ status: run.status, message: run.out?.message }).toEqual({ status: 1, message: 'one or more synchronization tasks completed unsuccessfully' });
    expect(waveOrder(run)).toEqual([0, 1]);
    const preResult = run.out!.resources.find((r) => r.kind === 'Job' && r.name === pre);
    expect(preResult?.phase).toBe('Failed');
    const stillOld = samples.every((s) => s.deployments.every((d) => at('4.6.6')(mastodonImage(d.spec.template)) && (d.status?.readyReplicas ?? 0) >= d.spec.replicas));
    const newer = samples.flatMap((s) => s.replicaSets).filter((rs) => at(FAULT_VERSION)(mastodonImage(rs.spec.template)));
    const last = samples.at(-1)!;
    const job = last.jobs.find((j) => j.metadata.name === pre);
    expect({
      stillOld,
      newReplicaSets: newer.length,
      jobFailed: job?.status?.conditions?.some((c: any) => c.type === 'Failed' && c.status === 'True'),
      postJob: last.jobs.some((j) => j.metadata.name === `${INSTANCE}-db-migrate-post-${dashed(FAULT_VERSION)}`),
    }).toEqual({ stillOld: true, newReplicaSets: 0, jobFailed: true, postJob: false });
    report.push(`- failing migration (${FAULT_VERSION}): the sync failed after ${((Date.now() - t) / 1000).toFixed(0)} s ("${run.out?.message}"; ${pre}: "${preResult?.message}"); waves applied ${run.waves.map((w) => w.wave).join(', ')}; no ${FAULT_VERSION} ReplicaSet, every 4.6.6 Deployment ready in all ${samples.length} samples`);
  }, 600_000);

  it('carries on once the definition is fixed: the failed Job replaced (Force, Replace), then the same order', async () => {
    const pre = `${INSTANCE}-db-migrate-pre-${dashed(FAULT_VERSION)}`;
    const failedUid = sample().jobs.find((j) => j.metadata.name === pre)?.metadata.uid;
    synth({ version: FAULT_VERSION, upgrade: { from: '4.6.6' } });
    const t = Date.now();
    const { run, samples } = await sync(`upgrade-${FAULT_VERSION}-fixed`);
    expect({ status: run.status, succeeded: run.out?.succeeded, stderr: run.status === 0 ? '' : `${run.out?.message}\n${run.stderr}` }).toEqual({ status: 0, succeeded: true, stderr: '' });
    expect(waveOrder(run)).toEqual([0, 1, 2, 3]);
    expect(await untilComplete(samples, `${INSTANCE}-db-migrate-post-${dashed(FAULT_VERSION)}`)).toBe(true);
    const job = samples.at(-1)!.jobs.find((j) => j.metadata.name === pre);
    expect({ replaced: job?.metadata.uid !== failedUid, done: succeeded(job) }).toEqual({ replaced: true, done: true });
    const { violations, timeline } = checkOrder(samples, FAULT_VERSION, pre, `${INSTANCE}-db-migrate-post-${dashed(FAULT_VERSION)}`);
    report.push(`- fixed definition: synced in ${((Date.now() - t) / 1000).toFixed(0)} s, the failed ${pre} replaced by a new one (new uid)`, ...run.waves.map((w) => `  - ${w.t}  wave ${w.wave} applied`), ...timeline);
    expect(violations).toEqual([]);
  }, 600_000);
});
