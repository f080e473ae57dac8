/**
 * The API server as the oracle of what synth must refuse. Valid definitions (bundled instances, the
 * everything-on definitions, one per feature, the importer's output for its corpus) and a corpus of
 * mutations derived from the definition schema (mutations.ts) go through synth in-process; every object
 * of every definition synth accepts is sent to a real kube-apiserver with server-side apply and
 * dryRun=All (CRDs installed, Pod Security "restricted" enforced on the namespaces, each pod template
 * also sent as a Pod so that Pod Security and pod admission judge it). Any refusal fails the test unless
 * apiserver-allowlist.yaml names the mutation with a reason; an entry that no longer applies fails too.
 * A Markdown report goes to .cluster/report-apiserver.md.
 */
import { createHash } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineCounter, parse, parseDocument, stringify } from 'yaml';
import { cronProblem } from '../../src/model/schedule';
import { SchemaGate } from '../../src/output/schema-gate';
import { VENDOR_DIR } from '../../src/paths';
import { synthesize } from '../../src/synth';
import { ApiClient, KubeObject, pool } from './dry-run';
import { BIN, Cluster, ROOT, missingComponents } from './harness';
import { Base, Mutation, crossFieldMutations, everythingBases, featureBases, importedBases, instanceBases, kubernetesMutations, schemaMutations } from './mutations';

const missing = missingComponents(['etcd', 'kube-apiserver']) ?? (fs.existsSync(path.join(ROOT, 'build/src/import/main.js')) ? undefined : 'build/ is absent (npm run build)');
if (missing) console.log(`API-server differential test skipped: ${missing}`);

const FIELD_MANAGER = 'mastodon-apiserver-test';
const ALLOWLIST = path.join(__dirname, 'apiserver-allowlist.yaml');

interface Outcome {
  readonly id: string;
  readonly base: string;
  readonly errors: string[];
  readonly objects: KubeObject[];
  readonly definitionFile: string;
}

const digest = (o: unknown) => createHash('sha256').update(JSON.stringify(o)).digest('hex');
const fileName = (name: unknown) => (typeof name === 'string' && /^[A-Za-z0-9._-]{1,200}$/.test(name) ? name : 'unnamed');

