/**
 * The package as a user gets it: `npm pack` of this repository, and a project that installs the tarball offline
 * (its dependencies and peer dependencies at the versions this repository locks, from the npm cache `npm ci` filled).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../..');
const own = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

export function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', ...env } });
}

/** `npm pack` into dir (prepack builds the bundle, the validators and the declarations); the tarball's file name. */
export function pack(dir: string): string {
  return run('npm', ['pack', '--silent', '--pack-destination', dir], ROOT).trim().split('\n').pop()!;
}

/**
 * A lockfile for a project depending on the tarball: the package's dependencies and peer dependencies, with the
 * versions, tarballs and integrity this repository's lock records, so `npm ci --offline` installs them from the cache.
 */
export function lockfile(name: string, field: 'dependencies' | 'devDependencies', tarball: string, extra: Record<string, string> = {}): object {
  const locked = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages as Record<string, Record<string, any>>;
  const wanted = { [own.name]: `file:${tarball}`, ...extra };
  const packages: Record<string, unknown> = { '': { name, [field]: wanted } };
  packages[`node_modules/${own.name}`] = {
    version: own.version,
    resolved: `file:${tarball}`,
    license: own.license,
    dependencies: own.dependencies,
    peerDependencies: own.peerDependencies,
    bin: own.bin,
    engines: own.engines,
  };
  const todo = [...Object.keys(own.dependencies ?? {}), ...Object.keys(own.peerDependencies ?? {}), ...Object.keys(extra)];
  const seen = new Set<string>();
  while (todo.length) {
    const dep = todo.pop()!;
    if (seen.has(dep)) continue;
    seen.add(dep);
    for (const [key, entry] of Object.entries(locked)) {
      if (key !== `node_modules/${dep}` && !key.startsWith(`node_modules/${dep}/node_modules/`)) continue;
      const { dev, devOptional, peer, ...rest } = entry;
      packages[key] = rest;
      if (!entry.inBundle) todo.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.peerDependencies ?? {}));
    }
  }
  return { name, lockfileVersion: 3, requires: true, packages };
}

/** Points the project's dependency on this package at the tarball and installs offline. */
export function installTarball(project: string, tarball: string): void {
  const file = path.join(project, 'package.json');
  const pkg = JSON.parse(fs.readFileSync(file, 'utf8'));
  const field = pkg.devDependencies?.[own.name] ? 'devDependencies' : 'dependencies';
  pkg[field] = { ...pkg[field], [own.name]: `file:${tarball}` };
  fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  fs.writeFileSync(path.join(project, 'package-lock.json'), JSON.stringify(lockfile(pkg.name, field, tarball)));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], project);
}
