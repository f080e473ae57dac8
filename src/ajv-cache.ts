/**
 * Compiling large JSON Schemas with ajv costs hundreds of milliseconds per run. Compiled validators
 * are stored as ajv standalone modules under node_modules/.cache, keyed by everything that shapes
 * the code, and loaded with require() afterwards. The cache only changes speed, never results.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { createRequire } from 'module';
import * as vm from 'vm';
import { CACHE_DIR } from './paths';

/** bump when schema preprocessing or ajv options change, so stale modules are not reused */
const CACHE_FORMAT = 4;

export { CACHE_DIR as DEFAULT_CACHE_DIR };

export interface CompileRequest {
  /** everything the generated code depends on (schema digests, kinds, options) */
  readonly key: string;
  /** builds the ajv instance with its schemas and says which validators to export */
  readonly build: () => { ajv: Ajv; refs: Record<string, string> };
}

export function cachedValidators(request: CompileRequest, cacheDir = CACHE_DIR): Record<string, ValidateFunction> {
  const file = path.join(cacheDir, `${createHash('sha256').update(`${CACHE_FORMAT}:${request.key}`).digest('hex').slice(0, 32)}.js`);
  if (fs.existsSync(file)) return loadModule(file);
  const { ajv, refs } = request.build();
  const result: Record<string, ValidateFunction> = {};
  for (const [name, ref] of Object.entries(refs)) result[name] = ajv.getSchema(ref)!;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, standaloneCode(ajv, refs));
    fs.renameSync(tmp, file);
  } catch {
    // a read-only cache only costs time
  }
  return result;
}

/**
 * require() for a cached module, with V8's code cache next to it: parsing megabytes of generated
 * code is most of the cost of loading it.
 */
function loadModule(file: string): Record<string, ValidateFunction> {
  const source = fs.readFileSync(file, 'utf8');
  const codeCache = `${file}.v8`;
  const cachedData = fs.existsSync(codeCache) ? fs.readFileSync(codeCache) : undefined;
  const script = new vm.Script(`(function (exports, require, module) {${source}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Record<string, ValidateFunction> };
  (script.runInThisContext() as (e: object, r: NodeRequire, m: object) => void)(module.exports, createRequire(file), module);
  if (!cachedData || script.cachedDataRejected) {
    try {
      const tmp = `${codeCache}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, codeCache);
    } catch {
      // speed only
    }
  }
  return module.exports;
}
