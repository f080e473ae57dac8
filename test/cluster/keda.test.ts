/**
 * Queue-length autoscaling for real: KEDA's operator and metrics API server (built from the pinned module,
 * test/cluster/keda) on the suite's control plane with the aggregation layer on, and a real redis-server on
 * loopback as the Sidekiq Redis, with a password for its default user (requirepass) and an ACL user. Two
 * instances share it: `viral` authenticates as the default user, `acl` as the ACL user on database 1, both
 * through the generated TriggerAuthentication. Jobs pushed as Sidekiq's client pushes them scale each
 * queue-scaled group to its maximum; drained, it returns to its minimum; the scheduler group and the
 * fixed-replica group are never scaled (every change of every Deployment is watched). A Markdown report with
 * the timings goes to .cluster/report-keda.md.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definition, synth } from '../helpers';
import { BIN, Cluster, Watch, freePort, missingComponents, waitFor } from './harness';
import { prepare } from './shapes';

const KEDA = ['keda-operator', 'keda-adapter', 'keda-crds'];
const REDIS = ['redis-server', 'redis-cli'];
const which = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const missing =
  missingComponents(['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kwok-stages.yaml', ...KEDA]) ??
  (REDIS.some((c) => !which(c)) ? 'missing redis-server, redis-cli (apt-get install redis-server)' : undefined);
if (missing) console.log(`KEDA queue-scaling test skipped: ${missing}`);

const [MIN, MAX, PER_REPLICA] = [1, 3, 10];
/** the ACL user: Sidekiq's commands and KEDA's (EVAL of a Lua script), nothing of @dangerous */
const ACL_USER = 'mastodon';

interface Instance {
  readonly name: string;
  /** Redis ACL user (REDIS_USER), or the default user */
  readonly user?: string;
  readonly db?: number;
  readonly password: string;
  /** jobs pushed into queue:push: enough for MAX replicas at PER_REPLICA each */
  readonly jobs: number;
}
const INSTANCES: readonly Instance[] = [
  { name: 'viral', password: randomBytes(18).toString('hex'), jobs: PER_REPLICA * MAX * 4 },
  { name: 'acl', user: ACL_USER, db: 1, password: randomBytes(18).toString('hex'), jobs: PER_REPLICA * (MAX - 1) + 5 },
];
const scaled = (i: Instance) => `${i.name}-sidekiq-push`;
const scheduler = (i: Instance) => `${i.name}-sidekiq-scheduler`;
const fixed = (i: Instance) => `${i.name}-sidekiq-default`;

/** a CA and one certificate for 127.0.0.1, server and client: KEDA's operator/adapter gRPC (mTLS) and the adapter's HTTPS */
function kedaCerts(dir: string): void {
  const f = (n: string) => path.join(dir, n);
  const openssl = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  };
  fs.mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=KEDA', '-keyout', f('ca.key'), '-out', f('ca.crt')]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=keda-operator', '-keyout', f('tls.key'), '-out', f('tls.csr')]);
  fs.writeFileSync(f('ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  openssl(['x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('ext'), '-out', f('tls.crt')]);
}

/** a job as Sidekiq's client pushes it: JSON in the queue:<name> list (LPUSH), the queue in the `queues` set */
function sidekiqJob(queue: string, i: number): string {
  const now = Date.now() / 1000;
  return JSON.stringify({ retry: 8, queue, class: 'ActivityPub::DeliveryWorker', args: [`{"id":"https://example.social/statuses/${i}"}`, 1, `https://remote${i}.example/inbox`], jid: randomBytes(12).toString('hex'), created_at: now, enqueued_at: now });
}

