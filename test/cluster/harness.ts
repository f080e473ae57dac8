/**
 * A throwaway Kubernetes control plane on 127.0.0.1 for the cluster tests: upstream etcd,
 * kube-apiserver, kube-controller-manager and kube-scheduler, with kwok standing in for nodes and
 * kubelets. Everything it starts is stopped by `stop()`; every wait is bounded.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import { generateKeyPairSync, randomBytes } from 'crypto';
import fs from 'fs';
import https from 'https';
import net from 'net';
import os from 'os';
import path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
export const BIN = path.join(ROOT, '.cluster/bin');
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kwok-stages.yaml', 'source-controller', 'kustomize-controller', 'gitserver', 'flux-crds'];

/** Why the cluster tests cannot run here, or undefined when every component (of `components`: all) is built. */
export function missingComponents(components: readonly string[] = COMPONENTS): string | undefined {
  const missing = components.filter((c) => !fs.existsSync(path.join(BIN, c)));
  if (spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status !== 0) missing.push('kubectl');
  return missing.length ? `missing ${missing.join(', ')} (run npm run test:cluster, which builds them)` : undefined;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** a component of the cluster has stopped: no point in waiting further */
export class ComponentExited extends Error {}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      if (e instanceof ComponentExited) throw e;
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(everyMs);
  }
}

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GitWorkingCopy {
  readonly dir: string;
  /** what a GitRepository's spec.url points at */
  readonly url: string;
  /** commits everything in `dir`, pushes it, and returns the commit */
  push(message: string): string;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=cluster-test', '-c', 'user.email=cluster-test@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** one event of a Kubernetes watch */
export interface WatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  readonly object: any;
}

export interface Watch {
  stop(): void;
}

export class Cluster {
  readonly dir: string;
  readonly kubeconfig: string;
  private server = '';
  private token = '';
  private readonly procs: { name: string; proc: ChildProcess }[] = [];
  /** what the cluster did, with timestamps relative to its start: for the report */
  readonly events: string[] = [];
  private readonly started = Date.now();

