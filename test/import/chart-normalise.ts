/**
 * Turns rendered Kubernetes objects (helm template of the official charts, or this project's synthesis)
 * into the Mastodon settings they give each process, so the two can be compared setting by setting:
 * environment per process (ConfigMap references resolved to values, Secret references to
 * `secret:<name>/<key>`, never to values), Sidekiq queues and concurrency, replicas, Ingress routes and
 * class, Service ports, and the commands of Jobs and CronJobs.
 */
type Json = Record<string, any>;

export type Settings = Map<string, Map<string, string>>;

const kinds = ['Deployment', 'Job', 'CronJob'];

/** web, streaming, sidekiq-<worker>, job:<task>, cronjob:<task>: the same names on both sides */
function processName(o: Json, prefix: string, command: string[], env: Map<string, string>): string | undefined {
  const cmd = command.join(' ');
  if (o.kind === 'Deployment') {
    const name = String(o.metadata.name);
    return name.startsWith(`${prefix}-`) ? name.slice(prefix.length + 1) : name;
  }
  const task = /tootctl media remove/.test(cmd) && !/prune-profiles/.test(cmd)
    ? 'media-remove'
    : /tootctl accounts create/.test(cmd)
      ? 'create-admin'
      : /tootctl search deploy/.test(cmd)
        ? 'search-deploy'
        : /db:prepare/.test(cmd)
          ? 'db-prepare'
          : /db:migrate/.test(cmd)
            ? env.get('SKIP_POST_DEPLOYMENT_MIGRATIONS') === 'true' || /SKIP_POST_DEPLOYMENT_MIGRATIONS=true/.test(cmd) ? 'db-migrate-pre' : 'db-migrate-post'
            : String(o.metadata.name).slice(prefix.length + 1);
  return `${o.kind === 'CronJob' ? 'cronjob' : 'job'}:${task}`;
}

function podSpec(o: Json): Json {
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec;
  return o.spec.template.spec;
}

const decode = (v: string) => Buffer.from(v, 'base64').toString('utf8');

/** The main container: the first one (exporters and other sidecars come after it in both outputs). */
function environment(container: Json, configMaps: Map<string, Json>, secrets: Map<string, Json>): Map<string, string> {
  const env = new Map<string, string>();
  const secretValue = (name: string, key: string, optional: boolean): string | undefined => {
    const rendered = secrets.get(name);
    if (!rendered) return `secret:${name}/${key}`;
    const data = { ...(rendered.stringData ?? {}), ...Object.fromEntries(Object.entries(rendered.data ?? {}).map(([k, v]) => [k, decode(String(v))])) };
    // a key the rendered Secret lacks (optional) or holds empty sets nothing for Mastodon
    if (!(key in data)) return optional ? undefined : `secret:${name}/${key}`;
    return data[key] === '' ? undefined : `secret:${name}/${key}`;
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = configMaps.get(from.configMapRef.name);
      if (!cm) env.set(`*configmap:${from.configMapRef.name}`, 'all keys');
      else for (const [k, v] of Object.entries(cm.data ?? {})) env.set(`${from.prefix ?? ''}${k}`, String(v));
    } else if (from.secretRef) {
      const s = secrets.get(from.secretRef.name);
      if (!s) env.set(`*secret:${from.secretRef.name}`, 'all keys');
      else {
        for (const k of new Set([...Object.keys(s.data ?? {}), ...Object.keys(s.stringData ?? {})])) {
          const v = secretValue(from.secretRef.name, k, true);
          if (v !== undefined) env.set(`${from.prefix ?? ''}${k}`, v);
        }
      }
    }
  }
  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom?.secretKeyRef) value = secretValue(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key, e.valueFrom.secretKeyRef.optional === true);
    else if (e.valueFrom?.configMapKeyRef) value = configMaps.get(e.valueFrom.configMapKeyRef.name)?.data?.[e.valueFrom.configMapKeyRef.key] ?? `configmap:${e.valueFrom.configMapKeyRef.name}/${e.valueFrom.configMapKeyRef.key}`;
    else if (e.valueFrom?.fieldRef) value = `field:${e.valueFrom.fieldRef.fieldPath}`;
    else value = e.value === undefined || e.value === null ? undefined : String(e.value);
    // an empty value is no setting for Mastodon (ENV.fetch / || fall back either way)
    if (value === undefined || value === '') env.delete(e.name);
    else env.set(e.name, value);
  }
  return env;
}

