/**
 * `mastodon-cdk8s diff [--base REV] [--instances DIR] [--out DIR]` (src/bin.ts): Markdown for a pull request, comparing a fresh
 * synthesis with the committed output (or with the output and definitions at a git revision).
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CliError, UsageError } from '../cli';
import { definitionFiles, synthesize } from '../synth';
import { readTree } from '../output/write';
import { ReviewSide, reviewInstance } from './review';

interface Options {
  instances: string;
  out: string;
  base?: string;
}

export const DIFF_USAGE = `Usage: mastodon-cdk8s diff [--base REV] [--instances DIR] [--out DIR]   (in this repository: npm run diff -- [options])

Prints, as Markdown for a pull request, what a fresh synthesis changes against the committed output: per instance
the release, the Jobs that will run and their order, replicas, resources, environment, hosts, objects created and
deleted, the database connection budget, warnings, and a Mermaid picture of the topology.

Options:
  --base REV       compare with the output and definitions at this git revision (e.g. origin/main), not the working tree
  --instances DIR  folder of the definitions (default: instances/)
  --out DIR        the committed output folder (default: dist/)
  --help           print this help
  --version        print the version of mastodon-cdk8s
`;

function parseArgs(argv: string[]): Options | undefined {
  const o: Options = { instances: path.resolve('instances'), out: path.resolve('dist') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--help' || a === '-h') return undefined;
    if (a === '--base') o.base = value();
    else if (a === '--instances') o.instances = path.resolve(value());
    else if (a === '--out') o.out = path.resolve(value());
    else throw new UsageError(`unknown option ${a}`);
  }
  return o;
}

/** The committed side at a revision: its output files, and the models of its definitions (for the budget before). */
function baseSide(o: Options, rev: string): Map<string, ReviewSide> {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: path.dirname(o.out), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      throw new CliError(`git ${args.join(' ')}: ${String((e as { stderr?: string }).stderr ?? e).trim().split('\n')[0]}`);
    }
  };
  const top = git('rev-parse', '--show-toplevel').trim();
  const rel = (p: string) => path.relative(top, p).split(path.sep).join('/');
  const sides = new Map<string, ReviewSide>();
  const files = git('ls-tree', '-r', '--name-only', rev, '--', rel(o.out)).split('\n').filter(Boolean);
  for (const f of files) {
    const [instance, ...rest] = path.posix.relative(rel(o.out), f).split('/');
    if (!rest.length) continue;
    const side = sides.get(instance) ?? { files: new Map<string, string>() };
    (side.files as Map<string, string>).set(rest.join('/'), git('show', `${rev}:${f}`));
    sides.set(instance, side);
  }
  const defs = fs.mkdtempSync(path.join(os.tmpdir(), 'base-instances-'));
  for (const f of git('ls-tree', '--name-only', rev, '--', `${rel(o.instances)}/`).split('\n').filter((x) => /\.ya?ml$/.test(x))) {
    fs.writeFileSync(path.join(defs, path.basename(f)), git('show', `${rev}:${f}`));
  }
  const before = synthesize(definitionFiles(defs));
  for (const s of before.summaries) sides.set(s.name, { files: sides.get(s.name)?.files ?? new Map(), model: s.model });
  fs.rmSync(defs, { recursive: true, force: true });
  return sides;
}

export function run(argv: string[]): number {
  const o = parseArgs(argv);
  if (!o) {
    process.stdout.write(DIFF_USAGE);
    return 0;
  }
  const result = synthesize(definitionFiles(o.instances), undefined, { outDir: o.out });
  if (result.errors.length) {
    for (const e of result.errors) console.error(e);
    console.error(`diff: synth failed with ${result.errors.length} error(s)`);
    return 1;
  }
  const before = o.base ? baseSide(o, o.base) : new Map<string, ReviewSide>();
  if (!o.base && fs.existsSync(o.out)) {
    for (const name of fs.readdirSync(o.out).filter((d) => !d.startsWith('.'))) before.set(name, { files: readTree(path.join(o.out, name)) });
  }
  const names = [...new Set([...before.keys(), ...result.summaries.map((s) => s.name)])].sort();
  const sections = names.map((name) => {
    const i = result.summaries.findIndex((s) => s.name === name);
    const warnings = result.warnings.filter((w) => w.includes(`/${name}.yaml:`) || w.startsWith(`${name}.yaml:`));
    return reviewInstance(name, before.get(name), i >= 0 ? { rendered: result.rendered[i], model: result.summaries[i].model, warnings } : undefined);
  });
  process.stdout.write(`# mastodon-cdk8s review\n\n${sections.join('\n')}`);
  return 0;
}