/** A Pod with a workload's template, so that pod admission (Pod Security among it) judges the template. */
function podOf(obj: KubeObject): KubeObject | undefined {
  const spec = obj.spec as any;
  const template = spec?.template?.spec ? spec.template : spec?.jobTemplate?.spec?.template;
  if (!template?.spec || !['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicaSet'].includes(obj.kind)) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${obj.metadata?.name}-pod`, namespace: obj.metadata?.namespace, labels: template.metadata?.labels, annotations: template.metadata?.annotations },
    spec: template.spec,
  };
}

describe.skipIf(missing !== undefined)('what the API server refuses, synth refuses', () => {
  const report: string[] = [];
  const timings: Record<string, number> = {};
  let bases: Base[];
  let mutations: Mutation[];
  const outcomes = new Map<string, Outcome>();
  let cluster: Cluster;
  let work: string;

  const synthOne = (id: string, base: string, def: unknown, gate: SchemaGate): Outcome => {
    const dir = path.join(work, String(outcomes.size));
    fs.mkdirSync(dir);
    const file = path.join(dir, `${fileName((def as { name?: unknown }).name)}.yaml`);
    fs.writeFileSync(file, stringify(def, { lineWidth: 0 }));
    const r = synthesize([file], gate);
    const objects = r.errors.length ? [] : r.rendered.flatMap((x) => x.objects.map((o) => o.object as KubeObject));
    const outcome = { id, base, errors: r.errors, objects, definitionFile: file };
    outcomes.set(id, outcome);
    return outcome;
  };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'apiserver-diff-'));
    let t = Date.now();
    bases = [...instanceBases(), ...everythingBases(), ...featureBases(), ...importedBases()];
    const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schema/instance.schema.json'), 'utf8'));
    mutations = [...schemaMutations(schema, bases), ...kubernetesMutations(bases), ...crossFieldMutations(bases)];
    timings['corpus (bases imported, mutations generated)'] = Date.now() - t;

    t = Date.now();
    const gate = new SchemaGate(VENDOR_DIR);
    for (const b of bases) synthOne(`base:${b.name}`, b.name, b.definition, gate);
    for (const m of mutations) synthOne(m.id, m.base, m.definition, gate);
    timings[`synth of ${bases.length + mutations.length} definitions`] = Date.now() - t;

    t = Date.now();
    cluster = await Cluster.start({ apiServerOnly: true });
    cluster.k(['apply', '--server-side', '-f', path.join(ROOT, 'vendor/crds'), '--recursive']);
    cluster.k(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    timings['API server start, CRDs'] = Date.now() - t;
  }, 600_000);

  afterAll(() => {
    cluster?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (report.length) {
      const lines = ['# API-server differential test', '', ...report, '', '## Durations', '', ...Object.entries(timings).map(([k, ms]) => `- ${k}: ${(ms / 1000).toFixed(1)} s`), ''];
      fs.mkdirSync(path.join(BIN, '..'), { recursive: true });
      fs.writeFileSync(path.join(BIN, '..', 'report-apiserver.md'), lines.join('\n'));
      console.log(lines.join('\n'));
    }
  });

  it('accepts every valid definition', () => {
    const refused = bases.map((b) => outcomes.get(`base:${b.name}`)!).filter((o) => o.errors.length).map((o) => `${o.base}: ${o.errors.slice(0, 3).join('\n  ')}`);
    expect(refused).toEqual([]);
    expect(bases.length).toBeGreaterThanOrEqual(4 + 3 + 4 + 14);
  });

  it('refuses with a located error (file:line:column: error: field) on the definition', () => {
    const refused = [...outcomes.values()].filter((o) => o.errors.length);
    const unlocated = refused.filter((o) => !/^[^\n]+\.yaml:\d+:\d+: error: /.test(o.errors[0])).map((o) => `${o.id}: ${o.errors[0].slice(0, 300)}`);
    expect(unlocated).toEqual([]);
    // how many name the mutated field itself (or the entry it sits in) rather than another one
    const byId = new Map(mutations.map((m) => [m.id, m]));
    const elsewhere: string[] = [];
    const atField = refused.filter((o) => {
      const m = byId.get(o.id);
      if (!m) return false;
      const counter = new LineCounter();
      const doc = parseDocument(fs.readFileSync(o.definitionFile, 'utf8'), { lineCounter: counter });
      for (let n = m.path.length; n > 0; n--) {
        const node = doc.getIn(m.path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
        if (node?.range) {
          const line = counter.linePos(node.range[0]).line;
          const found = o.errors.some((e) => Number(/\.yaml:(\d+):/.exec(e)?.[1]) === line || Number(/\.yaml:(\d+):/.exec(e)?.[1]) === line - 1);
          if (!found) elsewhere.push(`${o.id} (line ${line}): ${o.errors[0].replace(/^.*?\.yaml:/, '').slice(0, 200)}`);
          return found;
        }
      }
      return false;
    }).length;
    report.push(`- refusals whose error names the mutated field's line (or its key's): ${atField} of ${refused.filter((o) => byId.has(o.id)).length}; elsewhere:`, ...elsewhere.map((e) => `  - ${e}`));
  });

  it('reads a CronJob schedule as the API server does, both ways', async () => {
    const api = new ApiClient(cluster.api.url, cluster.api.token);
    try {
      await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cron-probe' } }, { dryRun: false, fieldManager: FIELD_MANAGER });
      const schedules = ['30 3 * * *', '0 0 * * 7', '0 0 * * sun', '0 0 * * SUN-SAT', '@every 1h', '@every 90x', '@midnight', '0 0 1-31/2 * *', '*/0 * * * *', '5-3 * * * *', '0/15 * * * *', '0 0 ? * *', '0 0 * * 0X', '0 0 32 * *', '0 0 * 13 *', '+5 * * * *', 'TZ=UTC 0 0 * * *', '0 0 * * 1,2,3', '* * * *', '0 0 * jan-mar *'];
      const verdicts = await pool(schedules, 4, async (schedule) => {
        const cron: KubeObject = {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: `probe-${digest(schedule).slice(0, 8)}`, namespace: 'cron-probe' },
          spec: { schedule, jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } },
        };
        const a = await api.apply(cron, { dryRun: true, fieldManager: FIELD_MANAGER });
        return { schedule, apiServer: a.status < 300, synth: cronProblem(schedule) === undefined };
      });
      expect(verdicts.filter((v) => v.apiServer !== v.synth)).toEqual([]);
    } finally {
      api.close();
    }
  });

  it('sends every object of every accepted definition to the API server, which refuses none', async () => {
    const t = Date.now();
    const api = new ApiClient(cluster.api.url, cluster.api.token);
    try {
      const accepted = [...outcomes.values()].filter((o) => !o.errors.length);
      // every distinct object once: most mutations change a few objects of their base
      const distinct = new Map<string, KubeObject>();
      const byOutcome = new Map<string, string[]>();
      for (const o of accepted) {
        const keys: string[] = [];
        for (const obj of [...o.objects, ...o.objects.map(podOf).filter((p): p is KubeObject => p !== undefined)]) {
          const key = digest(obj);
          distinct.set(key, obj);
          keys.push(key);
        }
        byOutcome.set(o.id, keys);
      }
      const all = [...distinct.values()];

      // what a cluster has before an instance is applied: its namespaces (Pod Security "restricted"
      // enforced), the service accounts and priority classes its pods name
      const namespaces = new Set(all.flatMap((o) => [o.metadata?.namespace, o.kind === 'Namespace' ? o.metadata?.name : undefined]).filter((n): n is string => typeof n === 'string'));
      const prerequisites: KubeObject[] = [...namespaces].map((name) => ({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' } },
      }));
      const pods = all.filter((o) => o.kind === 'Pod');
      const accounts = new Set(pods.map((p) => `${p.metadata?.namespace}/${(p.spec as any).serviceAccountName ?? 'default'}`));
      const classes = new Set(pods.map((p) => (p.spec as any).priorityClassName).filter((c): c is string => typeof c === 'string'));
      const created = await pool(prerequisites, 8, (o) => api.apply(o, { dryRun: false, fieldManager: FIELD_MANAGER }));
      await pool(
        [
          ...[...accounts].map((a): KubeObject => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: a.split('/')[0], name: a.split('/')[1] } })),
          ...[...classes].map((name): KubeObject => ({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: 1000 })),
        ],
        8,
        (o) => api.apply(o, { dryRun: false, fieldManager: FIELD_MANAGER }),
      );

      const keys = [...distinct.keys()];
      const answers = new Map((await pool(keys, 8, (k) => api.apply(distinct.get(k)!, { dryRun: true, fieldManager: FIELD_MANAGER }))).map((a, i) => [keys[i], a]));
      timings[`dry run of ${keys.length} distinct objects (${accepted.length} accepted definitions), ${prerequisites.length} namespaces`] = Date.now() - t;

      const rejected = new Map<string, string[]>();
      for (const o of accepted) {
        const problems = byOutcome
          .get(o.id)!
          .map((k) => ({ obj: distinct.get(k)!, a: answers.get(k)! }))
          .filter(({ a }) => a.status >= 300)
          .map(({ obj, a }) => `${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name}: ${a.status} ${a.message.slice(0, 400)}`);
        if (problems.length) rejected.set(o.id, [...new Set(problems)]);
      }

      const allowlist = (fs.existsSync(ALLOWLIST) ? (parse(fs.readFileSync(ALLOWLIST, 'utf8')) ?? []) : []) as { id: string; reason: string }[];
      const allowed = new Map(allowlist.map((e) => [e.id, e.reason]));
      const unexpected = [...rejected].filter(([id]) => !allowed.has(id)).map(([id, p]) => `${id}\n    ${p.join('\n    ')}`);
      const stale = allowlist.filter((e) => !rejected.has(e.id)).map((e) => `${e.id}: ${outcomes.get(e.id) ? (outcomes.get(e.id)!.errors.length ? 'now refused by synth' : 'now accepted by the API server') : 'no such mutation'}`);
      const refusedBySynth = [...outcomes.values()].filter((o) => o.errors.length && !o.id.startsWith('base:')).length;
      report.push(
        `- ${bases.length} valid definitions, ${mutations.length} mutations: synth refuses ${refusedBySynth}, accepts ${mutations.length - refusedBySynth}`,
        `- ${keys.length} distinct objects (pod templates also as Pods) dry-run on the API server: ${[...answers.values()].filter((a) => a.status >= 300).length} refused`,
        `- namespaces: ${created.filter((a) => a.status >= 300).length} of ${prerequisites.length} refused on create`,
        `- refused by the API server, accepted by synth: ${rejected.size} (allowlisted: ${[...rejected.keys()].filter((id) => allowed.has(id)).length})`,
        ...[...rejected].map(([id, p]) => `  - ${id}${allowed.has(id) ? ` (allowlisted: ${allowed.get(id)})` : ''}: ${p[0].slice(0, 200)}`),
      );
      expect(unexpected.join('\n')).toBe('');
      expect(stale).toEqual([]);
    } finally {
      api.close();
    }
  }, 900_000);
});
