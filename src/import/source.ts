/**
 * The file an admin gives the importer: a values file (`helm get values`, with or without the header
 * line helm prints), or a Flux HelmRelease whose `spec.values` are the values. Keeps the parsed document
 * so that a values key can be turned into its line and column.
 */
import { Document, LineCounter, Scalar, isMap, isNode, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';
import { isObject } from './defaults';

type Json = Record<string, unknown>;

export class SourceError extends Error {}

export interface ValuesSource {
  readonly values: Json;
  /** the chart version the source names (a HelmRelease's spec.chart.spec.version) */
  readonly chartVersion?: string;
  /** the Helm release and namespace a HelmRelease names */
  readonly release?: string;
  readonly namespace?: string;
  /** what was taken from the file besides the values, for the report */
  readonly notes: readonly string[];
  /** line and column (1-based) of a values key such as `mastodon.web.replicas` or `ingress.tls[0].secretName` */
  locate(valuesPath: string): { line: number; column: number } | undefined;
}

/** A document's data; yaml types it `any`, it is whatever the file holds. */
const toJson = (d: Document): unknown => d.toJS({ maxAliasCount: -1 });

/** `helm get values` prints this line above the YAML unless `-o yaml` is given. */
const HELM_HEADER = /^(USER-SUPPLIED|COMPUTED) VALUES:[ \t]*$/m;

export function readValuesSource(text: string): ValuesSource {
  // the header is not YAML that means anything; blank it out, keeping every offset where it was
  const cleaned = text.replace(HELM_HEADER, (h) => ' '.repeat(h.length));
  const lines = new LineCounter();
  const docs = parseAllDocuments(cleaned, { lineCounter: lines, uniqueKeys: false, prettyErrors: true });
  if (!Array.isArray(docs)) throw new SourceError('expected YAML');
  for (const d of docs) if (d.errors.length) throw new SourceError(d.errors[0].message);
  const parsed = docs.map((d) => ({ doc: d, json: toJson(d) })).filter((d) => d.json !== null && d.json !== undefined);
  // a manifest with several documents: the HelmRelease among them (Flux repositories keep a HelmRepository beside it)
  const release = parsed.find((d) => isObject(d.json) && d.json.kind === 'HelmRelease');
  const notes: string[] = [];
  let chosen = release ?? parsed[0];
  if (!release && parsed.length > 1) throw new SourceError(`expected one values document, found ${parsed.length} (and no HelmRelease among them)`);
  if (!chosen) return { values: {}, notes, locate: () => undefined };
  if (!isObject(chosen.json)) throw new SourceError('expected a values mapping at the top level');
  let values = chosen.json;
  let prefix: string[] = [];
  let chartVersion: string | undefined;
  let releaseName: string | undefined;
  let namespace: string | undefined;
  if (release && isObject(release.json)) {
    const hr = release.json;
    const spec = isObject(hr.spec) ? hr.spec : {};
    const meta = isObject(hr.metadata) ? hr.metadata : {};
    values = isObject(spec.values) ? spec.values : {};
    prefix = ['spec', 'values'];
    const chartSpec = isObject(spec.chart) && isObject(spec.chart.spec) ? spec.chart.spec : {};
    if (typeof chartSpec.version === 'string') chartVersion = chartSpec.version;
    releaseName = typeof spec.releaseName === 'string' ? spec.releaseName : typeof meta.name === 'string' ? meta.name : undefined;
    namespace = typeof spec.targetNamespace === 'string' ? spec.targetNamespace : typeof meta.namespace === 'string' ? meta.namespace : undefined;
    notes.push(`read spec.values of HelmRelease ${String(meta.name ?? '')}`.trim());
    if (Array.isArray(spec.valuesFrom) && spec.valuesFrom.length) {
      notes.push(`the HelmRelease also takes values from ${spec.valuesFrom.map((v) => (isObject(v) ? `${String(v.kind)}/${String(v.name)}` : '?')).join(', ')}, which are not in this file: merge them into spec.values (or import the output of helm get values) to have them imported`);
    }
  }
  const doc = chosen.doc;
  return {
    values,
    chartVersion,
    release: releaseName,
    namespace,
    notes,
    locate(valuesPath) {
      const offset = offsetOf(doc, [...prefix, ...splitPath(valuesPath)]);
      if (offset === undefined) return undefined;
      const pos = lines.linePos(offset);
      return { line: pos.line, column: pos.col };
    },
  };
}

/** `a.b[2].c` → ['a', 'b', 2, 'c']; a key may itself hold dots (annotations), resolved while walking. */
function splitPath(p: string): (string | number)[] {
  return p.split('.').flatMap((part) => {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) return [part];
    const indices = [...m[2].matchAll(/\[(\d+)\]/g)].map((i) => Number(i[1]));
    return [...(m[1] ? [m[1]] : []), ...indices];
  });
}

function offsetOf(doc: Document, parts: (string | number)[]): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (let i = 0; i < parts.length; i++) {
    if (isMap(node)) {
      // the longest run of segments that is one key: "kubernetes.io/ingress.class" is a single key
      let found: { key: Scalar; value: unknown; used: number } | undefined;
      for (let n = parts.length - i; n >= 1 && !found; n--) {
        const key = parts.slice(i, i + n).join('.');
        for (const p of node.items) if (!found && isPair(p) && isScalar(p.key) && String(p.key.value) === key) found = { key: p.key, value: p.value, used: n };
      }
      if (!found) return undefined;
      offset = found.key.range?.[0];
      node = found.value;
      i += found.used - 1;
    } else {
      const index = parts[i];
      const item: unknown = isSeq(node) && typeof index === 'number' ? node.items[index] : undefined;
      if (!isNode(item)) return undefined;
      node = item;
      offset = item.range?.[0];
    }
  }
  return offset;
}
