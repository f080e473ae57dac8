/**
 * The bundled instances on a real control plane (see harness.ts): every object accepted by the API
 * server with Pod Security "restricted" enforced, a server-side re-apply that changes nothing, every
 * pod scheduled on nodes shaped as the instance describes, a zone lost, every node drained.
 * A Markdown report of each run goes to .cluster/report-<instance>.md.
 */
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, Cluster, ROOT, missingComponents, sleep, waitFor } from './harness';
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
  const summary = (worst: Record<string, number>) => Object.entries(worst).map(([d, r]) => `${d} ${r}`).join(', ');
  const applyStage = (stage: string) => cluster.k(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-k', path.join(dir, stage)]);
  const waitStage = async (stage: string) => {
    if (stage === '20-app') {
      for (const d of deployments()) cluster.k(['rollout', 'status', `deployment/${d.metadata.name}`, '-n', ns, '--timeout=180s']);
    }
    const jobs = (cluster.json(['get', 'jobs', '-n', ns]).items as any[]).filter((j) => !j.status?.succeeded);
    for (const j of jobs) cluster.k(['wait', '--for=condition=Complete', `job/${j.metadata.name}`, '-n', ns, '--timeout=180s']);
  };
  /** Deployments with at least two replicas, which must never drop to zero ready pods */
  const redundant = () => deployments().filter((d) => (d.spec.replicas ?? 1) >= 2).map((d) => d.metadata.name as string);

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

  it.runIf(shape.zoneLoss)('keeps every redundant component serving through the loss of a zone, and brings the rest back', async () => {
    const watched = redundant();
    const zone = 'zone-a';
    const lost = shape.nodes.filter((n) => n.zone === zone).map((n) => n.name);
    const worst = readyByDeployment();
    let pending: string[] = [];
    const t = Date.now();
    // the zone's kubelets stop reporting: kwok stops heart-beating nodes it no longer manages
    for (const n of lost) cluster.k(['label', 'node', n, 'kwok.x-k8s.io/fake-']);
    cluster.log(`zone ${zone} lost (${lost.join(', ')})`);
    await waitFor('every pod of the lost zone to be replaced elsewhere', 300_000, () => {
      pending = pendingPods();
      const ready = readyByDeployment();
      for (const [d, r] of Object.entries(ready)) worst[d] = Math.min(worst[d] ?? r, r);
      const pods = cluster.json(['get', 'pods', '-n', ns]).items as any[];
      const stranded = pods.filter((p) => lost.includes(p.spec.nodeName) && !p.metadata.deletionTimestamp && p.status.phase === 'Running');
      return stranded.length === 0 && deployments().every((d) => ready[d.metadata.name] >= (d.spec.replicas ?? 1));
    }, 1000).catch((e) => {
      throw new Error(`${e.message}; pending: ${pending.join('; ') || 'none'}`);
    });
    cluster.log(`every component back to its replicas outside ${zone}`);
    report.push(`- zone loss (${zone}): every component back to full strength in ${((Date.now() - t) / 1000).toFixed(0)} s; lowest ready pods seen: ${summary(worst)}`);
    expect(watched.filter((d) => worst[d] < 1)).toEqual([]);
    // the zone comes back for the next scenario
    for (const n of lost) cluster.k(['label', 'node', n, 'kwok.x-k8s.io/fake=true']);
    await waitFor('the zone to be ready again', 120_000, () =>
      (cluster.json(['get', 'nodes']).items as any[]).every((n) => n.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && !n.spec.taints?.some((x: any) => x.key.startsWith('node.kubernetes.io/'))),
    );
  }, 600_000);

  it.runIf(shape.drain)('drains every node in turn, honouring the disruption budgets, without a redundant component at zero', async () => {
    const watched = redundant();
    const worst = readyByDeployment();
    const t = Date.now();
    for (const n of shape.nodes.map((s) => s.name)) {
      // kubectl drain runs as its own process while the ready pods are sampled
      const drain = cluster.kubectlAsync(['drain', n, '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=180s']);
      let result: Awaited<typeof drain> | undefined;
      drain.then((r) => (result = r));
      while (!result) {
        for (const [d, r] of Object.entries(readyByDeployment())) worst[d] = Math.min(worst[d] ?? r, r);
        await sleep(300);
      }
      expect({ node: n, status: result.status, stderr: result.status ? result.stderr : '' }).toEqual({ node: n, status: 0, stderr: '' });
      await waitFor(`every Deployment to be whole again after draining ${n}`, 180_000, () => {
        for (const [d, r] of Object.entries(readyByDeployment())) worst[d] = Math.min(worst[d] ?? r, r);
        return whole();
      });
      cluster.k(['uncordon', n]);
      cluster.log(`drained ${n}`);
    }
    report.push(`- drain of all ${shape.nodes.length} nodes in turn: ${((Date.now() - t) / 1000).toFixed(0)} s; lowest ready pods seen: ${summary(worst)}`);
    expect(watched.filter((d) => worst[d] < 1)).toEqual([]);
  }, 900_000);
});
