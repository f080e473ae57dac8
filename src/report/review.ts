/**
 * A review of what a synthesis changes, for a pull request: per instance, the behaviour that changes (release,
 * Jobs that will run and in which order, replicas and autoscaling, resources, environment per process, hosts,
 * objects created and deleted, the database connection budget, warnings) and a Mermaid picture of the topology.
 * It reads objects, not YAML lines: a change that only moves a label is not a change in behaviour.
 */
import { parse } from 'yaml';
import { InstanceModel } from '../model/model';
import { RenderedInstance } from '../output/render';
import { KubeObject } from '../output/schema-gate';

type Obj = KubeObject & { spec?: any; data?: Record<string, string>; metadata: { name: string; namespace?: string; labels?: Record<string, string> } };

export interface ReviewSide {
  /** dist/<instance>/ file → content */
  readonly files: ReadonlyMap<string, string>;
  readonly model?: InstanceModel;
  readonly warnings?: readonly string[];
}

const STAGES: [string, string][] = [
  ['00-base', 'base'],
  ['10-pre-deploy', 'before the rollout'],
  ['20-app', 'the rollout'],
  ['30-post-deploy', 'after the rollout'],
];

function objectsOf(files: ReadonlyMap<string, string>): Map<string, { file: string; obj: Obj }> {
  const out = new Map<string, { file: string; obj: Obj }>();
  for (const [file, text] of files) {
    if (file.endsWith('kustomization.yaml')) continue;
    const obj = parse(text) as Obj;
    if (obj?.kind) out.set(`${obj.kind}/${obj.metadata.name}`, { file, obj });
  }
  return out;
}

function podSpec(o: Obj): any {
  return o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
}

function containerEnv(c: any): Map<string, string> {
  return new Map((c.env ?? []).map((e: any) => [e.name, e.value !== undefined ? JSON.stringify(e.value) : e.valueFrom?.secretKeyRef ? `Secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}` : 'from elsewhere']));
}

function mapDiff(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const k of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const a = before.get(k);
    const b = after.get(k);
    if (a === b) continue;
    out.push(a === undefined ? `+ \`${k}\` = ${b}` : b === undefined ? `− \`${k}\` (was ${a})` : `\`${k}\`: ${a} → ${b}`);
  }
  return out;
}

function resources(c: any): string {
  const r = c.resources ?? {};
  const q = (k: string, v: any) => `${k} ${v}`;
  return [...Object.entries(r.requests ?? {}).map(([k, v]) => q(`${k} request`, v)), ...Object.entries(r.limits ?? {}).map(([k, v]) => q(`${k} limit`, v))].join(', ');
}

function scaling(o: Obj, all: Map<string, { obj: Obj }>): string {
  const hpa = all.get(`HorizontalPodAutoscaler/${o.metadata.name}`)?.obj;
  const keda = all.get(`ScaledObject/${o.metadata.name}`)?.obj;
  if (hpa) return `${hpa.spec.minReplicas}–${hpa.spec.maxReplicas} replicas (CPU)`;
  if (keda) return `${keda.spec.minReplicaCount}–${keda.spec.maxReplicaCount} replicas (queue length)`;
  return `${o.spec?.replicas ?? 1} replica(s)`;
}

function hosts(o: Obj): string[] {
  if (o.kind === 'Ingress') return (o.spec.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => `${r.host}${p.path}`));
  if (o.kind === 'HTTPRoute') return (o.spec.hostnames ?? []).map(String);
  return [];
}

function budget(m: InstanceModel | undefined): string {
  if (!m) return 'unknown';
  const c = m.connections;
  return `${c.app}/${c.appLimit} (${c.appTarget})${c.appTarget === 'pooler' ? `, direct ${c.direct}/${c.directLimit}` : ''}`;
}