/** `bundle exec sidekiq -c 25 -q default,8 -q push` → concurrency and queues, whatever the flag spelling. */
function sidekiqArgs(command: string[]): { concurrency?: string; queues: string[] } {
  const out: { concurrency?: string; queues: string[] } = { queues: [] };
  for (let i = 0; i < command.length; i++) {
    if (command[i] === '-c' || command[i] === '--concurrency') out.concurrency = command[++i];
    else if (command[i] === '-q' || command[i] === '--queue') out.queues.push(command[++i].replace(/,1$/, ''));
  }
  return out;
}

export interface NormaliseOptions {
  /** the name every object starts with: the chart's fullname, or the instance name */
  readonly prefix: string;
  /** the variables the streaming server reads (test/fixtures/mastodon-releases.json): others become `env-unread` */
  readonly streamingReads: ReadonlySet<string>;
}

export function normalise(objects: Json[], options: NormaliseOptions): Settings {
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [String(o.metadata.name), o]));
  const secrets = new Map(objects.filter((o) => o.kind === 'Secret').map((o) => [String(o.metadata.name), o]));
  const out: Settings = new Map();
  const put = (process: string, setting: string, value: string | undefined) => {
    if (value === undefined) return;
    if (!out.has(process)) out.set(process, new Map());
    out.get(process)!.set(setting, value);
  };
  const services = new Map<string, string>();
  for (const s of objects.filter((o) => o.kind === 'Service')) {
    const role = String(s.metadata.name).slice(options.prefix.length + 1);
    services.set(String(s.metadata.name), role);
    put('services', `service ${role} ports`, (s.spec.ports ?? []).map((p: Json) => String(p.port)).sort().join(','));
  }
  for (const o of objects.filter((x) => kinds.includes(x.kind))) {
    const spec = podSpec(o);
    const container = spec.containers[0];
    const command = [...(container.command ?? []), ...(container.args ?? [])].map(String);
    // a shell wrapper (sh -c "...") counts by its script
    const flat = command[0] === 'sh' || command[0] === '/bin/sh' || command[0] === 'bash' ? command.slice(2).join(' ').split(/\s+/) : command;
    const env = environment(container, configMaps, secrets);
    const name = processName(o, options.prefix, flat, env);
    if (!name) continue;
    for (const [k, v] of env) put(name, name === 'streaming' && !k.startsWith('*') && !options.streamingReads.has(k) ? `env-unread ${k}` : `env ${k}`, v);
    if (o.kind === 'Deployment') {
      put(name, 'replicas', String(o.spec.replicas ?? 1));
      if (flat.includes('sidekiq')) {
        const s = sidekiqArgs(flat);
        put(name, 'sidekiq concurrency', s.concurrency);
        put(name, 'sidekiq queues', s.queues.join(' '));
      } else put(name, 'command', flat.join(' ').replace(/^bundle exec /, '') || undefined);
    } else {
      put(name, 'command', flat.join(' ').replace(/^bundle exec /, '').replace(/^bin\//, ''));
      if (o.kind === 'CronJob') put(name, 'schedule', String(o.spec.schedule));
    }
  }
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    const cls = ing.spec.ingressClassName ?? ing.metadata.annotations?.['kubernetes.io/ingress.class'] ?? '(cluster default)';
    for (const rule of ing.spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const backend = p.backend.service;
        put('ingress', `route ${rule.host}${p.path}`, `${services.get(backend.name) ?? backend.name}:${backend.port.number ?? backend.port.name} class ${cls}`);
      }
    }
    const tlsHosts = (ing.spec.tls ?? []).flatMap((t: Json) => t.hosts ?? []);
    for (const rule of ing.spec.rules ?? []) put('ingress', `tls ${rule.host}`, tlsHosts.includes(rule.host) ? 'at the Ingress' : 'before the Ingress');
  }
  for (const route of objects.filter((o) => o.kind === 'HTTPRoute')) {
    const parents = (route.spec.parentRefs ?? []).map((p: Json) => `${p.namespace ?? '(own namespace)'}/${p.name}${p.sectionName ? `#${p.sectionName}` : ''}`).sort().join(',');
    for (const host of route.spec.hostnames ?? []) {
      for (const rule of route.spec.rules ?? []) {
        const backends = (rule.backendRefs ?? []).map((b: Json) => `${services.get(b.name) ?? b.name}:${b.port}`).join(',');
        if (!backends) continue; // a redirect or a filter-only rule
        for (const match of rule.matches ?? [{ path: { value: '/' } }]) put('httproute', `route ${host}${match.path?.value ?? '/'}`, `${backends} via ${parents}`);
      }
    }
  }
  return out;
}

