/**
 * The library as a cdk8s user gets it: `npm pack`, a fresh project that installs the tarball (with cdk8s,
 * cdk8s-plus-28 and constructs from the npm cache, offline), type-checks test/library/app/main.ts against the
 * packed declarations, runs it, and the YAML it synthesizes is asserted.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockfile } from '../package/install';

const root = path.resolve(__dirname, '../..');
const own = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
let dir: string;
let workers: any[];
let platform: any[];
let checks: { errors: string[]; rightErrors: string[]; warnings: string[] };
let edge: any[];
let printed: string;

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}


beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mastodon-cdk8s-library-'));
  run(process.execPath, [path.join(root, 'scripts', 'build.mjs')], root);
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', dir], root).trim().split('\n').pop()!;
  const project = path.join(dir, 'app');
  fs.mkdirSync(project);
  // the peer dependencies at the versions this repository tests (its devDependencies)
  const pin = (name: string) => own.devDependencies[name];
  // @types/node for checks.ts only, which listens to Node's warnings: main.ts type-checks without it
  const peers = { cdk8s: pin('cdk8s'), 'cdk8s-plus-28': pin('cdk8s-plus-28'), constructs: pin('constructs'), '@types/node': pin('@types/node') };
  const dependencies = { 'mastodon-cdk8s': `file:../${tarball}`, ...peers };
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-app', private: true, dependencies }));
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lockfile('user-app', 'dependencies', `../${tarball}`, peers)));
  fs.writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, types: [], outDir: 'build', skipLibCheck: false }, files: ['main.ts'] }),
  );
  fs.writeFileSync(path.join(project, 'tsconfig.checks.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { types: ['node'] }, files: ['checks.ts'] }));
  for (const file of ['main.ts', 'checks.ts']) fs.copyFileSync(path.join(__dirname, 'app', file), path.join(project, file));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
  // type-checks against the packed .d.ts (and cdk8s' own), never against src/
  for (const config of ['tsconfig.json', 'tsconfig.checks.json']) run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config], project);
  printed = run(process.execPath, ['build/main.js'], project);
  run(process.execPath, ['build/checks.js'], project);
  checks = JSON.parse(fs.readFileSync(path.join(project, 'checks.json'), 'utf8'));
  const read = (chart: string) => parseAllDocuments(fs.readFileSync(path.join(project, 'dist', `${chart}.k8s.yaml`), 'utf8')).map((d) => d.toJS());
  workers = read('workers');
  platform = read('platform');
  edge = read('edge');
}, 600_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const names = (objects: any[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('the packed library in a cdk8s app', () => {
  it('installs from the tarball with the library\'s files only', () => {
    const installed = path.join(dir, 'app', 'node_modules', 'mastodon-cdk8s');
    expect(fs.existsSync(path.join(installed, 'build', 'src', 'index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'test'))).toBe(false);
  });

  it('(a) one SidekiqGroup in the user\'s Chart: a Deployment and its disruption budget', () => {
    expect(names(workers)).toEqual(['Deployment/social/social-sidekiq-mailers', 'PodDisruptionBudget/social/social-sidekiq-mailers']);
    const c = workers[0].spec.template.spec.containers[0];
    expect(c.args).toEqual(['bundle', 'exec', 'sidekiq', '-c', '10', '-t', '25', '-q', 'mailers']);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'social-env' } }, { secretRef: { name: 'social' } }]);
    expect(workers[0].spec.replicas).toBe(2);
  });

  it('(c) the patched field reaches the YAML as written, the rest of the resources untouched', () => {
    expect(workers[0].spec.template.spec.containers[0].resources).toEqual({
      requests: { cpu: '500m', memory: '768Mi', 'ephemeral-storage': '256Mi' },
      limits: { memory: '2Gi', 'ephemeral-storage': '2Gi' },
    });
  });

  it('(b) a MastodonInstance next to the chart\'s own objects', () => {
    const all = names(platform);
    expect(all).toContain('ConfigMap/platform/team');
    for (const o of ['Namespace//social', 'ConfigMap/social/social-env', 'Deployment/social/social-web', 'Deployment/social/social-streaming', 'Deployment/social/social-sidekiq-all', 'Ingress/social/social-web', 'Job/social/social-db-migrate-pre-4-5-6', 'Job/social/social-db-migrate-post-4-5-6']) {
      expect(all).toContain(o);
    }
    const web = platform.find((o) => o.kind === 'Deployment' && o.metadata.name === 'social-web');
    // defaults the YAML loader would fill in come from the props' schema in code
    expect(web.spec.template.spec.containers[0].image).toBe('ghcr.io/mastodon/mastodon:v4.5.6');
    expect(web.spec.template.spec.containers[0].env.find((e: any) => e.name === 'WEB_CONCURRENCY')).toEqual({ name: 'WEB_CONCURRENCY', value: '2' });
  });

  it('reports at app.synth() what the CLI refuses, with the construct path: the props\' checks and the schema gate over a patch', () => {
    expect(checks.errors).toEqual([
      '[wrong/weights] queues[0]: expected a weight from 1 to 999 after the comma, found "high" in "default,high"',
      '[wrong/sizes] resources.memory: expected a memory quantity such as 512Mi, found "lots"',
      expect.stringMatching(/^\[wrong\/patched\] Deployment social-sidekiq-patched \(wrong\/patched\/Resource\/Resource\): Kubernetes v1\.28\.0: .*imagePullPolcy/),
      expect.stringMatching(/^\[wrong\/patched\] Deployment social-sidekiq-patched \(wrong\/patched\/Resource\/Resource\): Kubernetes v1\.36\.0: .*imagePullPolcy/),
    ]);
  });

  it('emits the warnings the CLI prints as Node warnings, each once, and synthesizes', () => {
    expect(checks.rightErrors).toEqual([]);
    expect(checks.warnings).toEqual([
      expect.stringMatching(/^\[busy\/busy\] concurrency: concurrency 40 is above about 20 threads per process/),
      expect.stringMatching(/^\[small\/social\] storage\.volume\.accessMode: ReadWriteOnce: web and Sidekiq pods are scheduled onto the same node/),
    ]);
  });

  it('(d) MastodonIngress for Traefik: its entry point and TLS, no ingress-nginx annotation, a warning for the upload limit', () => {
    expect(names(edge)).toEqual(['Ingress/social/social-web', 'Ingress/social/social-streaming']);
    for (const ing of edge) {
      expect(ing.spec.ingressClassName).toBe('traefik');
      expect(ing.metadata.annotations).toMatchObject({ 'traefik.ingress.kubernetes.io/router.entrypoints': 'websecure', 'traefik.ingress.kubernetes.io/router.tls': 'true' });
      expect(Object.keys(ing.metadata.annotations).filter((k) => k.startsWith('nginx.'))).toEqual([]);
    }
    expect(printed).toMatch(/warning: maxBodySize: maxBodySize 500m is ingress-nginx's proxy-body-size; Traefik sets no upload limit/);
  });
});
