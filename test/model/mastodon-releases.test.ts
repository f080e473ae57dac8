/**
 * What the manifests tell Mastodon must be what Mastodon reads. The fixture records, per release and
 * with the source file behind each fact, the variables Mastodon reads, its queues, required secrets,
 * Sidekiq major and the metric sources; this test holds src/model/versions.ts and everything the
 * generator emits (bundled instances, and one definition per release that uses every feature) to it.
 */
import fs from 'fs';
import path from 'path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { KubeObject } from '../../src/output/schema-gate';
import { compareVersions, factsFor, parseVersion } from '../../src/model/versions';
import { everything } from '../everything';
import { Json, synth } from '../helpers';

interface Read {
  readonly file: string;
  readonly since?: string;
  readonly until?: string;
  readonly values?: readonly string[];
  readonly process?: 'rails' | 'streaming';
}
interface Release {
  readonly minor: string;
  readonly sidekiqMajor: number;
  readonly queues: readonly string[];
  readonly requiredSecrets: readonly string[];
  readonly replicaSwitch: readonly string[];
}
interface Fixture {
  readonly releases: readonly Release[];
  readonly reads: { readonly rails: Record<string, Read>; readonly streaming: Record<string, Read>; readonly runtime: Record<string, Read> };
  readonly metrics: Record<string, { readonly process?: 'web' | 'sidekiq'; readonly env?: Record<string, string> }>;
}

/** A condition on one variable (or any of several); conditions on other things (a migration, a bucket) are not checked here. */
interface Condition {
  readonly var?: string;
  readonly equals?: string;
  readonly notEquals?: string;
  readonly in?: readonly string[];
  readonly notIn?: readonly string[];
  readonly set?: boolean;
  readonly orUnset?: boolean;
  readonly caseInsensitive?: boolean;
  readonly anyOf?: readonly Condition[];
}
interface Combination {
  readonly when: readonly Condition[];
  readonly releases: string;
  readonly failure: string;
}
interface RequiredPair extends Combination {
  readonly vars: readonly string[];
  readonly present: string;
}
interface Exclusive extends Combination {
  readonly kind: string;
}
interface Accepted {
  readonly vars: readonly string[];
  readonly values: readonly string[];
  readonly releases: string;
  readonly process?: 'rails' | 'streaming';
  readonly anyString?: boolean;
  readonly caseInsensitive?: boolean;
}
interface Combinations {
  readonly requiredPairs: readonly RequiredPair[];
  readonly exclusive: readonly Exclusive[];
  readonly accepted: readonly Accepted[];
}

const fixture: Fixture & Combinations = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/mastodon-releases.json'), 'utf8'));

/** "4.5.0..4.7": from a release to the end of a minor (or to a release). */
function inReleases(range: string, version: string): boolean {
  const [from, to] = range.split(' ')[0].split('..');
  const at = v(version);
  if (compareVersions(at, v(from)) < 0) return false;
  const end = v(to);
  return /^\d+\.\d+$/.test(to) ? at.major < end.major || (at.major === end.major && at.minor <= end.minor) : compareVersions(at, end) <= 0;
}

/** undefined: the condition is about something no environment shows */
function holds(c: Condition, env: Map<string, string>): boolean | undefined {
  if (c.anyOf) return c.anyOf.some((x) => holds(x, env) === true);
  if (!c.var) return undefined;
  const raw = env.get(c.var);
  const value = raw !== undefined && c.caseInsensitive ? raw.toLowerCase() : raw;
  if (value === undefined) return Boolean(c.orUnset) && c.set !== true && c.equals === undefined && c.in === undefined;
  if (c.equals !== undefined && value !== c.equals) return false;
  if (c.notEquals !== undefined && value === c.notEquals) return false;
  if (c.in && !c.in.includes(value)) return false;
  if (c.notIn && c.notIn.includes(value)) return false;
  return true;
}

/**
 * Values outside an `accepted` list the generator emits on purpose, with the meaning Mastodon gives them ("otherValues"):
 * LDAP without encryption, and streaming's verified TLS (node-postgres verifies for any mode but disable/no-verify).
 */
const DELIBERATE_OTHER_VALUES: Record<string, readonly string[]> = { LDAP_METHOD: ['plain'], 'streaming DB_SSLMODE': ['verify-full'] };

