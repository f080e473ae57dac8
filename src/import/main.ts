/**
 * CLI: `npm run import -- FILE [options]` (see USAGE). Writes instances/<name>.yaml from the values of a Helm
 * release (or a Flux HelmRelease), with what was not carried over as comments. Exit 0 when written, 1 when
 * refused (inline credentials, unreadable values, or a result that does not synthesize: nothing is
 * written), 2 on usage errors.
 */
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'yaml';
import { parseDefinition } from '../definition/load';
import { DefinitionError, FieldPath, formatPath } from '../definition/problems';
import { ModelError, buildModel } from '../model/model';
import { CHART_REPOSITORIES } from './defaults';
import { ChartFlavor, ImportError, ImportOptions, ImportReport, importHelmValues } from './helm';
import { SourceError, ValuesSource, readValuesSource } from './source';
import { UsageError } from '../cli';

export const USAGE = `Usage: mastodon-cdk8s import FILE [options]   (in this repository: npm run import -- FILE [options])

Writes instances/<name>.yaml from the values of a release of the official Mastodon Helm charts
(mastodon/chart 4.x-6.x or mastodon/helm-charts 1.x). FILE is the output of
  helm get values <release> -n <namespace> -o yaml
(with or without --all), a values file, or a Flux HelmRelease (its spec.values are read).

Options:
  --release NAME        the Helm release (names of the objects it created; default: the HelmRelease's, else mastodon)
  --namespace NS        its namespace, where its Secrets and claims are (default: the HelmRelease's, else the instance name)
  --mastodon-version X.Y.Z  the Mastodon version running (helm list: APP VERSION), when image.tag does not say it;
                        --version X.Y.Z (a value after it) is the same option
  --chart-version V     the chart version the release runs (helm list: CHART, e.g. mastodon-6.9.3); its defaults are
                        merged under the values (default: the HelmRelease's spec.chart.spec.version, else the newest known)
  --chart 6|1           6: mastodon/chart (snake_case keys), 1: mastodon/helm-charts (camelCase); default: told from the keys
  --name NAME           the instance name (default: the release name)
  --out FILE            where to write (default: instances/<name>.yaml)
  --force               replace an existing file
  --help                print this help
  --version             (no value after it) print the version of mastodon-cdk8s

Exit codes: 0 written, 1 refused (nothing is written), 2 wrong command line, 3 internal error.`;

const CHART_NAMES: Record<ChartFlavor, string> = { 'chart-6': 'mastodon/chart', 'helm-charts-1': 'mastodon/helm-charts' };

interface Args extends ImportOptions {
  readonly file?: string;
  readonly out?: string;
  readonly force: boolean;
  readonly help: boolean;
}

function parseArgs(argv: string[]): Args {
  const o: { -readonly [K in keyof Args]?: Args[K] } = { force: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--name') o.name = value();
    else if (a === '--release') o.release = value();
    else if (a === '--namespace') o.namespace = value();
    else if (a === '--version' || a === '--mastodon-version') o.version = value().replace(/^v/, '');
    else if (a === '--chart-version') o.chartVersion = value();
    else if (a === '--chart') {
      const c = value();
      if (c !== '6' && c !== '1') throw new UsageError(`--chart is 6 (mastodon/chart) or 1 (mastodon/helm-charts), found ${c}`);
      o.flavor = c === '6' ? 'chart-6' : 'helm-charts-1';
    } else if (a === '--out') o.out = path.resolve(value());
    else if (a === '--force') o.force = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a} (--help lists them)`);
    else if (o.file) throw new UsageError(`one values file at a time, found ${o.file} and ${a}`);
    else o.file = path.resolve(a);
  }
  if (!o.file && !o.help) throw new UsageError(`a values file is needed\n${USAGE}`);
  return o as Args;
}

/** The report as YAML comments at the top of the definition, so a reviewer sees it in the pull request. */
export function reportComment(file: string, report: ImportReport): string {
  const fromDefaults = report.mapped.filter((e) => e.fromDefault);
  const lines = [
    `Imported from ${file} (${CHART_NAMES[report.flavor]}, defaults of chart ${report.chartVersion}) by npm run import: ${report.mapped.length} value(s) mapped.`,
    ...(report.notes.length ? ['', 'Check before applying:', ...report.notes.map((n) => `- ${n}`)] : []),
    ...(fromDefaults.length ? ['', `From the chart's defaults (${file} does not set them):`, ...fromDefaults.map((e) => `- ${e.from} -> ${e.to}`)] : []),
    ...(report.unmapped.length ? ['', 'Not carried over:', ...report.unmapped.map((u) => `- ${u.from} = ${u.value}: ${u.reason}`)] : []),
    ...(report.defaultsRepeated ? ['', `${report.defaultsRepeated} more value(s) in ${file} equal the chart's defaults.`] : []),
    ...(report.inert.length ? ['', 'Not used, as in the chart (the feature is off):', ...report.inert.map((u) => `- ${u.from}: ${u.reason}`)] : []),
  ];
  return lines.map((l) => (l ? `# ${l}` : '#')).join('\n') + '\n';
}

