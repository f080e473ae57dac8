/**
 * The committed dist/ is what Flux applies: it must be exactly what the definitions synthesize,
 * on any machine, and a failed synth must leave it alone.
 */
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readTree } from '../src/output/write';
import { PROJECT_ROOT } from '../src/paths';
import { runInProcess } from './cli';
import { Json, baseDefinition, definition } from './helpers';

const MAIN = path.join(PROJECT_ROOT, 'build', 'cli.js');
const DIST = path.join(PROJECT_ROOT, 'dist');
const INSTANCES = path.join(PROJECT_ROOT, 'instances');

/** A command's exit status and output, without blocking the event loop (so that several can run at once). */
function run(command: string, args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  if (!fs.existsSync(MAIN)) throw new Error('build/ is missing: run the tests with `npm test`, which builds first');
  return spawnSync(process.execPath, [MAIN, 'synth', ...args], { cwd: options.cwd ?? PROJECT_ROOT, env: { ...process.env, ...options.env }, encoding: 'utf8' });
}

/** The synth command in this process, from the project folder like cli(): for what does not need a process of its own. */
const synth = (args: string[], options: { cwd?: string } = {}) => runInProcess('synth', args, { cwd: options.cwd ?? PROJECT_ROOT });

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** The bundled reference instances: a fork or copy may remove them, and these tests then check what is left. */
const BUNDLED = fs.existsSync(INSTANCES) ? fs.readdirSync(INSTANCES).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, '')).sort() : [];

/** A folder of definitions named after their files, each the base definition with its patch. */
function instancesFolder(defs: Record<string, Json>): string {
  const dir = tmp('instances-');
  for (const [name, patch] of Object.entries(defs)) fs.writeFileSync(path.join(dir, `${name}.yaml`), stringify(definition({ name }, patch)));
  return dir;
}