/** What a release refuses or fails on in one process's whole environment (the ConfigMap and its own variables). */
export function combinationViolations(where: string, kind: 'rails' | 'streaming', env: Map<string, string>, version: string): string[] {
  const out: string[] = [];
  const applies = (c: Combination) => inReleases(c.releases, version) && c.when.every((w) => holds(w, env) !== undefined);
  if (kind === 'rails') {
    for (const pair of fixture.requiredPairs.filter(applies)) {
      if (!pair.when.every((w) => holds(w, env))) continue;
      const nonEmpty = /non-empty|non-blank/.test(pair.present) && !/^4\.3\.0: set/.test(pair.present);
      for (const name of pair.vars) {
        const value = env.get(name);
        if (value === undefined || (nonEmpty && value === '')) out.push(`${where}: ${name} is needed with ${pair.when.map((w) => w.var).join(' and ') || 'every release'} (${pair.failure})`);
      }
    }
    for (const ex of fixture.exclusive.filter(applies)) {
      if (ex.kind.startsWith('raises') && ex.when.every((w) => holds(w, env))) out.push(`${where}: ${ex.when.map((w) => (w.anyOf ? w.anyOf.map((a) => a.var).join('/') : w.var)).join(' with ')} fails on ${version}: ${ex.failure}`);
    }
  }
  for (const a of fixture.accepted.filter((x) => inReleases(x.releases, version) && (!x.process || x.process === kind) && !x.anyString)) {
    for (const name of a.vars) {
      const raw = env.get(name);
      if (raw === undefined) continue;
      const value = a.caseInsensitive ? raw.toLowerCase() : raw;
      const off = a.values.length === 1 && a.values[0] === 'true' && value === 'false';
      if (!a.values.includes(value) && !off && !(DELIBERATE_OTHER_VALUES[name] ?? DELIBERATE_OTHER_VALUES[`${kind} ${name}`])?.includes(value)) out.push(`${where}: ${name}=${raw} is not a value Mastodon ${version} accepts (${a.values.join(', ')})`);
    }
  }
  for (const a of fixture.accepted.filter((x) => x.anyString && inReleases(x.releases, version))) {
    for (const name of a.vars) {
      const raw = env.get(name);
      if (raw !== undefined && !a.values.includes(raw)) out.push(`${where}: ${name}=${raw} is none of the values Mastodon gives a meaning (${a.values.map((x) => JSON.stringify(x)).join(', ')})`);
    }
  }
  return out;
}
const v = (s: string) => parseVersion(s)!;

function readsAt(kind: 'rails' | 'streaming', version: string): Map<string, Read> {
  const inRange = (r: Read) => (!r.since || compareVersions(v(version), v(r.since)) >= 0) && (!r.until || compareVersions(v(version), v(r.until)) <= 0);
  const entries = [...Object.entries(fixture.reads[kind]), ...Object.entries(fixture.reads.runtime).filter(([, r]) => r.process === kind)];
  return new Map(entries.filter(([, r]) => inRange(r)));
}

function release(version: string): Release {
  const p = v(version);
  return fixture.releases.find((r) => r.minor === `${p.major}.${p.minor}`)!;
}