/** One setting that differs between the chart and here. */
export interface Difference {
  readonly process: string;
  readonly setting: string;
  readonly chart?: string;
  readonly here?: string;
}

export const formatDifference = (d: Difference) => `${d.process} | ${d.setting} | chart: ${d.chart ?? '—'} | here: ${d.here ?? '—'}`;

/**
 * `envFrom` of a Secret that is not rendered stands for all its keys: it matches each variable the other
 * side takes from the same Secret under the variable's own name.
 */
function matchWholeSecrets(a: Map<string, string>, b: Map<string, string>): void {
  for (const [setting] of [...a]) {
    const m = /^env \*secret:(.+)$/.exec(setting);
    if (!m) continue;
    const taken = [...b].filter(([k, v]) => k.startsWith('env ') && v === `secret:${m[1]}/${k.slice(4)}` && !a.has(k));
    for (const [k, v] of taken) a.set(k, v);
    if (taken.length) a.delete(setting);
  }
}

export function compare(chart: Settings, here: Settings): Difference[] {
  const diffs: Difference[] = [];
  for (const process of new Set([...chart.keys(), ...here.keys()])) {
    const a = new Map(chart.get(process) ?? []);
    const b = new Map(here.get(process) ?? []);
    matchWholeSecrets(a, b);
    matchWholeSecrets(b, a);
    if (!chart.has(process) || !here.has(process)) diffs.push({ process, setting: 'process', chart: chart.has(process) ? 'present' : undefined, here: here.has(process) ? 'present' : undefined });
    if (!chart.has(process) || !here.has(process)) continue;
    for (const setting of new Set([...a.keys(), ...b.keys()])) {
      if (a.get(setting) !== b.get(setting)) diffs.push({ process, setting, chart: a.get(setting), here: b.get(setting) });
    }
  }
  return diffs.sort((x, y) => `${x.process} ${x.setting}`.localeCompare(`${y.process} ${y.setting}`));
}

/** A row of the README's "What changes when you move from the chart" table, as the test reads it. */
export interface Deliberate {
  readonly setting: RegExp;
  readonly process: RegExp;
  readonly chart: RegExp;
  readonly here: RegExp;
  readonly text: string;
}

const glob = (pattern: string) => new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
/** `a`, `b` → either; — → not set; anything else (words) → any value */
function cell(text: string): RegExp {
  const codes = [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
  if (codes.length) return new RegExp(codes.map((c) => glob(c).source).join('|'), 's');
  if (text.trim() === '—') return /^\u0000unset$/;
  return /^.*$/s;
}

/** Reads the table under the heading `### What changes when you move from the chart` of the README. */
export function deliberateDifferences(readme: string): Deliberate[] {
  const section = readme.split(/^### What changes when you move from the chart$/m)[1]?.split(/^#/m)[0];
  if (!section) throw new Error('README has no "### What changes when you move from the chart" section');
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.map((row) => {
    const cells = row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim());
    return { setting: cell(cells[0]), process: cell(cells[1]), chart: cell(cells[2]), here: cell(cells[3]), text: row };
  });
}

export function explained(d: Difference, rows: readonly Deliberate[]): Deliberate | undefined {
  const v = (x: string | undefined) => x ?? '\u0000unset';
  return rows.find((r) => r.setting.test(d.setting) && r.process.test(d.process) && r.chart.test(v(d.chart)) && r.here.test(v(d.here)));
}