/** the Secrets (name → keys) the pod templates among `objects` read through env or envFrom */
function referencedSecrets(objects: readonly any[]): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (name: string, key?: string) => {
    const keys = found.get(name) ?? new Set<string>();
    if (key) keys.add(key);
    found.set(name, keys);
  };
  for (const o of objects) {
    const pod = (o.spec?.template ?? o.spec?.jobTemplate?.spec?.template)?.spec;
    for (const c of pod ? [...(pod.initContainers ?? []), ...pod.containers] : []) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) add(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
      for (const e of c.envFrom ?? []) if (e.secretRef) add(e.secretRef.name);
    }
  }
  for (const [name, keys] of found) if (!keys.size) keys.add('unused');
  return found;
}

/** every spec.replicas and readiness of every Deployment of a namespace, from a watch: no change goes unseen */
class DeploymentLog {
  readonly replicas = new Map<string, { t: number; replicas: number }[]>();
  readonly current = new Map<string, any>();
  readonly errors: string[] = [];
  private watch?: Watch;

  start(cluster: Cluster, ns: string): void {
    const list = cluster.json(['get', 'deployments', '-n', ns]);
    for (const d of list.items as any[]) this.record(d);
    this.watch = cluster.watch(`/apis/apps/v1/namespaces/${ns}/deployments`, list.metadata.resourceVersion, (e) => {
      if (e.type === 'ADDED' || e.type === 'MODIFIED') this.record(e.object);
    }, (e) => this.errors.push(String(e)));
  }

  private record(d: any): void {
    const name = d.metadata.name as string;
    this.current.set(name, d);
    const seen = this.replicas.get(name) ?? [];
    if (seen[seen.length - 1]?.replicas !== d.spec.replicas) seen.push({ t: Date.now(), replicas: d.spec.replicas });
    this.replicas.set(name, seen);
  }

  /** the spec.replicas values the Deployment has had, in order */
  history(name: string): number[] {
    return (this.replicas.get(name) ?? []).map((r) => r.replicas);
  }

  /** spec.replicas and ready replicas both at n, no replica of an older or terminating pod counted */
  at(name: string, n: number): boolean {
    const d = this.current.get(name);
    return d?.spec.replicas === n && d.status?.readyReplicas === n && d.status?.replicas === n && d.status?.observedGeneration >= d.metadata.generation;
  }

  /** the replica changes after `since`, as "1 → 3 at +12 s" */
  steps(name: string, since: number): string {
    const seen = this.replicas.get(name) ?? [];
    return seen
      .map((r, i) => (i > 0 && r.t >= since ? `${seen[i - 1].replicas} → ${r.replicas} at +${((r.t - since) / 1000).toFixed(0)} s` : undefined))
      .filter(Boolean)
      .join(', ');
  }

  stop(): void {
    this.watch?.stop();
  }
}

