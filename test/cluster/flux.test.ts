/**
 * Upgrades driven by Flux itself (source-controller + kustomize-controller, see harness.ts): the
 * `small` instance is synthesized at one version after another, each committed to a Git repository
 * that Flux watches, and the order of what happens in the cluster is checked against what the stages
 * promise: migrations before new ReplicaSets, post-deployment migrations after every rollout, a
 * failing migration stopping the pipeline while the old pods keep serving.
 * A Markdown report goes to .cluster/report-flux.md.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BIN, Cluster, GitWorkingCopy, ROOT, jobPodStage as harnessJobPodStage, missingComponents, waitFor } from './harness';
import { Sample, at, checkOrder, condition, mastodonImage, rolledOut, succeeded } from './order';
import { prepare } from './shapes';

const INSTANCE = 'small';
const NS = 'small';
const STAGES = ['base', 'pre-deploy', 'app', 'post-deploy'].map((s) => `${INSTANCE}-${s}`);
/** a release image whose migrations fail: the kwok stage below fails every Job pod running it */
const FAILING_REPOSITORY = 'registry.invalid/mastodon-failing-migrations';
const FAULT_VERSION = '4.7.2';
const dashed = (version: string) => version.replace(/\./g, '-');
/** the ServiceAccount of the downtime flow's Jobs (UpgradeAccess) */
const UPGRADE_ACCOUNT = `${INSTANCE}-upgrade`;

const missing = missingComponents();

