/**
 * `mastodon-cdk8s synth [--instances DIR] [--out DIR] [--check] [--remove-all] [--write-schema] [FILE...]` (src/bin.ts).
 * Paths are relative to the working directory (an admin's repository, or this one under `npm run synth`).
 * Exit 0 on success, 1 when a definition or an emitted object is invalid (dist/ untouched), 2 on usage errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { PROJECT_ROOT, SynthResult, definitionFiles, synthesize } from './synth';
import { staleEntries, writeDist } from './output/write';
import { UsageError, displayPath, printable } from './cli';

interface Options {
  instances: string;
  out: string;
  check: boolean;
  writeSchema: boolean;
  quiet: boolean;
  removeAll: boolean;
  help: boolean;
  files: string[];
}

export const USAGE = `Usage: mastodon-cdk8s synth [options] [FILE...]   (in this repository: npm run synth -- [options])

Synthesizes every instances/<name>.yaml (or only the FILEs given) into <out>/<name>/. Nothing is written
unless every definition and every emitted object is valid.

Options:
  --instances DIR  folder of the definitions (default: instances/)
  --out DIR        output folder (default: dist/); it may hold only folders this tool wrote
  --check          write nothing; exit 1 and list what is stale when the output differs from a synthesis
  --remove-all     with no definition at all, remove every instance folder (refused otherwise)
  --quiet          print only warnings and errors
  --write-schema   write the definition's JSON Schema to schema/instance.schema.json of this generator's own
                   checkout and exit (its development: npm run schema)
  --help           print this help
  --version        print the version of mastodon-cdk8s

Exit codes: 0 done, 1 invalid input (the output is unchanged), 2 wrong command line, 3 internal error.
`;

function parseArgs(argv: string[]): Options {
  const o: Options = { instances: path.resolve('instances'), out: path.resolve('dist'), check: false, writeSchema: false, quiet: false, removeAll: false, help: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return path.resolve(argv[++i]);
    };
    if (a === '--instances') o.instances = value();
    else if (a === '--out') o.out = value();
    else if (a === '--check') o.check = true;
    else if (a === '--write-schema') o.writeSchema = true;
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--remove-all') o.removeAll = true;
    else if (a === '--help' || a === '-h') o.help = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else o.files.push(path.resolve(a));
  }
  return o;
}

export const SCHEMA_FILE = path.join(PROJECT_ROOT, 'schema', 'instance.schema.json');

export function schemaText(): string {
  // the schema writer is loaded only for this option
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { instanceJsonSchema } = require('./definition/schema') as typeof import('./definition/schema');
  return JSON.stringify(instanceJsonSchema(), null, 2) + '\n';
}

function summaryLine(s: SynthResult['summaries'][number]): string {
  const c = s.model.connections;
  const db = `db connections ${c.app}/${c.appLimit} (${c.appTarget})${c.appTarget === 'pooler' ? `, direct ${c.direct}/${c.directLimit}` : ''}`;
  return `${s.name}: ${s.objects} objects, ${s.files} files, ${s.warnings} warning(s), ${s.milliseconds.toFixed(0)} ms, ${db}`;
}

export function run(argv: string[]): number {
  const o = parseArgs(argv);
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (o.writeSchema) {
    fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
    fs.writeFileSync(SCHEMA_FILE, schemaText());
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
    return 0;
  }
  const started = Date.now();
  // a partial run (explicit files) must not delete the other instances' folders
  const partial = o.files.length > 0;
  const result = synthesize(partial ? o.files : definitionFiles(o.instances), undefined, { outDir: o.out });
  for (const w of result.warnings) console.error(printable(w));
  if (result.errors.length) {
    for (const e of result.errors) console.error(printable(e));
    console.error(printable(`synth failed: ${result.errors.length} error(s); ${displayPath(o.out)} was not changed`));
    return 1;
  }
  if (o.check) {
    const stale = staleEntries(o.out, result.rendered, !partial);
    for (const s of stale) console.error(`stale: ${s}`);
    if (stale.length) return 1;
  }
  const changes = o.check ? undefined : writeDist(o.out, result.rendered, { removeOthers: !partial, removeAll: o.removeAll });
  if (!o.quiet) {
    for (const s of result.summaries) console.log(`${summaryLine(s)}${changes ? (changes.written.includes(s.name) ? ', written' : ', unchanged') : ''}`);
    for (const name of changes?.removed ?? []) console.log(`${name}: removed (no definition)`);
    console.log(`${o.check ? 'checked' : 'synthesized'} ${result.summaries.length} instance(s) in ${Date.now() - started} ms`);
  }
  return 0;
}

