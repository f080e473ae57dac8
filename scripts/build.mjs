// The build: build/cli.js, the command line bundled into one file with esbuild (one file to load instead of
// hundreds of modules), and build/validators/, every schema validator compiled ahead (src/ajv-cache.ts).
// Type-checking is `npm run typecheck`; declarations and the library's modules are `npm run build:lib`.
// Skipped when no input is newer than the last build.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { bundlePatches } from './bundle-patches.mjs';

const root = new URL('..', import.meta.url).pathname;
const build = join(root, 'build');
const stamp = join(build, '.built');

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

const inputs = ['src', 'charts', 'imports', 'vendor/schemas', 'vendor/crds', 'scripts/build.mjs', 'scripts/bundle-patches.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'].map((p) => join(root, p));
const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && Math.max(...inputs.map(newest)) < statSync(stamp).mtimeMs) process.exit(0);
// loaded only when there is something to build: the up-to-date check runs before every npm run synth and npm test
const esbuild = await import('esbuild');

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', absWorkingDir: root };

mkdirSync(build, { recursive: true });
await esbuild.build({ ...common, entryPoints: ['src/bin.ts'], outfile: join(build, 'cli.bundle.js'), plugins: [bundlePatches] });
// the bin: loads the bundle with V8's code cache of it, made below by a synthesis of this repository's instances
// (the cache then holds the bytecode of every function a synth runs, not only the top level)
writeFileSync(
  join(build, 'cli.js'),
  `#!/usr/bin/env node
'use strict';
// Written by scripts/build.mjs: runs cli.bundle.js (src/bin.ts bundled) with V8's code cache when this Node accepts it.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const file = path.join(__dirname, 'cli.bundle.js');
const cache = file + '.v8';
let cachedData;
try { cachedData = fs.readFileSync(cache); } catch { /* none: slower start only */ }
const script = new vm.Script(require('module').wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
if (process.env.MASTODON_CDK8S_WRITE_CODE_CACHE === '1') process.on('exit', () => fs.writeFileSync(cache, script.createCachedData()));
script.runInThisContext().call(module.exports, module.exports, require, module, file, __dirname);
`,
  { mode: 0o755 },
);

// the validators: compiled by the sources' own code (the same keys a run looks up), the jobs spread over one
// process per core (longest first, each to the least loaded), then stale modules removed
const compiler = join(build, '.precompile.js');
await esbuild.build({
  ...common,
  stdin: {
    resolveDir: root,
    loader: 'ts',
    contents: `
      import * as fs from 'fs';
      import * as path from 'path';
      import { precompileInto } from './src/ajv-cache';
      import { SchemaGate, forgetPasses } from './src/output/schema-gate';
      import { PART_SCHEMAS, instanceValidator, partValidator } from './src/definition/load';
      import { VALIDATORS_DIR, VENDOR_DIR } from './src/paths';
      const [mode, ...args] = process.argv.slice(2);
      if (mode === 'compile') {
        const [shard, shards] = args.map(Number);
        const kept = precompileInto(VALIDATORS_DIR);
        const jobs = [
          ...new SchemaGate(VENDOR_DIR, undefined, false).precompileJobs(),
          { weight: 100_000, run: () => void instanceValidator() },
          ...PART_SCHEMAS.map((part) => ({ weight: 10_000, run: () => void partValidator(part) })),
        ].sort((a, b) => b.weight - a.weight);
        const load = new Array(shards).fill(0);
        for (const job of jobs) {
          const least = load.indexOf(Math.min(...load));
          load[least] += job.weight;
          if (least === shard) job.run();
        }
        process.stdout.write(JSON.stringify([...kept]));
      } else {
        // finish: the modules every shard wrote or kept are on stdin; the rest are stale
        const kept = new Set(JSON.parse(fs.readFileSync(0, 'utf8')));
        for (const f of fs.readdirSync(VALIDATORS_DIR)) if (!kept.has(f.replace(/\\.v8$/, ''))) fs.rmSync(path.join(VALIDATORS_DIR, f));
        // the code-cache run below then sends every object through its validator, so their caches hold that code too
        forgetPasses();
      }
    `,
  },
  outfile: compiler,
});
const shards = Math.min(availableParallelism(), 4);
const compiled = await Promise.all(
  Array.from({ length: shards }, (_, i) => new Promise((done) => {
    const child = spawn(process.execPath, [compiler, 'compile', String(i), String(shards)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (status) => done({ status, out }));
  })),
);
const failed = compiled.find((c) => c.status !== 0);
const finished = failed ?? spawnSync(process.execPath, [compiler, 'finish'], { input: JSON.stringify(compiled.flatMap((c) => JSON.parse(c.out))), stdio: ['pipe', 'inherit', 'inherit'] });
rmSync(compiler, { force: true });
if (finished.status !== 0) process.exit(finished.status ?? 1);
rmSync(join(build, 'cli.bundle.js.v8'), { force: true });
const out = join(build, '.code-cache-run');
spawnSync(process.execPath, [join(build, 'cli.js'), 'synth', '--check', '--quiet', '--instances', join(root, 'instances'), '--out', out], {
  stdio: 'ignore',
  env: { ...process.env, MASTODON_CDK8S_WRITE_CODE_CACHE: '1' },
});
rmSync(out, { recursive: true, force: true });
writeFileSync(stamp, '');
