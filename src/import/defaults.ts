/**
 * The chart's own defaults, per chart version (vendor/helm-defaults), merged under a release's values the
 * way Helm merges them; and the keys the charts renamed over time, read under their new names.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parse } from 'yaml';
import { VENDOR_DIR } from '../paths';

export type ChartFlavor = 'chart-6' | 'helm-charts-1';
type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const CHART_REPOSITORIES: Record<ChartFlavor, string> = { 'chart-6': 'mastodon/chart', 'helm-charts-1': 'mastodon/helm-charts' };

export class ChartVersionError extends Error {}

const DEFAULTS_DIR = path.join(VENDOR_DIR, 'helm-defaults');
interface VersionEntry {
  readonly values: string;
  readonly appVersion: string;
}
let index: Record<string, Record<string, VersionEntry>> | undefined;
const versions = (flavor: ChartFlavor) => {
  const all: Record<string, Record<string, VersionEntry>> = (index ??= JSON.parse(fs.readFileSync(path.join(DEFAULTS_DIR, 'versions.json'), 'utf8')));
  return all[CHART_REPOSITORIES[flavor]];
};

const semver = (v: string) => v.split('.').map(Number);
export const compareVersions = (a: string, b: string) => {
  const [x, y] = [semver(a), semver(b)];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};

export interface ChartDefaults {
  readonly flavor: ChartFlavor;
  /** the chart version whose values.yaml these are */
  readonly version: string;
  /** the Mastodon version the chart runs when image.tag is empty */
  readonly appVersion: string;
  readonly values: Json;
}

/**
 * The defaults of one chart version. `requested` is what the user or the HelmRelease gave: an exact
 * version ("6.9.3", or "mastodon-6.9.3" as `helm list` prints it) or a range of the forms Flux accepts
 * most often ("6.x", "6.5.*", "~6.5.0", "^6.0.0", ">=6.0.0"), which picks the newest matching version.
 * Without it, the newest version of the chart.
 */
export function chartDefaults(flavor: ChartFlavor, requested?: string): ChartDefaults {
  const all = Object.keys(versions(flavor)).sort(compareVersions);
  let version = all[all.length - 1];
  if (requested !== undefined) {
    const wanted = requested.trim().replace(/^mastodon-/, '').replace(/^v/, '');
    const matches = all.filter((v) => versionMatches(v, wanted));
    if (!matches.length) {
      throw new ChartVersionError(`chart version "${requested}" is not one of ${CHART_REPOSITORIES[flavor]}'s versions whose defaults are known here (${all[0]} to ${all[all.length - 1]})`);
    }
    version = matches[matches.length - 1];
  }
  const entry = versions(flavor)[version];
  return { flavor, version, appVersion: entry.appVersion, values: valuesFile(entry.values) };
}

/** parsed once per process and never changed: coalesce() copies what it takes */
const parsed = new Map<string, Json>();
function valuesFile(file: string): Json {
  const known = parsed.get(file);
  if (known) return known;
  const values: Json = parse(fs.readFileSync(path.join(DEFAULTS_DIR, file), 'utf8'), { uniqueKeys: false }) ?? {};
  parsed.set(file, values);
  return values;
}

function versionMatches(version: string, range: string): boolean {
  const [major, minor, patch] = semver(version);
  const wild = /^(\d+)(?:\.(\d+|[x*]))?(?:\.(\d+|[x*]))?$/.exec(range);
  if (wild) {
    const part = (p: string | undefined, n: number) => p === undefined || p === 'x' || p === '*' || Number(p) === n;
    return Number(wild[1]) === major && part(wild[2], minor) && part(wild[3], patch);
  }
  const op = /^(~|\^|>=)\s*(\d+\.\d+\.\d+)$/.exec(range);
  if (!op) return false;
  const [bMajor, bMinor] = semver(op[2]);
  const atLeast = compareVersions(version, op[2]) >= 0;
  if (op[1] === '>=') return atLeast;
  if (op[1] === '^') return atLeast && major === bMajor;
  return atLeast && major === bMajor && minor === bMinor;
}

/**
 * Helm's merge of user values over the chart's (chartutil.CoalesceValues): maps merge key by key, any
 * other value (lists included) replaces the default, and null deletes the default key.
 */
