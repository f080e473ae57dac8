// The build: build/cli.js, the command line bundled into one file with esbuild (one file to load instead of
// hundreds of modules), and build/validators/, every schema validator compiled ahead (src/ajv-cache.ts).
// Type-checking is `npm run typecheck`; declarations and the library's modules are `npm run build:lib`.
// Skipped when no input is newer than the last build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const build = join(root, 'build');
const stamp = join(build, '.built');

function newest(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

const inputs = ['src', 'charts', 'imports', 'vendor/schemas', 'vendor/crds', 'scripts/build.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'].map((p) => join(root, p));
const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && Math.max(...inputs.map(newest)) < statSync(stamp).mtimeMs) process.exit(0);

const common = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning', absWorkingDir: root };
mkdirSync(build, { recursive: true });
await esbuild.build({ ...common, entryPoints: ['src/bin.ts'], outfile: join(build, 'cli.js'), banner: { js: '#!/usr/bin/env node' } });

// the validators: compiled by the sources' own code (the same keys a run looks up), stale modules removed
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
      import { SchemaGate } from './src/output/schema-gate';
      import { instanceValidator } from './src/definition/load';
      import { VALIDATORS_DIR, VENDOR_DIR } from './src/paths';
      const kept = precompileInto(VALIDATORS_DIR);
      new SchemaGate(VENDOR_DIR, undefined, false).precompile();
      instanceValidator();
      for (const f of fs.readdirSync(VALIDATORS_DIR)) if (!kept.has(f.replace(/\\.v8$/, ''))) fs.rmSync(path.join(VALIDATORS_DIR, f));
    `,
  },
  outfile: compiler,
});
const compiled = spawnSync(process.execPath, [compiler], { stdio: 'inherit' });
rmSync(compiler, { force: true });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
writeFileSync(stamp, '');
