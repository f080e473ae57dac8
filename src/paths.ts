/** Project paths, found from this file so that neither the working directory nor build/ vs src/ matters. */
import * as fs from 'fs';
import * as path from 'path';

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
  return dir;
}

export const PROJECT_ROOT = findRoot(__dirname);
export const VENDOR_DIR = path.join(PROJECT_ROOT, 'vendor');
/** validators compiled by the build (src/ajv-cache.ts) */
export const VALIDATORS_DIR = path.join(PROJECT_ROOT, 'build', 'validators');
/** what a run remembers for the next (objects that passed the schema gate): data, never code */
export const CACHE_DIR = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'mastodon-cdk8s');