/** `values.yaml:42:5: mastodon.createAdmin.username` for a values key, or the key alone when the file does not hold it. */
function where(shown: string, source: ValuesSource, key: string): string {
  const pos = source.locate(key);
  return pos ? `${shown}:${pos.line}:${pos.column}: ${key}` : `${shown}: ${key} (the chart's default)`;
}

/** The values key a definition field was made from: the longest mapped field that is the problem's field or holds it. */
function valuesKeyOf(report: ImportReport, field: FieldPath): string | undefined {
  const dotted = field.map(String).join('.');
  const entry = report.mapped
    .filter((e) => !e.from.startsWith('(') && (dotted === e.to || dotted.startsWith(`${e.to}.`)))
    .sort((a, b) => b.to.length - a.to.length)[0];
  return entry?.from;
}

/**
 * What the definition refuses that the import can settle itself: the chart never knew the server's
 * max_connections (or the pooler's), so the limit becomes the worst case, said in the report; and an extra
 * variable the generator emits for this definition would fight it, so it is listed as not carried over.
 * Returns whether the definition changed; anything else is thrown.
 */
function settle(text: string, out: string, definition: Record<string, unknown>, report: ImportReport): boolean {
  try {
    buildModel(parseDefinition(text, out).instance);
    return false;
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    const limits = ['database.maxConnections', 'database.pooler.maxClientConnections', 'database.cloudnativePg.pooler.maxClientConnections'];
    const envConflict = (p: ModelError['problems'][number]) => / is generated from /.test(p.message) && (p.path[0] === 'env' || p.path[p.path.length - 2] === 'extraEnv');
    if (!e.problems.every((p) => limits.includes(p.path.join('.')) || envConflict(p))) throw e;
    for (const p of e.problems) {
      if (envConflict(p)) {
        const holder = p.path.slice(0, -1).reduce<any>((node, k) => node?.[k], definition);
        delete holder[p.path[p.path.length - 1]];
        report.unmapped.push({ from: valuesKeyOf(report, p.path) ?? formatPath(p.path), value: '(value not shown)', reason: p.message });
        continue;
      }
      const field = p.path.join('.');
      const needed = Number(/connections (\d+)/.exec(p.message)?.[1]);
      const database = definition.database as Record<string, unknown>;
      if (field === 'database.maxConnections') database.maxConnections = needed;
      else if (field.startsWith('database.cloudnativePg.')) {
        const cnpg = database.cloudnativePg as Record<string, Record<string, unknown>>;
        cnpg.pooler = { ...(cnpg.pooler ?? {}), maxClientConnections: needed };
      } else (database.pooler as Record<string, unknown>).maxClientConnections = needed;
      report.notes.push(`${field} is ${needed}, the most connections the processes${field === 'database.maxConnections' ? ' and Jobs' : ''} may open: make sure the ${field === 'database.maxConnections' ? 'server allows that many (max_connections)' : 'pooler allows that many (max_client_conn)'}, or lower threads and concurrency`);
    }
    report.unmapped.sort((a, b) => (a.from < b.from ? -1 : 1));
    return true;
  }
}

