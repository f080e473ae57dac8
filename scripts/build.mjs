// Runs `tsc` only when a TypeScript source or the compiler settings are newer than the last build:
// type-checking the generated imports/ takes seconds even when nothing changed.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// tsc leaves its own files untouched when nothing changed, so success is recorded separately
const stamp = join(root, 'build', '.built');

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((e) => newest(join(path, e))));
}

const inputs = ['src', 'charts', 'imports', 'tsconfig.json', 'package.json', 'package-lock.json'].map((p) => join(root, p));
const force = process.argv.includes('--force');
if (!force && existsSync(stamp) && Math.max(...inputs.map(newest)) < statSync(stamp).mtimeMs) process.exit(0);

const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
if (tsc.status === 0) writeFileSync(stamp, '');
process.exit(tsc.status ?? 1);