export function coalesce(defaults: Json, values: Json): Json {
  const out: Json = structuredClone(values);
  for (const [key, def] of Object.entries(defaults)) {
    if (!(key in out)) out[key] = structuredClone(def);
    else if (out[key] === null) delete out[key];
    else if (isObject(out[key]) && isObject(def)) out[key] = coalesce(def, out[key] as Json);
  }
  return out;
}

/** A key an older chart version read, and where the current chart reads the same setting. */
export interface Rename {
  readonly from: string;
  readonly to: readonly string[];
  /** the last chart version that read `from` */
  readonly until: string;
  /** the value under its new name, when the meaning changed shape */
  readonly convert?: (value: unknown) => unknown;
}

/** From the charts' history (git log -p values.yaml templates/ of mastodon/chart); helm-charts 1.x renamed nothing. */
export const RENAMES: Record<ChartFlavor, readonly Rename[]> = {
  'chart-6': [
    // 2.x: one replica count for web, streaming and Sidekiq (workers[] replaced the latter in 4.0.0)
    { from: 'replicaCount', to: ['mastodon.web.replicas', 'mastodon.streaming.replicas'], until: '2.3.0' },
    { from: 'postgresql.postgresqlDatabase', to: ['postgresql.auth.database'], until: '1.2.1' },
    { from: 'postgresql.postgresqlUsername', to: ['postgresql.auth.username'], until: '1.2.1' },
    { from: 'postgresql.postgresqlPassword', to: ['postgresql.auth.password'], until: '1.2.1' },
    { from: 'redis.password', to: ['redis.auth.password'], until: '2.3.0' },
    // 2.0: SMTP_ENABLE_STARTTLS_AUTO from a boolean; enable_starttls took its place
    { from: 'mastodon.smtp.enable_starttls_auto', to: ['mastodon.smtp.enable_starttls'], until: '2.0.0', convert: (v) => (v === false || v === 'false' ? 'never' : 'auto') },
    // 4.x templates read deploymentAnnotations, which 5.4.0 renamed
    { from: 'mastodon.web.deploymentAnnotations', to: ['mastodon.web.annotations'], until: '5.3.3' },
    { from: 'mastodon.streaming.deploymentAnnotations', to: ['mastodon.streaming.annotations'], until: '5.3.3' },
  ],
  'helm-charts-1': [],
};

const lookup = (values: unknown, p: string): unknown => p.split('.').reduce<unknown>((node, k) => (isObject(node) ? node[k] : undefined), values);
const setAt = (values: Json, p: string, value: unknown) => {
  const keys = p.split('.');
  let node = values;
  for (const k of keys.slice(0, -1)) node = (node[k] = isObject(node[k]) ? node[k] : {}) as Json;
  node[keys[keys.length - 1]] = value;
};
const deleteAt = (values: Json, p: string) => {
  const keys = p.split('.');
  const parent = keys.length === 1 ? values : lookup(values, keys.slice(0, -1).join('.'));
  if (isObject(parent)) delete parent[keys[keys.length - 1]];
};

export interface RenameOutcome {
  readonly values: Json;
  /** renamed keys read under their new name */
  readonly renamed: readonly Rename[];
  /** old keys the chart version the release runs no longer read: Helm ignored them */
  readonly ignored: readonly Rename[];
}

/**
 * Moves old keys to their new names. When the chart version is known and newer than the last one that
 * read a key, Helm ignored it, and so does the import (it says so); a value under the new name wins.
 */
export function renameLegacyKeys(flavor: ChartFlavor, values: Json, chartVersion?: string): RenameOutcome {
  const out = structuredClone(values);
  const renamed: Rename[] = [];
  const ignored: Rename[] = [];
  for (const r of RENAMES[flavor]) {
    const value = lookup(out, r.from);
    if (value === undefined) continue;
    deleteAt(out, r.from);
    if (chartVersion && compareVersions(chartVersion, r.until) > 0) ignored.push(r);
    else {
      for (const to of r.to) if (lookup(out, to) === undefined) setAt(out, to, r.convert ? r.convert(value) : value);
      renamed.push(r);
    }
  }
  return { values: out, renamed, ignored };
}