/** Processes, queues, Redis, database, search and traffic of one instance, as a Mermaid flowchart. */
export function topology(m: InstanceModel): string {
  const d = m.def;
  const id = (s: string) => s.replace(/[^A-Za-z0-9]/g, '_');
  const lines = ['```mermaid', 'flowchart LR'];
  const gateway = d.traffic.gateway;
  const entry = m.ingressController ? `Ingress ${m.ingressController.className}` : gateway ? `Gateway ${gateway.namespace}/${gateway.name}` : 'no route';
  lines.push(`  users((users)) --> traffic["${entry}<br/>${m.webDomain}"]`);
  lines.push(`  traffic --> web["web ×${d.web.replicas}${d.web.maxReplicas ? `–${d.web.maxReplicas}` : ''}<br/>${d.web.workers}×${d.web.threads} threads"]`);
  lines.push(`  traffic --> streaming["streaming ×${d.streaming.replicas}${d.streaming.maxReplicas ? `–${d.streaming.maxReplicas}` : ''}"]`);
  const db = d.database.pooler ? `PgBouncer ${d.database.pooler.host}` : `PostgreSQL ${d.database.host}`;
  lines.push(`  db[("${db}")]`);
  for (const p of ['web', 'streaming']) lines.push(`  ${p} --> db`);
  for (const g of m.sidekiqGroups) {
    const node = id(`sidekiq_${g.name}`);
    lines.push(`  ${node}["sidekiq ${g.name} ×${g.replicas}${g.maxReplicas ? `–${g.maxReplicas}` : ''}<br/>${g.queues.map((q) => q.name).join(', ')}<br/>${g.concurrency} threads"] --> db`);
  }
  for (const ep of Object.values(m.redis)) {
    if (ep.inherited) continue;
    const node = id(`redis_${ep.role}`);
    lines.push(`  ${node}[("Redis ${ep.role}: ${ep.backend}")]`);
    const users = ep.role === 'sidekiq' ? m.sidekiqGroups.map((g) => id(`sidekiq_${g.name}`)) : ep.role === 'cache' ? ['web'] : ['web', 'streaming', ...m.sidekiqGroups.map((g) => id(`sidekiq_${g.name}`))];
    for (const u of users) lines.push(`  ${u} --> ${node}`);
  }
  if (d.search) lines.push(`  search[("search ${d.search.host}")]`, '  web --> search', ...m.sidekiqGroups.map((g) => `  ${id(`sidekiq_${g.name}`)} --> search`));
  lines.push(`  media[("${d.storage.s3 ? `S3 ${d.storage.s3.bucket}` : `volume ${d.storage.volume?.size}`}")]`, '  web --> media');
  lines.push('```');
  return lines.join('\n');
}