describe.skipIf(missing !== undefined)('Sidekiq queue scaling with KEDA on a real Redis', () => {
  let cluster: Cluster;
  let redis: ChildProcess | undefined;
  let redisPort = 0;
  const defaultPassword = INSTANCES.find((i) => !i.user)!.password;
  const report: string[] = [];
  const logs = new Map<string, DeploymentLog>(INSTANCES.map((i) => [i.name, new DeploymentLog()]));
  const log = (i: Instance) => logs.get(i.name)!;
  const generated = new Map<string, any[]>();

  /** redis-cli as `auth` on database `db`; the reply, or an Error with Redis's refusal */
  const redisCli = (auth: { user?: string; password?: string }, db: number, ...args: string[]) => {
    const a = [...(auth.user ? ['--user', auth.user] : []), ...(auth.password ? ['--pass', auth.password] : [])];
    const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), '--no-auth-warning', '-n', String(db), ...a, ...args], { encoding: 'utf8' });
    return { ok: r.status === 0 && !/^(ERR|NOAUTH|WRONGPASS|NOPERM)/.test(r.stdout), out: `${r.stdout}${r.stderr}`.trim() };
  };
  /** redis-cli as the instance's Sidekiq authenticates, on its database; must succeed */
  const cli = (i: Instance, ...args: string[]) => {
    const r = redisCli({ user: i.user, password: i.password }, i.db ?? 0, ...args);
    if (!r.ok) throw new Error(`redis-cli ${args[0]} (${i.name}) failed: ${r.out}`);
    return r.out;
  };
  /** the external metric the HPA of the instance's ScaledObject reads, as the API server serves it */
  const metric = (i: Instance) => {
    const hpa = cluster.json(['get', 'hpa', `keda-hpa-${scaled(i)}`, '-n', i.name]);
    const name = hpa.spec.metrics[0].external.metric.name;
    const r = cluster.kubectl(['get', '--raw', `/apis/external.metrics.k8s.io/v1beta1/namespaces/${i.name}/${name}?labelSelector=scaledobject.keda.sh%2Fname%3D${scaled(i)}`]);
    if (r.status !== 0) throw new Error(`external metric ${name}: ${r.stderr}`);
    return JSON.parse(r.stdout).items?.[0]?.value as string | undefined;
  };

  beforeAll(async () => {
    cluster = await Cluster.start({ aggregation: true });
    await prepare(cluster, 'ha', INSTANCES[0].name);
    for (const i of INSTANCES.slice(1)) {
      cluster.k(['create', 'namespace', i.name]);
      cluster.k(['label', 'namespace', i.name, 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest']);
    }
    // KEDA's own CRDs, from the module the operator is built from (replacing the vendored ones)
    cluster.k(['apply', '--server-side', '--force-conflicts', '-f', path.join(BIN, 'keda-crds')]);
    cluster.k(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);

    // redis-server on loopback, no persistence: requirepass for the default user, and an ACL user
    redisPort = await freePort();
    const redisDir = path.join(cluster.dir, 'redis');
    fs.mkdirSync(redisDir);
    const aclUser = INSTANCES.find((i) => i.user === ACL_USER)!;
    fs.writeFileSync(path.join(redisDir, 'redis.conf'), [
      'bind 127.0.0.1',
      `port ${redisPort}`,
      `requirepass ${defaultPassword}`,
      `user ${ACL_USER} on >${aclUser.password} ~* &* +@all -@dangerous`,
      'save ""',
      'appendonly no',
      `dir ${redisDir}`,
      '',
    ].join('\n'));
    fs.chmodSync(path.join(redisDir, 'redis.conf'), 0o600);
    redis = spawn('redis-server', [path.join(redisDir, 'redis.conf')], { stdio: ['ignore', fs.openSync(path.join(cluster.dir, 'redis-server.log'), 'a'), 'inherit'] });
    await waitFor('redis-server', 20_000, () => redisCli({ password: defaultPassword }, 0, 'PING').out === 'PONG');
    // the passwords are enforced: no password, the ACL user's password as the default user, and a dangerous command as the ACL user are refused
    expect(redisCli({}, 0, 'LLEN', 'queue:push').out).toMatch(/^NOAUTH/);
    expect(redisCli({ password: aclUser.password }, 0, 'PING').out).toMatch(/WRONGPASS/);
    expect(redisCli({ user: ACL_USER, password: aclUser.password }, 0, 'FLUSHALL').out).toMatch(/NOPERM/);
    cluster.log(`redis-server on 127.0.0.1:${redisPort} (requirepass, ACL user ${ACL_USER})`);

    // KEDA: operator (gRPC metrics service) and metrics API server, served to the API server as an APIService
    const certs = path.join(cluster.dir, 'keda-certs');
    kedaCerts(certs);
    const [grpcPort, adapterPort] = [await freePort(), await freePort()];
    const env = { KUBECONFIG: cluster.kubeconfig, WATCH_NAMESPACE: '', POD_NAMESPACE: 'keda', KEDA_CLUSTER_OBJECT_NAMESPACE: 'keda' };
    cluster.k(['create', 'namespace', 'keda']);
    cluster.run('keda-operator', [
      `--metrics-bind-address=127.0.0.1:${await freePort()}`,
      `--health-probe-bind-address=127.0.0.1:${await freePort()}`,
      `--metrics-service-bind-address=127.0.0.1:${grpcPort}`,
      `--cert-dir=${certs}`,
      `--ca-dir=${certs}`,
      '--zap-log-level=info',
    ], env);
    cluster.run('keda-adapter', [
      `--secure-port=${adapterPort}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${certs}`,
      `--tls-cert-file=${path.join(certs, 'tls.crt')}`,
      `--tls-private-key-file=${path.join(certs, 'tls.key')}`,
      `--authentication-kubeconfig=${cluster.kubeconfig}`,
      `--authorization-kubeconfig=${cluster.kubeconfig}`,
      `--lister-kubeconfig=${cluster.kubeconfig}`,
      `--metrics-service-address=127.0.0.1:${grpcPort}`,
    ], env);
    // the API server proxies to the adapter on loopback: an ExternalName Service (no kube-proxy in the suite)
    cluster.k(['apply', '-f', '-'], JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { apiVersion: 'v1', kind: 'Service', metadata: { name: 'keda-metrics-apiserver', namespace: 'keda' }, spec: { type: 'ExternalName', externalName: 'localhost', ports: [{ name: 'https', port: adapterPort }] } },
        {
          apiVersion: 'apiregistration.k8s.io/v1',
          kind: 'APIService',
          metadata: { name: 'v1beta1.external.metrics.k8s.io' },
          spec: { group: 'external.metrics.k8s.io', version: 'v1beta1', groupPriorityMinimum: 100, versionPriority: 100, insecureSkipTLSVerify: true, service: { name: 'keda-metrics-apiserver', namespace: 'keda', port: adapterPort } },
        },
      ],
    }));
    await waitFor('the external metrics API to be available', 120_000, () => {
      cluster.assertRunning();
      return cluster.kubectl(['get', '--raw', '/apis/external.metrics.k8s.io/v1beta1']).status === 0;
    }, 1000);
    cluster.log('KEDA operator and metrics API server started; external.metrics.k8s.io available');

    // each instance with its Sidekiq Redis the redis-server above (password in a Secret, read by KEDA through the TriggerAuthentication)
    for (const i of INSTANCES) {
      cluster.k(['create', 'secret', 'generic', 'sidekiq-redis', '-n', i.name, `--from-literal=password=${i.password}`]);
      const def = definition({
        name: i.name,
        redis: { main: { external: { host: '127.0.0.1', port: redisPort, user: i.user, db: i.db, passwordSecret: { name: 'sidekiq-redis', key: 'password' } } } },
        sidekiq: {
          groups: [
            { name: 'scheduler', queues: ['scheduler'] },
            { name: 'push', queues: ['push'], replicas: MIN, maxReplicas: MAX, queueLengthPerReplica: PER_REPLICA },
            { name: 'default', queues: ['default,8', 'ingress,4', 'mailers,2', 'pull', 'fasp'] },
          ],
        },
      });
      const objects = synth(def).filter((o) => !['Namespace', 'Job', 'Kustomization', 'GitRepository'].includes(o.kind));
      generated.set(i.name, objects);
      // KEDA resolves the scale target's container env, every Secret it references included, before it builds a
      // trigger (a missing one: no scaler, no HPA): the Secrets the pods name exist, as on a real cluster
      for (const [name, keys] of referencedSecrets(objects)) {
        if (name !== 'sidekiq-redis') cluster.k(['create', 'secret', 'generic', name, '-n', i.name, ...[...keys].map((k) => `--from-literal=${k}=unused-${randomBytes(6).toString('hex')}`)]);
      }
      cluster.k(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    }
    for (const i of INSTANCES) for (const d of [scaled(i), scheduler(i), fixed(i)]) cluster.k(['rollout', 'status', `deployment/${d}`, '-n', i.name, '--timeout=180s']);
    for (const i of INSTANCES) log(i).start(cluster, i.name);
    cluster.log('instances applied and rolled out');
  }, 300_000);

  afterAll(() => {
    for (const l of logs.values()) l.stop();
    if (redis && redis.exitCode === null) redis.kill('SIGTERM');
    if (!cluster) return;
    fs.writeFileSync(path.join(BIN, '..', 'report-keda.md'), ['# KEDA queue scaling on a real Redis', '', ...report, '', '## Events', '', '```', ...cluster.events, '```', ''].join('\n'));
    cluster.stop();
  });

  it('KEDA accepts the generated ScaledObjects and TriggerAuthentications (default user; ACL user on database 1) and reads each queue through them', async () => {
    for (const i of INSTANCES) {
      const so = await waitFor(`the ScaledObject ${scaled(i)} to be Ready`, 120_000, () => {
        cluster.assertRunning();
        const o = cluster.json(['get', 'scaledobject', scaled(i), '-n', i.name]);
        return o.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True') && o;
      }, 1000);
      const hpa = cluster.json(['get', 'hpa', `keda-hpa-${scaled(i)}`, '-n', i.name]);
      const source = generated.get(i.name)!.find((o) => o.kind === 'ScaledObject' && o.metadata.name === scaled(i)) as any;
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([MIN, MAX]);
      expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: scaled(i) });
      expect(hpa.spec.metrics.map((m: any) => [m.type, m.external.target.type, m.external.target.averageValue])).toEqual([['External', 'AverageValue', String(PER_REPLICA)]]);
      // the generated scaling behaviour reaches the HPA as written
      expect(hpa.spec.behavior.scaleDown).toMatchObject(source.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown);
      expect(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds).toBe(source.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.stabilizationWindowSeconds);
      // the metrics API answers for the trigger, read from the password-protected Redis: one job on the instance's database only
      cli(i, 'LPUSH', 'queue:push', sidekiqJob('push', 0));
      expect(await waitFor(`the queue metric of ${i.name} to read 1`, 60_000, () => metric(i) === '1' && '1', 2000)).toBe('1');
      cli(i, 'DEL', 'queue:push');
      // only the queue-scaled group is scaled: no HPA for the scheduler or the fixed-replica group
      expect((cluster.json(['get', 'hpa', '-n', i.name]).items as any[]).map((h) => h.spec.scaleTargetRef.name)).toEqual([scaled(i)]);
      report.push(`- ${i.name} (${i.user ? `ACL user ${i.user}, database ${i.db}` : 'default user, requirepass'}): ScaledObject ${so.metadata.name} Ready; HPA ${hpa.metadata.name} ${MIN}..${MAX} on ${hpa.spec.metrics[0].external.metric.name} (target ${PER_REPLICA} jobs per replica)`);
    }
    await waitFor('the queue metrics to read 0 again', 60_000, () => INSTANCES.every((i) => metric(i) === '0'), 2000);
  });

  it(`jobs pushed into queue:push scale each queue-scaled group to its maximum (${MAX}); each HPA sees exactly its own database's jobs`, async () => {
    const t = Date.now();
    for (const i of INSTANCES) {
      cli(i, 'SADD', 'queues', 'push', 'scheduler');
      for (let n = 0; n < i.jobs; n += 40) cli(i, 'LPUSH', 'queue:push', ...Array.from({ length: Math.min(40, i.jobs - n) }, (_, j) => sidekiqJob('push', n + j)));
      // a backlog on the scheduler's queue too: nothing scales it
      for (let n = 0; n < 50; n++) cli(i, 'LPUSH', 'queue:scheduler', sidekiqJob('scheduler', n));
      expect(cli(i, 'LLEN', 'queue:push')).toBe(String(i.jobs));
    }
    cluster.log(`jobs pushed: ${INSTANCES.map((i) => `${i.name} ${i.jobs}`).join(', ')} into queue:push, 50 each into queue:scheduler`);
    for (const i of INSTANCES) expect(await waitFor(`the queue metric of ${i.name}`, 60_000, () => metric(i) === String(i.jobs) && metric(i), 2000)).toBe(String(i.jobs));
    const reached: Record<string, number> = {};
    await waitFor(`every queue-scaled group at ${MAX} ready replicas`, 240_000, () => {
      cluster.assertRunning();
      for (const i of INSTANCES) if (reached[i.name] === undefined && log(i).at(scaled(i), MAX)) reached[i.name] = Date.now();
      return INSTANCES.every((i) => reached[i.name] !== undefined);
    }, 1000);
    for (const i of INSTANCES) {
      const s = ((reached[i.name] - t) / 1000).toFixed(0);
      cluster.log(`${scaled(i)} at ${MAX} ready replicas`);
      report.push(`- scale-up, ${i.name}: ${i.jobs} jobs in queue:push → ${MIN} to ${MAX} ready replicas in ${s} s after the push (${log(i).steps(scaled(i), t)}; HPA sync 15 s)`);
      // at the maximum it stays there, whatever the queue length
      expect(cluster.json(['get', 'hpa', `keda-hpa-${scaled(i)}`, '-n', i.name]).status.desiredReplicas).toBe(MAX);
      expect(Math.max(...log(i).history(scaled(i)))).toBe(MAX);
    }
  });

  it(`drained, each queue-scaled group returns to its minimum (${MIN}); the scheduler and fixed-replica groups are never scaled`, async () => {
    for (const i of INSTANCES) cli(i, 'DEL', 'queue:push', 'queue:scheduler');
    const t = Date.now();
    cluster.log('queues drained');
    const reached: Record<string, number> = {};
    // the generated behaviour: 300 s scale-down stabilization, then one pod a minute
    await waitFor(`every queue-scaled group back at ${MIN} replica`, 720_000, () => {
      cluster.assertRunning();
      for (const i of INSTANCES) if (reached[i.name] === undefined && log(i).at(scaled(i), MIN)) reached[i.name] = Date.now();
      return INSTANCES.every((i) => reached[i.name] !== undefined);
    }, 2000);
    for (const i of INSTANCES) {
      const s = ((reached[i.name] - t) / 1000).toFixed(0);
      cluster.log(`${scaled(i)} back at ${MIN} replica`);
      report.push(`- scale-down, ${i.name}: drained → ${MAX} to ${MIN} replica in ${s} s (${log(i).steps(scaled(i), t)}; generated behaviour: 300 s stabilization, then 1 pod per 60 s)`);
      // one pod at a time, as the generated policy says
      expect(log(i).history(scaled(i)).slice(-MAX)).toEqual(Array.from({ length: MAX }, (_, k) => MAX - k));
    }
    for (const l of logs.values()) expect(l.errors).toEqual([]);
    for (const i of INSTANCES) {
      expect(log(i).history(scheduler(i))).toEqual([1]);
      expect(log(i).history(fixed(i))).toEqual([1]);
      report.push(`- ${scheduler(i)} and ${fixed(i)}: spec.replicas 1 throughout (every Deployment change watched)`);
    }
    // KEDA found nothing to complain about in the generated objects: no error in the operator's log (a scaler
    // that cannot be built is logged there; its Warning event is refused by a 1.36 API server, empty `action`)
    const operatorErrors = fs.readFileSync(path.join(cluster.dir, 'keda-operator.log'), 'utf8').split('\n').filter((l) => l.includes('"level":"error"'));
    expect(operatorErrors.map((l) => l.slice(0, 400))).toEqual([]);
    const warnings = INSTANCES.flatMap((i) =>
      (cluster.json(['get', 'events', '-n', i.name, '--field-selector=type=Warning']).items as any[])
        .filter((e) => ['ScaledObject', 'TriggerAuthentication'].includes(e.involvedObject.kind))
        .map((e) => `${i.name}/${e.involvedObject.name}: ${e.reason} ${e.message}`),
    );
    expect(warnings).toEqual([]);
  });
});
