/** Test helpers: a minimal valid definition, and shortcuts from definition to synthesized objects. */
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { InstanceCharts } from '../charts/instance';
import { parseDefinition } from '../src/definition/load';
import { DefinitionError, formatProblem } from '../src/definition/problems';
import { InstanceModel, ModelError, buildModel } from '../src/model/model';
import { KubeObject } from '../src/output/schema-gate';

export type Json = Record<string, unknown>;

/** The smallest definition that synthesizes (Mastodon 4.5, one Sidekiq group). */
export function baseDefinition(): Json {
  return {
    name: 'test',
    version: '4.5.6',
    domain: 'example.social',
    sidekiq: { groups: [{ name: 'all', queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', 'fasp'] }] },
    database: { host: 'db.internal', passwordSecret: { name: 'db', key: 'password' } },
    redis: { main: { external: { host: 'redis.internal' } } },
    storage: { s3: { bucket: 'media', accessKeyIdSecret: { name: 's3', key: 'id' }, secretAccessKeySecret: { name: 's3', key: 'secret' } } },
    secrets: { core: 'core' },
    traffic: { ingress: { clusterIssuer: 'letsencrypt' } },
    flux: { sourceName: 'manifests' },
  };
}

/** Deep-merge patches into the base definition (arrays and null replace). */
export function definition(...patches: Json[]): Json {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const out: Json = { ...(a as Json) };
      for (const [k, v] of Object.entries(b as Json)) {
        if (v === undefined) delete out[k];
        else out[k] = merge(out[k], v);
      }
      return out;
    }
    return b;
  };
  return patches.reduce((acc, p) => merge(acc, p) as Json, baseDefinition());
}

export function model(def: Json = baseDefinition()): InstanceModel {
  const { instance } = parseDefinition(stringify(def), 'test.yaml');
  return buildModel(instance);
}

/** Messages a definition is rejected with ([] when it is accepted). */
export function problems(def: Json): string[] {
  try {
    model(def);
    return [];
  } catch (e) {
    if (e instanceof ModelError) return e.problems.map((p) => p.message);
    if (e instanceof DefinitionError) return e.problems.map((p) => formatProblem(p));
    throw e;
  }
}

export function synth(def: Json = baseDefinition()): KubeObject[] {
  const charts = new InstanceCharts(model(def));
  return [...charts.stages.map((s) => s.chart), ...(charts.flux ? [charts.flux] : [])].flatMap((c) => c.toJson() as KubeObject[]);
}

/** The synthesized objects of each apply stage (base, pre-deploy, app, post-deploy) and of the Flux objects (flux). */
export function synthStages(def: Json = baseDefinition()): Record<string, KubeObject[]> {
  const charts = new InstanceCharts(model(def));
  const stages: Record<string, KubeObject[]> = Object.fromEntries(charts.stages.map((s) => [s.id, s.chart.toJson() as KubeObject[]]));
  if (charts.flux) stages.flux = charts.flux.toJson() as KubeObject[];
  return stages;
}

export function find(objects: KubeObject[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  return found;
}

export function container(deployment: any, name?: string): any {
  const containers = deployment.spec.template.spec.containers;
  return name ? containers.find((c: any) => c.name === name) : containers[0];
}

export function envOf(c: any): Record<string, any> {
  return Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** The construct validation errors `app.synth()` reports, one a line ([] when it synthesizes). */
export function synthErrors(app: App): string[] {
  try {
    app.synth();
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
}