/** The review of one instance, in Markdown. */
export function reviewInstance(name: string, before: ReviewSide | undefined, after: { rendered: RenderedInstance; model: InstanceModel; warnings: readonly string[] } | undefined): string {
  const out: string[] = [];
  const old = objectsOf(before?.files ?? new Map());
  const now = after ? new Map(after.rendered.objects.map(({ file, object }) => [`${object.kind}/${object.metadata?.name}`, { file, obj: object as Obj }])) : new Map<string, { file: string; obj: Obj }>();
  if (!after) return `## ${name}: removed\n\nEvery object of the instance is pruned (the namespace and the media volume are kept: Flux does not prune them).\n`;
  const m = after.model;
  const was = before?.model;
  out.push(`## ${name}${old.size === 0 ? ' (new instance)' : ''}`, '');
  const oldVersion = [...old.values()].find(({ obj }) => obj.kind === 'Deployment')?.obj.metadata.labels?.['app.kubernetes.io/version'];
  if (oldVersion && oldVersion !== m.tag) out.push(`**Mastodon ${oldVersion} → ${m.tag}**${m.downtimeUpgrade ? ' (downtime upgrade: every process is stopped while all migrations run)' : ''}`, '');
  else out.push(`Mastodon ${m.tag}${oldVersion ? ', unchanged' : ''}`, '');

  // Jobs: a Job whose name is new runs; one that exists already does not run again
  const newJobs = [...now.values()].filter(({ obj }) => obj.kind === 'Job' && !old.has(`Job/${obj.metadata.name}`));
  if (newJobs.length) {
    out.push('### Jobs that will run, in this order', '');
    let n = 1;
    for (const [dir, when] of STAGES) {
      for (const { file, obj } of newJobs.filter((j) => j.file.startsWith(`${dir}/`))) {
        const c = podSpec(obj).containers[0];
        out.push(`${n++}. \`${obj.metadata.name}\` (${when}): \`${(c.args ?? []).join(' ')}\` — ${file}`);
      }
    }
    out.push('');
  }

  const changes: string[] = [];
  const created = [...now.keys()].filter((k) => !old.has(k) && !k.startsWith('Job/')).sort();
  const deleted = [...old.keys()].filter((k) => !now.has(k) && !k.startsWith('Job/')).sort();
  for (const [key, { obj }] of [...now.entries()].sort()) {
    const prev = old.get(key)?.obj;
    if (!prev) continue;
    const lines: string[] = [];
    if (obj.kind === 'ConfigMap' && obj.metadata.name === `${m.name}-env`) lines.push(...mapDiff(new Map(Object.entries(prev.data ?? {}).map(([k, v]) => [k, JSON.stringify(v)])), new Map(Object.entries(obj.data ?? {}).map(([k, v]) => [k, JSON.stringify(v)]))).map((l) => `environment of every process: ${l}`));
    const spec = podSpec(obj);
    const prevSpec = podSpec(prev);
    if (spec && prevSpec && obj.kind !== 'Job') {
      const a = scaling(prev, old);
      const b = scaling(obj, now);
      if (a !== b) lines.push(`${a} → ${b}`);
      for (const c of spec.containers) {
        const pc = prevSpec.containers.find((x: any) => x.name === c.name);
        if (!pc) {
          lines.push(`+ container \`${c.name}\` (${c.image})`);
          continue;
        }
        if (pc.image !== c.image) lines.push(`container \`${c.name}\`: image ${pc.image} → ${c.image}`);
        if (resources(pc) !== resources(c)) lines.push(`container \`${c.name}\`: ${resources(pc)} → ${resources(c)}`);
        if (JSON.stringify(pc.args) !== JSON.stringify(c.args)) lines.push(`container \`${c.name}\`: \`${(pc.args ?? []).join(' ')}\` → \`${(c.args ?? []).join(' ')}\``);
        lines.push(...mapDiff(containerEnv(pc), containerEnv(c)).map((l) => `container \`${c.name}\`: ${l}`));
      }
      for (const pc of prevSpec.containers) if (!spec.containers.some((c: any) => c.name === pc.name)) lines.push(`− container \`${pc.name}\``);
    }
    const h0 = hosts(prev).join(', ');
    const h1 = hosts(obj).join(', ');
    if (h0 !== h1) lines.push(`hosts ${h0 || 'none'} → ${h1 || 'none'}`);
    if (lines.length) changes.push(`- **${key}**`, ...lines.map((l) => `  - ${l}`));
  }
  if (changes.length) out.push('### What changes', '', ...changes, '');
  if (created.length) out.push('### Objects created', '', ...created.map((k) => `- ${k}`), '');
  if (deleted.length) out.push('### Objects deleted (pruned)', '', ...deleted.map((k) => `- ${k}`), '');
  const budgetNow = budget(m);
  out.push(`Database connections, worst case: ${was ? `${budget(was)} → ` : ''}${budgetNow}`, '');
  if (after.warnings.length) out.push('### Warnings', '', ...after.warnings.map((w) => `- ${w}`), '');
  if (!newJobs.length && !changes.length && !created.length && !deleted.length) out.push('No change in behaviour.', '');
  out.push('<details><summary>Topology</summary>', '', topology(m), '', '</details>', '');
  return out.join('\n');
}