/** Everything the generator tells Mastodon that this release does not read, or gets wrong. */
export function violations(objects: KubeObject[], def: Json): string[] {
  const version = String(def.version).replace(/^v/, '');
  const rails = readsAt('rails', version);
  const streaming = readsAt('streaming', version);
  const own = new Set([...Object.keys((def.env as object) ?? {}), ...Object.keys((def.secretEnv as object) ?? {})]);
  const out: string[] = [];
  const check = (where: string, reads: Map<string, Read>[], name: string, value?: string) => {
    if (own.has(name)) return;
    const read = reads.map((r) => r.get(name)).find((r) => r);
    if (!read) out.push(`${where}: ${name} is read by no ${version} process it reaches`);
    else if (read.values && value !== undefined && !read.values.includes(value)) out.push(`${where}: ${name}=${value} is not a value ${read.file} understands (${read.values.join(', ')})`);
  };
  const repository = ((def.image as Json | undefined)?.repository as string) ?? 'ghcr.io/mastodon/mastodon';
  const streamingRepository = ((def.image as Json | undefined)?.streamingRepository as string) ?? 'ghcr.io/mastodon/mastodon-streaming';
  const rel = release(version);
  const emitted = new Set<string>();
  for (const o of objects as any[]) {
    if (o.kind === 'ConfigMap' && o.metadata.name.endsWith('-env')) {
      for (const [k, val] of Object.entries(o.data)) {
        emitted.add(k);
        check(`ConfigMap ${o.metadata.name}`, [rails, streaming], k, val as string);
      }
    }
  }
  const shared = new Map<string, string>(Object.entries((objects as any[]).find((o) => o.kind === 'ConfigMap' && o.metadata.name.endsWith('-env'))?.data ?? {}));
  for (const o of objects as any[]) {
    const pod = o.kind === 'Deployment' || o.kind === 'Job' ? o.spec.template.spec : undefined;
    for (const c of pod?.containers ?? []) {
      const image = String(c.image);
      const kind = image.startsWith(`${streamingRepository}:`) ? 'streaming' : image.startsWith(`${repository}:`) && c.name !== 'exporter' ? 'rails' : undefined;
      if (!kind) continue;
      const names = new Set<string>();
      for (const e of c.env ?? []) {
        names.add(e.name);
        emitted.add(e.name);
        check(`${o.kind} ${o.metadata.name}/${c.name}`, [kind === 'rails' ? rails : streaming], e.name, e.value);
      }
      const whole = new Map(shared);
      for (const e of c.env ?? []) whole.set(e.name, e.value ?? `(from ${e.valueFrom?.secretKeyRef ? 'a Secret' : 'elsewhere'})`);
      out.push(...combinationViolations(`${o.kind} ${o.metadata.name}/${c.name}`, kind, whole, version));
      const core = kind === 'rails' ? rel.requiredSecrets : [];
      for (const key of core) if (!names.has(key)) out.push(`${o.kind} ${o.metadata.name}/${c.name}: ${key} is required by ${rel.minor} and missing`);
      if (kind === 'streaming') for (const key of rel.requiredSecrets) if (names.has(key)) out.push(`${o.kind} ${o.metadata.name}: streaming does not need ${key}`);
    }
  }
  if ((def.database as Json).replica && !rel.replicaSwitch.some((n) => emitted.has(n))) {
    out.push(`read replica configured, but none of ${rel.replicaSwitch.join(', ')} (what switches it on in ${rel.minor}) is emitted`);
  }
  for (const rule of objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o: any) => o.spec.groups.flatMap((g: any) => g.rules))) {
    for (const [, metric] of String(rule.expr).matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)) {
      const source = fixture.metrics[metric];
      if (!source) {
        out.push(`alert ${rule.alert}: no known source reports ${metric}`);
        continue;
      }
      if (!source.env) continue;
      const deployments = objects.filter((o: any) => o.kind === 'Deployment' && o.metadata.labels['app.kubernetes.io/component'].startsWith(source.process!)) as any[];
      if (deployments.length === 0) out.push(`alert ${rule.alert}: no ${source.process} process to report ${metric}`);
      for (const d of deployments) {
        const env = Object.fromEntries((d.spec.template.spec.containers[0].env ?? []).map((e: any) => [e.name, e.value]));
        for (const [k, want] of Object.entries(source.env)) {
          if (env[k] !== want) out.push(`alert ${rule.alert}: ${d.metadata.name} does not report ${metric} without ${k}=${want}`);
        }
      }
    }
  }
  return out;
}

const RELEASES = ['4.3.0', '4.3.9', '4.4.5', '4.5.6', '4.6.6', '4.7.2'];

describe('the version table agrees with Mastodon', () => {
  it.each(fixture.releases.map((r) => [r.minor, r]))('%s: queues, required secrets, Sidekiq major', (_, r) => {
    const facts = factsFor(v(`${(r as Release).minor}.0`))!;
    const rel = r as Release;
    expect([...facts.queues].sort()).toEqual([...rel.queues].sort());
    expect([...facts.requiredSecrets].sort()).toEqual([...rel.requiredSecrets].sort());
    expect(facts.sidekiqMajor).toBe(rel.sidekiqMajor);
  });

  it('covers every supported release', () => {
    expect(fixture.releases.map((r) => r.minor)).toEqual(['4.3', '4.4', '4.5', '4.6', '4.7']);
  });
});