describe.skipIf(missing !== undefined)('upgrades under Flux', () => {
  let cluster: Cluster;
  let git: GitWorkingCopy;
  let tmp: string;
  const report: string[] = [];
  const base = YAML.parse(fs.readFileSync(path.join(ROOT, 'instances', `${INSTANCE}.yaml`), 'utf8'));

  /** synthesizes the definition into the working copy, commits and pushes it; returns the commit */
  const commit = (message: string, changes: Record<string, unknown>): string => {
    const instances = path.join(tmp, 'instances');
    fs.mkdirSync(instances, { recursive: true });
    fs.writeFileSync(path.join(instances, `${INSTANCE}.yaml`), YAML.stringify({ ...base, ...changes }));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'build/cli.js'), 'synth', '--instances', instances, '--out', path.join(git.dir, 'dist'), '--quiet'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`synth failed: ${r.stderr}`);
    const sha = git.push(message);
    cluster.log(`pushed ${sha.slice(0, 8)}: ${message}`);
    return sha;
  };

  const sample = (): Sample => {
    cluster.assertRunning();
    const items = cluster.json(['get', 'jobs,replicasets,deployments', '-n', NS]).items as any[];
    const of = (kind: string) => items.filter((o) => o.kind === kind);
    return { t: Date.now(), jobs: of('Job'), replicaSets: of('ReplicaSet'), deployments: of('Deployment') };
  };
  const kustomizations = () => cluster.json(['get', 'kustomizations', '-n', 'flux-system']).items as any[];
  const appliedEverywhere = (sha: string) => {
    const ks = kustomizations().filter((k) => STAGES.includes(k.metadata.name));
    return ks.length === STAGES.length && ks.every((k) => k.status?.lastAppliedRevision?.endsWith(sha) && condition(k, 'Ready')?.status === 'True');
  };

  /** samples the instance every half second until `done`, so invariants can be checked on every state seen */
  const watchUntil = async (what: string, timeoutMs: number, done: (s: Sample) => boolean): Promise<Sample[]> => {
    const samples: Sample[] = [];
    await waitFor(what, timeoutMs, () => {
      const s = sample();
      samples.push(s);
      return done(s);
    }).catch((e) => {
      const ks = kustomizations().map((k) => `${k.metadata.name}: ${condition(k, 'Ready')?.message ?? 'no status'}`);
      throw new Error(`${e.message}\nKustomizations:\n  ${ks.join('\n  ')}`);
    });
    return samples;
  };

  /**
   * Stands in for the container runtime kwok lacks, for the downtime Job only: runs its kubectl init
   * containers' arguments with the real kubectl, authenticated as the Job's ServiceAccount, so their
   * RBAC and selectors meet the real API server. Returns what each step did.
   */
  const runKubectlSteps = (pod: any): { step: string; status: number; output: string }[] => {
    const token = cluster.k(['create', 'token', pod.spec.serviceAccountName, '-n', NS]).trim();
    const server = cluster.k(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}']);
    const steps = (pod.spec.initContainers ?? []).filter((c: any) => c.image.includes('/kubectl:'));
    return steps.map((c: any) => {
      const r = spawnSync('kubectl', ['--kubeconfig=/dev/null', `--server=${server}`, `--token=${token}`, '--insecure-skip-tls-verify', ...c.args], { encoding: 'utf8', timeout: 60_000 });
      return { step: c.name, status: r.status ?? -1, output: (r.stdout + r.stderr).trim() };
    });
  };

  /** the objects Flux manages in the namespace, by identity and generation (or version when they have none) */
  const fingerprint = () => {
    const items = cluster.json(['get', 'deployments,replicasets,jobs,services,configmaps,ingresses,networkpolicies,persistentvolumeclaims', '-n', NS]).items as any[];
    return Object.fromEntries(items.map((o) => [`${o.kind}/${o.metadata.name}`, `${o.metadata.uid}@${o.metadata.generation ?? o.metadata.resourceVersion}`]));
  };

  const expectNothingFailing = () => {
    const failedJobs = (cluster.json(['get', 'jobs', '-n', NS]).items as any[]).filter((j) => condition(j, 'Failed')?.status === 'True').map((j) => j.metadata.name);
    const pods = cluster.json(['get', 'pods', '-n', NS]).items as any[];
    const unhealthy = pods.filter((p) => p.status.phase !== 'Succeeded' && condition(p, 'Ready')?.status !== 'True').map((p) => `${p.metadata.name} ${p.status.phase}`);
    const notReady = kustomizations().filter((k) => condition(k, 'Ready')?.status !== 'True').map((k) => k.metadata.name);
    expect({ failedJobs, unhealthy, notReady }).toEqual({ failedJobs: [], unhealthy: [], notReady: [] });
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(BIN, '..', 'flux-test-'));
    const jobPodStage = (name: string, match: object, next: object, delayMs?: number) => harnessJobPodStage(tmp, name, match, next, delayMs);
    // the "release whose migrations fail": every Job pod running its image fails, as a migration would
    const failing = jobPodStage('failing-migration', { key: '.spec.containers.[].image', operator: 'In', values: [`${FAILING_REPOSITORY}:v${FAULT_VERSION}`] }, { statusTemplate: 'phase: Failed\nreason: Error\nmessage: migration failed\n' });
    // kwok runs no containers; the downtime Job's kubectl steps are run by the test (runKubectlSteps),
    // and kwok completes that Job's pods only 5 s after they start instead of at once
    const held = jobPodStage('downtime-job-runs-its-steps', { key: '.spec.serviceAccountName', operator: 'In', values: [UPGRADE_ACCOUNT] }, { statusTemplate: 'phase: Succeeded\n' }, 5000);
    spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { stdio: 'inherit' });
    cluster = await Cluster.start({ kwokStages: [failing, held] });
    await prepare(cluster, INSTANCE, NS);
    git = await cluster.startFlux();
  }, 300_000);

  afterAll(() => {
    if (cluster) {
      fs.writeFileSync(path.join(BIN, '..', 'report-flux.md'), ['# Upgrades under Flux', '', ...report, '', '## Events', '', '```', ...cluster.events, '```', ''].join('\n'));
      cluster.stop();
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('installs from Git: Flux applies the four stages in order', async () => {
    const sha = commit('install 4.4.5', { version: '4.4.5' });
    // bootstrap as an admin would: a source and one Kustomization pointing at dist/<instance>
    cluster.k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'source.toolkit.fluxcd.io/v1',
          kind: 'GitRepository',
          metadata: { name: base.flux?.sourceName ?? 'mastodon-manifests', namespace: 'flux-system' },
          spec: { url: git.url, interval: '5s', ref: { branch: 'main' } },
        },
        {
          apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
          kind: 'Kustomization',
          metadata: { name: 'instances', namespace: 'flux-system' },
          spec: { interval: '10m', path: `./dist/${INSTANCE}`, prune: true, sourceRef: { kind: 'GitRepository', name: base.flux?.sourceName ?? 'mastodon-manifests' } },
        },
      ],
    }));
    const t = Date.now();
    const samples = await watchUntil('Flux to apply every stage of the install', 300_000, () => appliedEverywhere(sha));
    const { violations, timeline } = checkOrder(samples, '4.4.5', `${INSTANCE}-db-migrate-pre-4-4-5`, `${INSTANCE}-db-migrate-post-4-4-5`);
    report.push(`- install 4.4.5: every stage applied in ${((Date.now() - t) / 1000).toFixed(0)} s`, ...timeline);
    expect(violations).toEqual([]);
    expectNothingFailing();
  }, 420_000);

  it('upgrades 4.4.5 → 4.5.6 with downtime: processes stopped, everything migrated, then the new version started', async () => {
    const t = Date.now();
    const preJob = `${INSTANCE}-db-migrate-downtime-4-5-6`;
    const sha = commit('upgrade to 4.5.6 (downtime)', { version: '4.5.6', upgrade: { from: '4.4.5', strategy: 'downtime' } });
    let ran: { steps: ReturnType<typeof runKubectlSteps>; jobDoneBefore: boolean; replicas: number[]; pods: number } | undefined;
    const samples = await watchUntil('Flux to apply the downtime upgrade', 300_000, (s) => {
      const pod = ran ? undefined : (cluster.json(['get', 'pods', '-n', NS, '-l', `job-name=${preJob}`]).items as any[]).find((p) => p.status.phase === 'Running');
      if (pod) {
        const steps = runKubectlSteps(pod);
        const now = sample();
        const left = (cluster.json(['get', 'pods', '-n', NS]).items as any[]).filter((p) => !p.metadata.ownerReferences?.some((o: any) => o.kind === 'Job'));
        ran = { steps, jobDoneBefore: succeeded(now.jobs.find((j) => j.metadata.name === preJob)), replicas: now.deployments.map((d) => d.spec.replicas), pods: left.length };
        cluster.log(`downtime Job's kubectl steps run: ${steps.map((x) => `${x.step} exit ${x.status}`).join(', ')}`);
      }
      return appliedEverywhere(sha);
    });
    const { violations, timeline } = checkOrder(samples, '4.5.6', preJob, undefined);
    report.push(
      `- downtime upgrade 4.4.5 → 4.5.6: ${((Date.now() - t) / 1000).toFixed(0)} s; the Job's kubectl steps, run as ${UPGRADE_ACCOUNT}: ${ran?.steps.map((x) => `${x.step} → exit ${x.status} (${x.output.split('\n').length} line(s))`).join(', ')}; then ${ran?.pods} app pods left, replicas ${ran?.replicas.join('/')}`,
      ...timeline,
    );
    // every step worked with the Job's own RBAC, before the Job completed, and left nothing running
    expect(ran?.steps.map((x) => ({ step: x.step, status: x.status }))).toEqual([
      { step: 'scale-down', status: 0 },
      { step: 'wait-for-stop', status: 0 },
    ]);
    expect({ jobDoneBefore: ran?.jobDoneBefore, pods: ran?.pods, replicas: ran?.replicas.every((r) => r === 0) }).toEqual({ jobDoneBefore: false, pods: 0, replicas: true });
    expect(violations).toEqual([]);
    // the app stage brought every process back at the new version, at its own replica count
    expect(sample().deployments.filter((d) => !rolledOut(d, '4.5.6') || d.spec.replicas < 1).map((d) => d.metadata.name)).toEqual([]);
    expectNothingFailing();
  }, 420_000);

  it('upgrades 4.5.6 → 4.6.6 rolling: pre-deploy Job before new ReplicaSets, post-deploy Job after every rollout', async () => {
    const t = Date.now();
    const sha = commit('upgrade to 4.6.6', { version: '4.6.6', upgrade: { from: '4.5.6' } });
    const samples = await watchUntil('Flux to apply the rolling upgrade', 300_000, () => appliedEverywhere(sha));
    const { violations, timeline } = checkOrder(samples, '4.6.6', `${INSTANCE}-db-migrate-pre-4-6-6`, `${INSTANCE}-db-migrate-post-4-6-6`);
    report.push(`- rolling upgrade 4.5.6 → 4.6.6: ${((Date.now() - t) / 1000).toFixed(0)} s`, ...timeline);
    expect(violations).toEqual([]);
    expectNothingFailing();
  }, 420_000);

  it('changes nothing when Flux reconciles the same revision again', async () => {
    const before = fingerprint();
    const token = `${Date.now()}`;
    for (const k of ['instances', ...STAGES]) cluster.k(['annotate', '--overwrite', 'kustomization', k, '-n', 'flux-system', `reconcile.fluxcd.io/requestedAt=${token}`]);
    await waitFor('every Kustomization to handle the reconcile request', 180_000, () =>
      kustomizations().every((k) => k.status?.lastHandledReconcileAt === token && condition(k, 'Ready')?.status === 'True'),
    );
    expect(fingerprint()).toEqual(before);
    report.push(`- re-reconcile of the same revision: ${Object.keys(before).length} objects, none changed or recreated`);
  }, 240_000);

  it('the day after an upgrade: the finished Jobs stay and a reconcile runs nothing; a TTL would have Flux create and run them again', async () => {
    const [pre, post] = [`${INSTANCE}-db-migrate-pre-4-6-6`, `${INSTANCE}-db-migrate-post-4-6-6`];
    const jobs = () => Object.fromEntries(sample().jobs.filter((j) => /-db-migrate-|-scale-up-/.test(j.metadata.name)).map((j) => [j.metadata.name, { uid: j.metadata.uid as string, ttl: j.spec.ttlSecondsAfterFinished, done: succeeded(j) }]));
    const runs = (job: string) => (cluster.json(['get', 'pods', '-n', NS, '-l', `job-name=${job}`]).items as any[]).length;
    const reconcile = async (what: string) => {
      const token = `${Date.now()}`;
      for (const k of STAGES) cluster.k(['annotate', '--overwrite', 'kustomization', k, '-n', 'flux-system', `reconcile.fluxcd.io/requestedAt=${token}`]);
      await waitFor(what, 180_000, () => kustomizations().filter((k) => STAGES.includes(k.metadata.name)).every((k) => k.status?.lastHandledReconcileAt === token && condition(k, 'Ready')?.status === 'True'));
    };
    // only the running release's upgrade Jobs are left (Flux pruned the previous release's), finished, with no TTL
    const kept = jobs();
    expect(kept).toEqual({ [post]: { uid: expect.any(String), ttl: undefined, done: true }, [pre]: { uid: expect.any(String), ttl: undefined, done: true } });
    const before = { pre: runs(pre), post: runs(post) };
    await reconcile('a reconcile of every stage with the finished Jobs in place');
    expect({ jobs: jobs(), runs: { pre: runs(pre), post: runs(post) } }).toEqual({ jobs: kept, runs: before });
    report.push(`- the day after the upgrade (no TTL, the default): ${pre} and ${post} kept, a reconcile of every stage re-ran nothing (${before.pre} and ${before.post} pod(s))`);

    // what a TTL does: the same release with 60 s; the Jobs finished long enough ago to go at once
    const t = Date.now();
    commit('4.6.6, migration Jobs with a 60 s TTL', { version: '4.6.6', upgrade: { from: '4.5.6', jobTtlSeconds: 60 } });
    await waitFor('the TTL controller to delete both finished Jobs', 180_000, () => ![pre, post].some((j) => jobs()[j]?.uid === kept[j].uid));
    const deletedAfter = (Date.now() - t) / 1000;
    cluster.log('finished migration Jobs deleted by their TTL');
    await reconcile('Flux to reconcile after the deletion');
    const again = jobs();
    const rerun = { pre: runs(pre), post: runs(post) };
    report.push(`- with \`upgrade.jobTtlSeconds: 60\`: both Jobs deleted ${deletedAfter.toFixed(0)} s after the push; the next reconcile created them again (new uids) and ran them: ${rerun.pre} and ${rerun.post} new pod(s)`);
    expect(again).toEqual({ [post]: { uid: expect.not.stringMatching(kept[post].uid), ttl: 60, done: true }, [pre]: { uid: expect.not.stringMatching(kept[pre].uid), ttl: 60, done: true } });
    expect(rerun).toEqual({ pre: 1, post: 1 });

    // back to the default: the Jobs stay again, and nothing runs on later reconciles
    const sha = commit('4.6.6, migration Jobs without a TTL', { version: '4.6.6', upgrade: { from: '4.5.6' } });
    await waitFor('Flux to apply the definition without a TTL', 180_000, () => appliedEverywhere(sha) && [pre, post].every((j) => jobs()[j]?.done && jobs()[j]?.ttl === undefined));
    const settled = jobs();
    await reconcile('a reconcile without a TTL');
    expect(jobs()).toEqual(settled);
    expectNothingFailing();
  }, 600_000);

  it('stops before the app stage when a migration fails, old pods serving, and carries on once the definition is fixed', async () => {
    const t = Date.now();
    const faulty = commit(`upgrade to ${FAULT_VERSION}, a release whose migration fails`, {
      version: FAULT_VERSION,
      upgrade: { from: '4.6.6' },
      image: { repository: FAILING_REPOSITORY },
    });
    const preJob = `${INSTANCE}-db-migrate-pre-${dashed(FAULT_VERSION)}`;
    const samples = await watchUntil('the pre-deploy stage to fail', 420_000, () => {
      const pre = kustomizations().find((k) => k.metadata.name === `${INSTANCE}-pre-deploy`);
      return pre?.status?.lastAttemptedRevision?.endsWith(faulty) && condition(pre, 'Ready')?.status === 'False';
    });
    const failedAfter = (Date.now() - t) / 1000;
    // the app stage is never attempted, and the 4.6.6 pods keep serving throughout
    const app = kustomizations().find((k) => k.metadata.name === `${INSTANCE}-app`);
    const stillOld = samples.every((s) => s.deployments.every((d) => at('4.6.6')(mastodonImage(d.spec.template)) && (d.status?.readyReplicas ?? 0) >= d.spec.replicas));
    const pre = kustomizations().find((k) => k.metadata.name === `${INSTANCE}-pre-deploy`);
    expect({ appRevision: app.status.lastAttemptedRevision.endsWith(faulty), stillOld }).toEqual({ appRevision: false, stillOld: true });
    expect(condition(sample().jobs.find((j) => j.metadata.name === preJob), 'Failed')?.status).toBe('True');
    report.push(`- failing migration (${FAULT_VERSION}): pre-deploy stage failed after ${failedAfter.toFixed(0)} s ("${condition(pre, 'Ready')?.message}"); app stage not attempted; every 4.6.6 Deployment ready in all ${samples.length} samples`);

    const t2 = Date.now();
    const fixed = commit(`upgrade to ${FAULT_VERSION} with the fixed image`, { version: FAULT_VERSION, upgrade: { from: '4.6.6' } });
    const after = await watchUntil('Flux to carry on with the fixed definition', 600_000, () => appliedEverywhere(fixed));
    const { violations, timeline } = checkOrder(after, FAULT_VERSION, preJob, `${INSTANCE}-db-migrate-post-${dashed(FAULT_VERSION)}`);
    report.push(`- fixed definition pushed: every stage applied ${((Date.now() - t2) / 1000).toFixed(0)} s later (the failed Job replaced by Flux's force apply)`, ...timeline);
    expect(violations).toEqual([]);
    expectNothingFailing();
  }, 1_200_000);
});