function refusal(shown: string, source: ValuesSource, report: ImportReport, namespace: string): string[] {
  const lines = report.refused.map((r) => `${where(shown, source, r.from)}: a credential written inline: not copied (it belongs in Secret ${r.secret}, key ${r.key})`);
  lines.push('', `Move them into Secrets, one command per Secret, in the namespace the instance runs in (--namespace):`);
  for (const s of report.secretsToCreate) {
    lines.push(`  kubectl create secret generic ${s.name} --namespace ${namespace} ${s.keys.map((k) => `--from-literal=${k}=...`).join(' ')}`);
    const then = s.secretPath ? `set ${s.secretPath}: ${s.name} and remove ${s.remove.join(', ')}` : `remove ${s.remove.join(', ')} (the import then reads Secret ${s.name}${s.remove.some((r) => /extraEnvVars|\.env\./.test(r)) ? ': reference each key with secretEnv in the definition' : ''})`;
    lines.push(`    then in ${shown}: ${then}`);
  }
  lines.push(`import refused: ${report.refused.length} credential(s) written inline in ${shown}; nothing was written`);
  return lines;
}

export function run(argv: string[]): number {
  const args = parseArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const file = args.file;
  if (!file) throw new UsageError(`a values file is needed\n${USAGE}`);
  const shown = path.relative(process.cwd(), file) || file;
  let source: ValuesSource;
  try {
    source = readValuesSource(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    console.error(`${shown}: ${e instanceof SourceError || e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  const chartVersion = args.chartVersion ?? source.chartVersion;
  const options: ImportOptions = {
    ...args,
    release: args.release ?? source.release,
    namespace: args.namespace ?? source.namespace,
    chartVersion,
    chartVersionFrom: args.chartVersion ? '--chart-version' : source.chartVersion ? "the HelmRelease's spec.chart.spec.version" : undefined,
  };
  let result: ReturnType<typeof importHelmValues>;
  try {
    result = importHelmValues(source.values, options);
  } catch (e) {
    if (e instanceof ImportError) {
      console.error(`${shown}: ${e.message}`);
      return 1;
    }
    throw e;
  }
  const { definition, report } = result;
  report.notes.unshift(...source.notes);
  if (report.refused.length) {
    for (const l of refusal(shown, source, report, String(definition.namespace ?? definition.name))) console.error(l);
    return 1;
  }
  const name = String(definition.name);
  const out = args.out ?? path.resolve('instances', `${name}.yaml`);
  const render = () => `# yaml-language-server: $schema=../schema/instance.schema.json\n${reportComment(path.basename(file), report)}${stringify(definition, { lineWidth: 0 })}`;
  let text = render();
  try {
    for (let i = 0; i < 3 && settle(text, out, definition, report); i++) text = render();
    buildModel(parseDefinition(text, out).instance);
  } catch (e) {
    if (e instanceof DefinitionError || e instanceof ModelError) {
      // in the values file's terms: the key (and line) the refused field was made from
      for (const p of e.problems) {
        const key = valuesKeyOf(report, p.path);
        console.error(key ? `${where(shown, source, key)}: ${p.message} (definition field ${formatPath(p.path)})` : `${shown}: definition field ${formatPath(p.path)}: ${p.message}`);
      }
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
  console.log(`wrote ${path.relative(process.cwd(), out)}: ${report.mapped.length} value(s) mapped (${report.mapped.filter((e) => e.fromDefault).length} from the defaults of ${CHART_REPOSITORIES[report.flavor]} ${report.chartVersion}), ${report.unmapped.length} not carried over, ${report.notes.length} note(s) to check (at the top of the file)`);
  for (const n of report.notes) console.log(`check: ${n}`);
  for (const u of report.unmapped) console.log(`not carried over: ${u.from}: ${u.reason}`);
  return 0;
}

