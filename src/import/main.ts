/**
 * CLI: `npm run import -- values.yaml [--name NAME] [--release RELEASE] [--namespace NS] [--version X.Y.Z] [--chart 6|1] [--out FILE] [--force]`.
 * Writes instances/<name>.yaml from a Helm values file, with what was not carried over as comments.
 * Exit 0 when written, 1 when refused (inline secrets, unreadable values, or a result that does not
 * synthesize: nothing is written), 2 on usage errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { parseDefinition } from '../definition/load';
import { DefinitionError, formatProblem } from '../definition/problems';
import { ModelError, buildModel } from '../model/model';
import { PROJECT_ROOT } from '../synth';
import { ChartFlavor, ImportError, ImportOptions, ImportReport, importHelmValues } from './helm';
import { UsageError, runCli } from '../cli';

const CHART_NAMES: Record<ChartFlavor, string> = { 'chart-6': 'mastodon/chart 6.x', 'helm-charts-1': 'mastodon/helm-charts 1.x' };

interface Args extends ImportOptions {
  readonly file: string;
  readonly out?: string;
  readonly force: boolean;
}

function parseArgs(argv: string[]): Args {
  const o: { -readonly [K in keyof Args]?: Args[K] } = { force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--name') o.name = value();
    else if (a === '--release') o.release = value();
    else if (a === '--namespace') o.namespace = value();
    else if (a === '--version') o.version = value().replace(/^v/, '');
    else if (a === '--chart') {
      const c = value();
      if (c !== '6' && c !== '1') throw new UsageError(`--chart is 6 (mastodon/chart) or 1 (mastodon/helm-charts), found ${c}`);
      o.flavor = c === '6' ? 'chart-6' : 'helm-charts-1';
    } else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--force') o.force = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (o.file) throw new UsageError(`one values file at a time, found ${o.file} and ${a}`);
    else o.file = path.resolve(a);
  }
  if (!o.file) throw new UsageError('usage: npm run import -- values.yaml [--name NAME] [--release RELEASE] [--namespace NS] [--version X.Y.Z] [--chart 6|1] [--out FILE] [--force]');
  return o as Args;
}

/** The report as YAML comments at the top of the definition, so a reviewer sees it in the pull request. */
export function reportComment(file: string, report: ImportReport): string {
  const lines = [
    `Imported from ${file} (${CHART_NAMES[report.flavor]}) by npm run import: ${report.mapped.length} value(s) mapped.`,
    ...(report.notes.length ? ['', 'Check before applying:', ...report.notes.map((n) => `- ${n}`)] : []),
    ...(report.unmapped.length ? ['', 'Not carried over:', ...report.unmapped.map((u) => `- ${u.from} = ${u.value}: ${u.reason}`)] : []),
    ...(report.inert.length ? ['', 'Not used, as in the chart (the feature is off):', ...report.inert.map((u) => `- ${u.from}: ${u.reason}`)] : []),
  ];
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

/**
 * The chart never knew the server's max_connections; the definition checks the worst case against it.
 * When that is the only problem, the import sets the limit to the worst case and says so.
 */
function fixConnectionLimit(text: string, out: string, definition: Record<string, unknown>, report: ImportReport): boolean {
  try {
    buildModel(parseDefinition(text, out).instance);
    return false;
  } catch (e) {
    const only = e instanceof ModelError && e.problems.length === 1 && e.problems[0].path.join('.') === 'database.maxConnections';
    const needed = only ? /connections (\d+)/.exec(e.problems[0].message)?.[1] : undefined;
    if (!needed) throw e;
    (definition.database as Record<string, unknown>).maxConnections = Number(needed);
    report.notes.push(`database.maxConnections is ${needed}, the most connections the processes and Jobs may open: make sure the server allows that many (max_connections), or lower threads and concurrency`);
    return true;
  }
}

function run(argv: string[]): number {
  const args = parseArgs(argv);
  const shown = path.relative(process.cwd(), args.file) || args.file;
  let values: unknown;
  try {
    // a repeated key takes the last value, as Helm reads it (the 6.9.3 chart's own values.yaml repeats redis.replica)
    values = parse(fs.readFileSync(args.file, 'utf8'), { prettyErrors: true, uniqueKeys: false });
  } catch (e) {
    console.error(`${shown}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  let result: ReturnType<typeof importHelmValues>;
  try {
    result = importHelmValues(values ?? {}, args);
  } catch (e) {
    if (e instanceof ImportError) {
      console.error(`${shown}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const { definition, report } = result;
  if (report.refused.length) {
    for (const r of report.refused) console.error(`${shown}: ${r.from}: ${r.message}`);
    console.error(`import refused: ${report.refused.length} secret(s) written inline in ${shown}; nothing was written`);
    return 1;
  }
  const name = String(definition.name);
  const out = args.out ?? path.join(PROJECT_ROOT, 'instances', `${name}.yaml`);
  const render = () => `# yaml-language-server: $schema=../schema/instance.schema.json\n${reportComment(path.basename(args.file), report)}${stringify(definition, { lineWidth: 0 })}`;
  let text = render();
  try {
    if (fixConnectionLimit(text, out, definition, report)) text = render();
    buildModel(parseDefinition(text, out).instance);
  } catch (e) {
    if (e instanceof DefinitionError || e instanceof ModelError) {
      if (e instanceof DefinitionError) for (const p of e.problems) console.error(formatProblem(p));
      else for (const p of e.problems) console.error(`${out}: ${p.path.join('.')}: ${p.message}`);
      console.error(`import stopped: the definition made from ${shown} does not synthesize; nothing was written`);
      return 1;
    }
    throw e;
  }
  if (fs.existsSync(out) && !args.force) {
    console.error(`${path.relative(process.cwd(), out)} exists; --force replaces it`);
    return 1;
  }
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  console.log(`wrote ${path.relative(process.cwd(), out)}: ${report.mapped.length} value(s) mapped, ${report.unmapped.length} not carried over, ${report.notes.length} note(s) to check (at the top of the file)`);
  for (const n of report.notes) console.log(`check: ${n}`);
  for (const u of report.unmapped) console.log(`not carried over: ${u.from}: ${u.reason}`);
  return 0;
}

if (require.main === module) runCli(run);