describe('what the manifests tell Mastodon is what Mastodon reads', () => {
  it.each(RELEASES)('%s, every feature', (version) => {
    const def = everything(version);
    expect(violations(synth(def), def)).toEqual([]);
  });

  const instances = path.join(__dirname, '../../instances');
  const bundled = fs.existsSync(instances) ? fs.readdirSync(instances).filter((f) => f.endsWith('.yaml')) : [];
  it.skipIf(!bundled.length).each(bundled)('bundled instance %s', (file) => {
    const def = parse(fs.readFileSync(path.join(instances, file), 'utf8')) as Json;
    expect(violations(synth(def), def)).toEqual([]);
  });

  it('catches a variable no release reads, a value one side does not understand, a missing secret and an alert nobody feeds', () => {
    const def = everything('4.5.6');
    const objects = JSON.parse(JSON.stringify(synth(def))) as any[];
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'test-env').data.MALLOC_ARENA_MAX = '2';
    const web = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'test-web').spec.template.spec.containers[0];
    web.env = web.env.filter((e: any) => e.name !== 'SECRET_KEY_BASE').map((e: any) => (e.name === 'DB_SSLMODE' ? { ...e, value: 'no-verify' } : e));
    const sidekiq = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'test-sidekiq-all').spec.template.spec.containers[0];
    sidekiq.env = sidekiq.env.filter((e: any) => e.name !== 'MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS');
    const found = violations(objects, def).join('\n');
    expect(found).toMatch(/MALLOC_ARENA_MAX is read by no 4\.5\.6 process/);
    expect(found).toMatch(/DB_SSLMODE=no-verify is not a value config\/database\.yml understands/);
    expect(found).toMatch(/SECRET_KEY_BASE is required by 4\.5 and missing/);
    expect(found).toMatch(/MastodonSidekiqBacklog: test-sidekiq-all does not report sidekiq_queue_latency_seconds/);
  });

  it('catches a combination its release rejects, a missing required pair and a value outside the accepted ones', () => {
    const def = everything('4.5.6');
    const objects = JSON.parse(JSON.stringify(synth(def))) as any[];
    const data = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'test-env').data;
    data.SMTP_ENABLE_STARTTLS = 'auto';
    delete data.LDAP_BIND_DN;
    data.S3_PERMISSION = 'public';
    data.SMTP_AUTH_METHOD = 'md5';
    const found = violations(objects, def).join('\n');
    expect(found).toMatch(/SMTP_TLS\/SMTP_SSL with SMTP_ENABLE_STARTTLS fails on 4\.5\.6: ArgumentError ':enable_starttls and :tls are mutually exclusive'/);
    expect(found).toMatch(/LDAP_BIND_DN is needed with LDAP_ENABLED/);
    expect(found).toMatch(/S3_PERMISSION=public is none of the values Mastodon gives a meaning/);
    expect(found).toMatch(/SMTP_AUTH_METHOD=md5 is not a value Mastodon 4\.5\.6 accepts/);
    // the same STARTTLS setting is only ignored before 4.5, never refused
    const old = everything('4.4.5');
    const oldObjects = JSON.parse(JSON.stringify(synth(old))) as any[];
    oldObjects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'test-env').data.SMTP_ENABLE_STARTTLS = 'auto';
    expect(violations(oldObjects, old).join('\n')).not.toMatch(/mutually exclusive/);
  });

  it('catches a variable read only by other patches (REDIS_USERNAME after 4.3.0) and by later releases (BULK_SMTP_* on 4.3)', () => {
    const def = everything('4.3.9');
    const objects = JSON.parse(JSON.stringify(synth(def))) as any[];
    const streaming = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'test-streaming').spec.template.spec.containers[0];
    streaming.env.push({ name: 'REDIS_USERNAME', value: 'mastodon' });
    objects.find((o) => o.kind === 'ConfigMap').data.BULK_SMTP_SERVER = 'bulk';
    const found = violations(objects, def).join('\n');
    expect(found).toMatch(/REDIS_USERNAME is read by no 4\.3\.9 process/);
    expect(found).toMatch(/BULK_SMTP_SERVER is read by no 4\.3\.9 process/);
  });
});
