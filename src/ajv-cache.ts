/**
 * Compiling large JSON Schemas with ajv costs seconds. The build (`npm run build`, and the packed package)
 * compiles every validator ahead of time into build/validators/ as ajv standalone modules, keyed by
 * everything that shapes the code, with V8's code cache beside each; a run only loads them. Nothing is
 * compiled to or executed from a writable cache at run time: without a prebuilt module (tests of the
 * sources before a build) the validator is compiled in memory. Only speed differs, never results.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import { createRequire } from 'module';
import * as vm from 'vm';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import ucs2length = require('ajv/dist/runtime/ucs2length');
import { VALIDATORS_DIR } from './paths';

/** bump when schema preprocessing or ajv options change, so stale modules are not reused */
const CACHE_FORMAT = 5;

export interface CompileRequest {
  /** everything the generated code depends on (schema digests, kinds, options) */
  readonly key: string;
  /** builds the ajv instance with its schemas and says which validators to export */
  readonly build: () => { ajv: Ajv; refs: Record<string, string> };
}

/** Set by the build (scripts/build.mjs) only: compiled validators are written there as modules. */
let writeDir: string | undefined;
/** the modules the build wrote or kept; the rest of writeDir is stale */
const written = new Set<string>();

export function precompileInto(dir: string | undefined): Set<string> {
  writeDir = dir;
  written.clear();
  return written;
}

/** Keys of the validators this process compiled because no prebuilt module had them (tests assert it stays empty). */
export const compiledAtRunTime: string[] = [];

export function moduleName(key: string): string {
  return `${createHash('sha256').update(`${CACHE_FORMAT}:${key}`).digest('hex').slice(0, 32)}.js`;
}

export function cachedValidators(request: CompileRequest, dir = VALIDATORS_DIR): Record<string, ValidateFunction> {
  const name = moduleName(request.key);
  const prebuilt = path.join(writeDir ?? dir, name);
  if (fs.existsSync(prebuilt)) {
    written.add(name);
    // the build only needs to know it is there
    return writeDir ? {} : loadModule(prebuilt);
  }
  if (!writeDir) compiledAtRunTime.push(request.key);
  const { ajv, refs } = request.build();
  const result: Record<string, ValidateFunction> = {};
  for (const [ref, id] of Object.entries(refs)) {
    const validate = ajv.getSchema(id);
    if (!validate) throw new Error(`validator ${request.key}: no schema ${id} among those it compiled`);
    result[ref] = validate;
  }
  if (writeDir) {
    // required lazily: only the build generates code
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
    fs.mkdirSync(writeDir, { recursive: true });
    const file = path.join(writeDir, name);
    fs.writeFileSync(file, standaloneCode(ajv, refs));
    // V8's code cache of the module: parsing megabytes of generated code is most of the cost of loading it
    const script = compileModule(file, undefined);
    run(script, file);
    fs.writeFileSync(`${file}.v8`, script.createCachedData());
    written.add(name);
  }
  return result;
}

function compileModule(file: string, cachedData: Buffer | undefined): vm.Script {
  return new vm.Script(`(function (exports, require, module) {${fs.readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
}

/**
 * The one module ajv's standalone code requires, from this process's own copy of ajv (bundled into the CLI):
 * no module resolution per validator module. Anything else is required from the module's folder.
 */
function validatorRequire(file: string): NodeRequire {
  const own = (id: string): unknown => (id === 'ajv/dist/runtime/ucs2length' ? ucs2length : createRequire(file)(id));
  return own as NodeRequire;
}

function run(script: vm.Script, file: string): Record<string, ValidateFunction> {
  const module = { exports: {} as Record<string, ValidateFunction> };
  (script.runInThisContext() as (e: object, r: NodeRequire, m: object) => void)(module.exports, validatorRequire(file), module);
  return module.exports;
}

/** Modules loaded by the build's code-cache run (scripts/build.mjs), whose code caches it rewrites at exit. */
let recaching: { script: vm.Script; file: string }[] | undefined;

/** require() for a prebuilt module, with its code cache when V8 accepts it (same Node version). */
function loadModule(file: string): Record<string, ValidateFunction> {
  const codeCache = `${file}.v8`;
  const script = compileModule(file, fs.existsSync(codeCache) ? fs.readFileSync(codeCache) : undefined);
  if (process.env.MASTODON_CDK8S_WRITE_CODE_CACHE === '1') {
    // the cache written after a synthesis also holds the validation functions it ran, which V8 compiles lazily
    // on the first call (tens of milliseconds for the definition's validator); the build's cache holds only the top level
    if (!recaching) {
      const list: { script: vm.Script; file: string }[] = (recaching = []);
      process.on('exit', () => {
        for (const m of list) fs.writeFileSync(`${m.file}.v8`, m.script.createCachedData());
      });
    }
    recaching.push({ script, file });
  }
  return run(script, file);
}
