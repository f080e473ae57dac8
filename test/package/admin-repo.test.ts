/**
 * An admin's repository from the packed package, end to end: `npm pack`, `mastodon-cdk8s init` from the tarball's
 * own files, the tarball installed offline, a definition written, synthesized and committed; then a one-patch
 * version bump: `synth --check` fails (stale), `synth` writes, and `diff --base HEAD` names the new migration Jobs
 * and the image change, and nothing else. Also: the installed package type-checks in that fresh project.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, installTarball, pack, run } from './install';

const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
let dir: string;
let repo: string;
let initOut: string;
const bin = () => path.join(repo, 'node_modules', '.bin', 'mastodon-cdk8s');
const cli = (...args: string[]) => spawnSync(bin(), args, { cwd: repo, encoding: 'utf8' });
const git = (...args: string[]) => run('git', ['-c', 'user.name=admin', '-c', 'user.email=admin@example.org', '-c', 'commit.gpgsign=false', ...args], repo);

const DEFINITION = (version: string) => `# yaml-language-server: $schema=../node_modules/mastodon-cdk8s/schema/instance.schema.json
name: social
version: ${version}
domain: social.example.org
sidekiq:
  groups:
    - name: all
      queues: ["default,8", "push,6", "ingress,4", "mailers,2", pull, scheduler, fasp]
database:
  host: postgres.example.internal
  passwordSecret: { name: mastodon-db, key: password }
redis:
  main: { external: { host: redis.example.internal } }
storage:
  s3:
    bucket: social-media
    accessKeyIdSecret: { name: mastodon-s3, key: id }
    secretAccessKeySecret: { name: mastodon-s3, key: secret }
secrets:
  core: mastodon-core
traffic:
  ingress: { clusterIssuer: letsencrypt }
flux:
  sourceName: mastodon
`;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mastodon-cdk8s-admin-'));
  const tarball = pack(dir);
  // init as the tarball ships it (templates included), before anything is installed
  fs.mkdirSync(path.join(dir, 'unpacked'));
  run('tar', ['xzf', tarball, '-C', 'unpacked'], dir);
  repo = path.join(dir, 'repo');
  initOut = run(process.execPath, [path.join(dir, 'unpacked', 'package', 'build', 'cli.js'), 'init', repo], dir);
  installTarball(repo, `../${tarball}`);
}, 600_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('an admin repository from the packed package', () => {
  it('init writes the repository, pinning this package at its exact version', () => {
    expect(initOut).toMatch(/^wrote .*instances\/social\.yaml$/m);
    for (const f of ['.gitignore', '.github/workflows/mastodon.yml', 'renovate.json', 'README.md', 'instances/social.yaml']) expect(fs.existsSync(path.join(repo, f)), f).toBe(true);
    const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
    expect(pkg.scripts).toEqual({ synth: 'mastodon-cdk8s synth', check: 'mastodon-cdk8s synth --check', diff: 'mastodon-cdk8s diff' });
  });

  it('installs the bin, which answers --version and --help for every command', () => {
    expect(cli('--version').stdout.trim()).toBe(own.version);
    for (const command of ['init', 'synth', 'import', 'diff']) {
      const help = cli(command, '--help');
      expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
      expect(help.stdout).toMatch(new RegExp(`^Usage: mastodon-cdk8s ${command}`));
      expect(help.stdout).toMatch(/--version/);
      expect(cli(command, '--version').stdout.trim()).toBe(own.version);
    }
    expect(cli('frobnicate').status).toBe(2);
  });

  it('the installed package type-checks in the fresh project, against its declarations and the peers', () => {
    fs.writeFileSync(
      path.join(repo, 'check.ts'),
      `import { buildModel, ModelError } from 'mastodon-cdk8s';
import type { Instance, InstanceModel } from 'mastodon-cdk8s';
export const model = (i: Instance): InstanceModel => buildModel(i);
export const isModelError = (e: unknown): boolean => e instanceof ModelError;
`,
    );
    const tsconfig = { compilerOptions: { target: 'ES2022', module: 'commonjs', moduleResolution: 'node', strict: true, types: [], noEmit: true, skipLibCheck: false }, files: ['check.ts'] };
    fs.writeFileSync(path.join(repo, 'tsconfig.check.json'), JSON.stringify(tsconfig));
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.check.json'], { cwd: repo, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
    fs.rmSync(path.join(repo, 'check.ts'));
    fs.rmSync(path.join(repo, 'tsconfig.check.json'));
  });

  it('synth, commit, a one-patch bump: --check fails stale, synth, diff names the migration Jobs and the image change only', () => {
    fs.writeFileSync(path.join(repo, 'instances', 'social.yaml'), DEFINITION('4.7.2'));
    const first = cli('synth');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^social: \d+ objects, .*, written$/m);
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'social on 4.7.2');
    expect(cli('synth', '--check').status).toBe(0);

    fs.writeFileSync(path.join(repo, 'instances', 'social.yaml'), DEFINITION('4.7.3'));
    const check = cli('synth', '--check');
    expect(check.status).toBe(1);
    expect(check.stderr).toMatch(/^stale: social/m);
    expect(git('status', '--porcelain', '--', 'dist')).toBe('');

    const second = cli('synth');
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toMatch(/^social: .*, written$/m);
    // what CI runs on the pull request: the output just written is what the definitions synthesize
    expect(cli('synth', '--check').status).toBe(0);

    const diff = cli('diff', '--base', 'HEAD');
    expect(diff.status, diff.stderr).toBe(0);
    const report = diff.stdout;
    expect(report).toMatch(/^## social$/m);
    expect(report).toMatch(/^\*\*Mastodon v?4\.7\.2 → v?4\.7\.3\*\*/m);
    const jobs = (report.split('### Jobs that will run, in this order')[1] ?? '').split('\n###')[0];
    const ran = [...jobs.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1]);
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((j) => /4-7-3/.test(j)), ran.join(', ')).toBe(true);
    expect(ran.some((j) => /migrate/.test(j)), ran.join(', ')).toBe(true);
    // an upgrade migrates with Mastodon's checks; db:prepare is for a fresh install only
    expect(jobs).toMatch(/^1\. `social-db-migrate-pre-4-7-3` \(before the rollout\): `bundle exec rails db:migrate`/m);
    expect(jobs).not.toMatch(/db:prepare/);
    // what changes: every line is an image change from 4.7.2 to 4.7.3, and there is at least one
    const changes = (report.split('### What changes')[1] ?? '').split('\n###')[0].split('\n').filter((l) => /^ {2}- /.test(l));
    expect(changes.length).toBeGreaterThan(0);
    for (const l of changes) expect(l).toMatch(/image ghcr\.io\/mastodon\/mastodon(-streaming)?:v4\.7\.2 → ghcr\.io\/mastodon\/mastodon(-streaming)?:v4\.7\.3$/);
    expect(changes.join('\n')).toMatch(/mastodon:v4\.7\.2 → ghcr\.io\/mastodon\/mastodon:v4\.7\.3/);
    expect(report).not.toMatch(/### Objects created|### Objects deleted|### Warnings|environment of every process/);
  });
});