  private constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mastodon-cluster-'));
    this.kubeconfig = path.join(this.dir, 'kubeconfig');
  }

  /**
   * `kwokStages`: more kwok Stage files, e.g. to make some pods fail; `apiServerOnly`: etcd and kube-apiserver alone
   * (no controllers, nodes or scheduler); `aggregation`: the API server proxies APIServices to extension API servers
   * (front-proxy client certificate and request-header CA, as kubeadm sets them)
   */
  static async start(options: { readonly kwokStages?: readonly string[]; readonly apiServerOnly?: boolean; readonly aggregation?: boolean } = {}): Promise<Cluster> {
    const c = new Cluster();
    try {
      await c.boot(options.kwokStages ?? [], options.apiServerOnly ?? false, options.aggregation ?? false);
    } catch (e) {
      c.stop();
      throw e;
    }
    return c;
  }

  /** the API server's address and a system:masters token, for tests that talk REST */
  get api(): { url: string; token: string } {
    return { url: this.server, token: this.token };
  }

  log(line: string): void {
    this.events.push(`${((Date.now() - this.started) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  }

  /** starts `name` (from .cluster/bin, or a path) as a process of the cluster, logging to <dir>/<name>.log */
  run(name: string, args: string[], env: Record<string, string> = {}): void {
    const out = fs.openSync(path.join(this.dir, `${path.basename(name)}.log`), 'a');
    const proc = spawn(path.isAbsolute(name) ? name : path.join(BIN, name), args, { stdio: ['ignore', out, out], env: { ...process.env, ...env } });
    this.procs.push({ name: path.basename(name), proc });
  }

  /** a CA and a client certificate signed by it (openssl), for the aggregation layer's front proxy */
  private frontProxyFlags(): string[] {
    const f = (n: string) => path.join(this.dir, n);
    const openssl = (args: string[]) => {
      const r = spawnSync('openssl', args, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
    };
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=front-proxy-ca', '-keyout', f('front-proxy-ca.key'), '-out', f('front-proxy-ca.crt')]);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=front-proxy-client', '-keyout', f('front-proxy-client.key'), '-out', f('front-proxy-client.csr')]);
    fs.writeFileSync(f('front-proxy-client.ext'), 'extendedKeyUsage=clientAuth\n');
    openssl(['x509', '-req', '-in', f('front-proxy-client.csr'), '-CA', f('front-proxy-ca.crt'), '-CAkey', f('front-proxy-ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('front-proxy-client.ext'), '-out', f('front-proxy-client.crt')]);
    return [
      `--requestheader-client-ca-file=${f('front-proxy-ca.crt')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-username-headers=X-Remote-User',
      `--proxy-client-cert-file=${f('front-proxy-client.crt')}`,
      `--proxy-client-key-file=${f('front-proxy-client.key')}`,
    ];
  }

  private async boot(kwokStages: readonly string[], apiServerOnly: boolean, aggregation: boolean): Promise<void> {
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    const token = randomBytes(24).toString('hex');
    this.token = token;
    this.server = `https://127.0.0.1:${apiPort}`;
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saKey = path.join(this.dir, 'sa.key');
    const saPub = path.join(this.dir, 'sa.pub');
    fs.writeFileSync(saKey, privateKey.export({ type: 'pkcs1', format: 'pem' }));
    fs.writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    fs.writeFileSync(path.join(this.dir, 'tokens.csv'), `${token},admin,admin,"system:masters"\n`);
    fs.writeFileSync(
      this.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{ name: test, cluster: { server: "https://127.0.0.1:${apiPort}", insecure-skip-tls-verify: true } }]`,
        `users: [{ name: admin, user: { token: "${token}" } }]`,
        'contexts: [{ name: test, context: { cluster: test, user: admin } }]',
        'current-context: test',
        '',
      ].join('\n'),
    );

    this.run('etcd', [
      '--data-dir', path.join(this.dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync',
    ]);
    this.run('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${path.join(this.dir, 'certs')}`,
      `--token-auth-file=${path.join(this.dir, 'tokens.csv')}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      // dual-stack when only the API server runs (the differential test sends IPv6 Services); single-stack otherwise
      `--service-cluster-ip-range=10.96.0.0/16${apiServerOnly ? ',fd00:10:96::/112' : ''}`,
      '--endpoint-reconciler-type=none',
      // eviction and node monitoring keep their upstream defaults (300 s default tolerations, 50 s
      // node-monitor grace period): the manifests' own tolerations must make a zone loss short
      ...(aggregation ? this.frontProxyFlags() : []),
    ]);
    this.log('etcd and kube-apiserver started');
    await waitFor('the API server to be ready', 90_000, () => this.kubectl(['get', '--raw', '/readyz']).status === 0, 1000);
    if (apiServerOnly) return;
    this.run('kube-controller-manager', [
      `--kubeconfig=${this.kubeconfig}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
      `--service-account-private-key-file=${saKey}`,
      '--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle',
      '--terminated-pod-gc-threshold=100',
    ]);
    this.run('kube-scheduler', [`--kubeconfig=${this.kubeconfig}`, '--bind-address=127.0.0.1', '--secure-port=0', '--leader-elect=false']);
    this.run('kwok', [
      `--kubeconfig=${this.kubeconfig}`,
      `--config=${path.join(BIN, 'kwok-stages.yaml')}`,
      ...kwokStages.map((f) => `--config=${f}`),
      // heartbeats through node leases, as kubelets do (kwokctl's default)
      '--node-lease-duration-seconds=40',
      '--manage-all-nodes=false',
      '--manage-nodes-with-label-selector=kwok.x-k8s.io/fake=true',
      `--server-address=127.0.0.1:${await freePort()}`,
    ]);
    await waitFor('the default service account', 60_000, () => this.kubectl(['get', 'serviceaccount', 'default', '-n', 'default']).status === 0, 1000);
    this.log('controller-manager, scheduler and kwok started');
  }

  /**
   * Flux's source-controller and kustomize-controller, watching a Git repository served over smart
   * HTTP on loopback. Returns a working copy whose `push()` commits everything and pushes to it.
   */
  async startFlux(): Promise<GitWorkingCopy> {
    this.k(['apply', '--server-side', '--force-conflicts', '-f', path.join(BIN, 'flux-crds')]);
    this.k(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    const served = path.join(this.dir, 'git');
    const work = path.join(this.dir, 'work');
    git(this.dir, ['init', '--quiet', '--bare', '--initial-branch=main', path.join(served, 'mastodon.git')]);
    git(this.dir, ['init', '--quiet', '--initial-branch=main', work]);
    git(work, ['remote', 'add', 'origin', path.join(served, 'mastodon.git')]);
    const [gitPort, storagePort] = [await freePort(), await freePort()];
    fs.mkdirSync(path.join(this.dir, 'artifacts'));
    this.run('gitserver', ['-addr', `127.0.0.1:${gitPort}`, '-root', served]);
    const env = { KUBECONFIG: this.kubeconfig, RUNTIME_NAMESPACE: 'flux-system' };
    const local = async () => [`--metrics-addr=127.0.0.1:${await freePort()}`, `--health-addr=127.0.0.1:${await freePort()}`];
    this.run('source-controller', [
      ...(await local()),
      `--storage-path=${path.join(this.dir, 'artifacts')}`,
      `--storage-addr=127.0.0.1:${storagePort}`,
      `--storage-adv-addr=127.0.0.1:${storagePort}`,
    ], env);
    // a stage whose dependency is not ready yet is retried after 2 s instead of 30 s
    this.run('kustomize-controller', [...(await local()), '--requeue-dependency=2s'], env);
    this.log('Flux source-controller, kustomize-controller and the Git server started');
    return {
      dir: work,
      url: `http://127.0.0.1:${gitPort}/mastodon.git`,
      push: (message: string) => {
        git(work, ['add', '--all']);
        git(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
        git(work, ['push', '--quiet', 'origin', 'main']);
        return git(work, ['rev-parse', 'HEAD']).trim();
      },
    };
  }

  /**
   * Watches a collection (e.g. `/api/v1/namespaces/x/pods`) from `resourceVersion` on: every change
   * reaches `onEvent` in order, as the API server sends it. `onError` gets a broken or expired watch.
   */
  watch(collection: string, resourceVersion: string, onEvent: (e: WatchEvent) => void, onError: (e: Error) => void): Watch {
    const url = new URL(`${this.server}${collection}?watch=true&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`);
    let buffer = '';
    let stopped = false;
    const req = https.get(url, { headers: { Authorization: `Bearer ${this.token}` }, rejectUnauthorized: false }, (res) => {
      if (res.statusCode !== 200) {
        onError(new Error(`watch ${collection}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (!line) continue;
          const e = JSON.parse(line) as WatchEvent;
          if (e.type === 'ERROR') onError(new Error(`watch ${collection}: ${JSON.stringify(e.object)}`));
          else onEvent(e);
        }
      });
      res.on('end', () => stopped || onError(new Error(`watch ${collection} ended by the API server`)));
    });
    req.on('error', (e) => stopped || onError(e));
    return {
      stop: () => {
        stopped = true;
        req.destroy();
      },
    };
  }

  /** fails when a component it started has exited, instead of waiting for a timeout */
  assertRunning(): void {
    const gone = this.procs.filter(({ proc }) => proc.exitCode !== null || proc.signalCode !== null).map(({ name }) => name);
    if (gone.length) throw new ComponentExited(`${gone.join(', ')} exited; see ${gone.map((n) => path.join(this.dir, `${n}.log`)).join(', ')} (KEEP_CLUSTER_LOGS=1 keeps them)`);
  }

  kubectl(args: string[], input?: string): KubectlResult {
    const r = spawnSync('kubectl', [`--kubeconfig=${this.kubeconfig}`, ...args], { input, encoding: 'utf8', timeout: 120_000 });
    return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
  }

  /** kubectl as a separate process, for commands that run while the test samples the cluster */
  kubectlAsync(args: string[]): Promise<KubectlResult> {
    return new Promise((resolve) => {
      const proc = spawn('kubectl', [`--kubeconfig=${this.kubeconfig}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      proc.stdout.on('data', (d) => (stdout += d));
      proc.stderr.on('data', (d) => (stderr += d));
      proc.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr }));
    });
  }

  /** kubectl that must succeed */
  k(args: string[], input?: string): string {
    const r = this.kubectl(args, input);
    if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  json<T = any>(args: string[]): T {
    return JSON.parse(this.k([...args, '-o', 'json'])) as T;
  }

  stop(): void {
    for (const { proc } of [...this.procs].reverse()) if (proc.exitCode === null) proc.kill('SIGTERM');
    const deadline = Date.now() + 10_000;
    while (this.procs.some(({ proc }) => proc.exitCode === null && proc.signalCode === null) && Date.now() < deadline) spawnSync('sleep', ['0.2']);
    for (const { proc } of this.procs) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    if (!process.env.KEEP_CLUSTER_LOGS) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A kwok Stage for running Job pods that match `match` (a kwok selector expression), chosen over kwok's
 * own pod-complete (which has no weight): e.g. the pods of a release whose migrations fail. Returns its file.
 */
export function jobPodStage(dir: string, name: string, match: object, next: object, delayMs?: number): string {
  const file = path.join(dir, `${name}.yaml`);
  const stage = {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: 'v1', kind: 'Pod' },
      selector: {
        matchExpressions: [
          { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' },
          { key: '.status.phase', operator: 'In', values: ['Running'] },
          { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] },
          match,
        ],
      },
      ...(delayMs ? { delay: { durationMilliseconds: delayMs } } : {}),
      weight: 1,
      next,
    },
  };
  fs.writeFileSync(file, JSON.stringify(stage));
  return file;
}