describe('committed dist/', () => {
  it('is byte-identical to a fresh synthesis (run `npm run synth` and commit when this fails)', () => {
    const out = tmp('dist-');
    const r = cli(['--out', out, '--quiet', ...(BUNDLED.length ? [] : ['--instances', tmp('instances-'), '--remove-all'])]);
    expect(r.status, r.stderr).toBe(0);
    const fresh = readTree(out);
    const committed = fs.existsSync(DIST) ? readTree(DIST) : new Map();
    expect([...committed.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [file, content] of fresh) expect(committed.get(file), file).toBe(content);
  });

  it('does not depend on the working directory, time zone or locale', () => {
    const a = tmp('dist-a-');
    const b = tmp('dist-b-');
    const defs = instancesFolder({ alpha: {}, beta: { storage: { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } } } });
    for (const f of BUNDLED) fs.copyFileSync(path.join(INSTANCES, `${f}.yaml`), path.join(defs, `${f}.yaml`));
    expect(cli(['--instances', defs, '--out', a, '--quiet'], { env: { TZ: 'UTC', LANG: 'C' } }).status).toBe(0);
    expect(cli(['--instances', defs, '--out', b, '--quiet'], { cwd: os.tmpdir(), env: { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' } }).status).toBe(0);
    expect(readTree(b)).toEqual(readTree(a));
  });

  it('contains no Secret values', () => {
    for (const [file, content] of fs.existsSync(DIST) ? readTree(DIST) : []) {
      if (/^kind: Secret$/m.test(content)) expect(content, file).not.toMatch(/^(data|stringData):/m);
    }
  });

  it('holds one folder per bundled instance, staged, with a kustomization.yaml in each folder', () => {
    expect(fs.existsSync(DIST) ? fs.readdirSync(DIST).sort() : []).toEqual(BUNDLED);
    for (const name of BUNDLED) {
      expect(fs.readdirSync(path.join(DIST, name)).sort()).toEqual(['00-base', '10-pre-deploy', '20-app', '30-post-deploy', 'flux', 'kustomization.yaml']);
      for (const dir of ['00-base', '10-pre-deploy', '20-app', '30-post-deploy', 'flux']) {
        const files = fs.readdirSync(path.join(DIST, name, dir)).filter((f) => f !== 'kustomization.yaml').sort();
        const listed = (fs.readFileSync(path.join(DIST, name, dir, 'kustomization.yaml'), 'utf8').match(/^ {2}- (.*)$/gm) ?? []).map((l) => l.slice(4)).sort();
        expect(listed, `${name}/${dir}`).toEqual(files);
      }
    }
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl || !BUNDLED.length)('builds with kubectl kustomize in every folder, as Flux would', async () => {
    const dirs = [...readTree(DIST).keys()].filter((f) => f.endsWith('kustomization.yaml')).map((f) => path.dirname(path.join(DIST, f)));
    expect(dirs.length).toBe(BUNDLED.length * 6);
    // the folders build independently: a few kubectl processes at a time
    const results: { dir: string; status: number | null; stdout: string; stderr: string }[] = [];
    const queue = [...dirs];
    const worker = async () => {
      for (let dir = queue.shift(); dir; dir = queue.shift()) {
        const { status, stdout, stderr } = await run('kubectl', ['kustomize', dir]);
        results.push({ dir, status, stdout, stderr });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    expect(results.map((r) => r.dir).sort()).toEqual([...dirs].sort());
    for (const r of results) {
      expect(r.status, `${r.dir}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^apiVersion:/m);
    }
  });

  const yamllint = spawnSync('yamllint', ['--version'], { encoding: 'utf8' }).status === 0;
  // started now, while the tests before it run (it takes a second; nothing here changes dist/)
  const lint = yamllint && BUNDLED.length ? run('yamllint', ['-d', '{extends: default, rules: {line-length: disable, document-start: disable}}', DIST]) : undefined;
  it.skipIf(!lint)('passes yamllint (default rules, long lines allowed)', async () => {
    const r = await lint!;
    expect(r.status, r.stdout).toBe(0);
  });
});

describe('synth command', () => {
  const VOLUME = { storage: { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } } };

  it('prints a summary per instance', () => {
    const defs = instancesFolder({ alpha: {}, beta: VOLUME });
    const r = synth(['--instances', defs, '--out', tmp('dist-')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^alpha: \d+ objects, \d+ files, 0 warning\(s\), \d+ ms, db connections \d+\/\d+ \(server\), written$/m);
    expect(r.stdout).toMatch(/^beta: \d+ objects, \d+ files, 1 warning\(s\), /m);
    expect(r.stderr).toMatch(/beta\.yaml:\d+:\d+: warning: storage\.volume\.accessMode/);
  });

  it('on an invalid definition: exits non-zero, names file, line and field, prints no stack, changes nothing', () => {
    const defs = instancesFolder({ alpha: {}, beta: {}, gamma: {} });
    const out = tmp('dist-');
    expect(cli(['--instances', defs, '--out', out, '--quiet']).status).toBe(0);
    const before = readTree(out);
    fs.writeFileSync(path.join(defs, 'alpha.yaml'), stringify(definition({ name: 'alpha', web: { replicas: 'two' } })));
    const queues = ['default,8', 'pull,x', 'push,6', 'ingress,4', 'mailers,2', 'scheduler', 'fasp'];
    fs.writeFileSync(path.join(defs, 'beta.yaml'), stringify(definition({ name: 'beta', sidekiq: { groups: [{ name: 'all', queues }] } })));
    const r = cli(['--instances', defs, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/alpha\.yaml:\d+:\d+: error: web\.replicas: expected integer, found "two"/);
    expect(r.stderr).toMatch(/beta\.yaml:\d+:\d+: error: sidekiq\.groups\[0\]\.queues\[1\]: expected a weight from 1 to 999 after the comma, found "x"/);
    expect(r.stderr).toMatch(/was not changed/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(readTree(out)).toEqual(before);
  });

  it('removes the folder of an instance whose definition was removed, and keeps the others', () => {
    const defs = instancesFolder({ alpha: {}, beta: {}, gamma: {} });
    const out = tmp('dist-');
    expect(synth(['--instances', defs, '--out', out, '--quiet']).status).toBe(0);
    fs.rmSync(path.join(defs, 'alpha.yaml'));
    const r = synth(['--instances', defs, '--out', out]);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['beta', 'gamma']);
    expect(r.stdout).toMatch(/^alpha: removed \(no definition\)$/m);
    expect(r.stdout).toMatch(/^beta: .*, unchanged$/m);
  });

  it('rewrites only the instance folders whose content changed', () => {
    const defs = instancesFolder({ alpha: {}, beta: {} });
    const out = tmp('dist-');
    expect(synth(['--instances', defs, '--out', out, '--quiet']).status).toBe(0);
    const stamp = (name: string) => fs.statSync(path.join(out, name, 'kustomization.yaml')).mtimeMs;
    const before = { alpha: stamp('alpha'), beta: stamp('beta') };
    fs.appendFileSync(path.join(defs, 'beta.yaml'), 'logging: { railsLogLevel: debug }\n');
    expect(synth(['--instances', defs, '--out', out, '--quiet']).status).toBe(0);
    expect(stamp('alpha')).toBe(before.alpha);
    expect(stamp('beta')).not.toBe(before.beta);
    expect(fs.readFileSync(path.join(out, 'beta', '00-base', 'configmap-beta-env.yaml'), 'utf8')).toMatch(/RAILS_LOG_LEVEL: debug/);
  });

  it('adds an instance from one new file', () => {
    const defs = tmp('instances-');
    fs.writeFileSync(path.join(defs, 'test.yaml'), stringify(baseDefinition()));
    const out = tmp('dist-');
    const r = synth(['--instances', defs, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, 'test', '20-app', 'deployment-test-web.yaml'))).toBe(true);
  });

  it('refuses two instances that would emit the same object', () => {
    const defs = tmp('instances-');
    fs.writeFileSync(path.join(defs, 'test.yaml'), stringify(baseDefinition()));
    fs.writeFileSync(path.join(defs, 'other.yaml'), stringify({ ...baseDefinition(), name: 'other', namespace: 'test' }));
    const r = synth(['--instances', defs, '--out', tmp('dist-')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\/test\.yaml:1:1: error: name: instances other and test both emit v1 Namespace \/test; give them different names or namespaces$/m);
  });

  it('--check reports a stale dist/ without writing', () => {
    const defs = instancesFolder({ alpha: {} });
    const out = tmp('dist-');
    expect(synth(['--instances', defs, '--out', out, '--quiet']).status).toBe(0);
    const file = path.join(out, 'alpha', '20-app', 'deployment-alpha-web.yaml');
    fs.appendFileSync(file, '# edited by hand\n');
    const r = synth(['--instances', defs, '--out', out, '--check']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/stale: alpha\/20-app\/deployment-alpha-web.yaml/);
    expect(fs.readFileSync(file, 'utf8')).toMatch(/edited by hand/);
  });

  it('refuses --out . in a project folder and an empty --instances folder, and deletes nothing', () => {
    const project = tmp('project-');
    for (const d of ['src', 'instances', 'node_modules']) fs.mkdirSync(path.join(project, d));
    fs.writeFileSync(path.join(project, 'instances', 'test.yaml'), stringify(baseDefinition()));
    const dot = synth(['--instances', 'instances', '--out', '.'], { cwd: project });
    expect(dot.status).toBe(1);
    expect(dot.stderr).toMatch(/^error: the output folder \. holds instances, node_modules, src, which mastodon-cdk8s did not write/m);
    expect(fs.readdirSync(project).sort()).toEqual(['instances', 'node_modules', 'src']);

    const out = path.join(project, 'dist');
    expect(synth(['--instances', 'instances', '--out', out, '--quiet'], { cwd: project }).status).toBe(0);
    const empty = tmp('empty-');
    const r = synth(['--instances', empty, '--out', out]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no instance definitions were found, so every instance in .* \(test\) would be removed/);
    expect(fs.readdirSync(out)).toEqual(['test']);
  });

  it('answers a missing instances folder or an output folder that is a file with one line, exit 1', () => {
    const missing = cli(['--instances', '/nonexistent/instances']);
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe('error: the instances folder /nonexistent/instances: does not exist');
    const file = path.join(tmp('out-'), 'dist');
    fs.writeFileSync(file, 'x');
    const r = cli(['--instances', instancesFolder({ alpha: {} }), '--out', file, '--quiet']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: the output folder .*dist is a file, expected a folder$/m);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
  });

  it('--help documents every option and exits 0', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const option of ['--instances', '--out', '--check', '--remove-all', '--quiet', '--write-schema', '--help']) expect(r.stdout).toContain(option);
  });

  it('rejects unknown options with a usage error', () => {
    const r = cli(['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/usage error: unknown option --bogus/);
  });
});
