import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { InstanceCharts } from '../../charts/instance';
import { parseDefinition } from '../../src/definition/load';
import { buildModel } from '../../src/model/model';
import { renderInstance } from '../../src/output/render';
import { definition, problems } from '../helpers';

const argocd = (extra: object = {}) => definition({ flux: undefined, argocd: extra, upgrade: { from: '4.3.0', strategy: 'downtime' } });
const chartsOf = (def: any) => new InstanceCharts(buildModel(parseDefinition(stringify(def), 'test.yaml').instance));

describe('Argo CD sync waves', () => {
  const charts = chartsOf(argocd());

  it('puts every object of a stage in the stage\'s wave: base 0, pre-deploy 1, app 2, post-deploy 3', () => {
    const waves = charts.stages.map((s) => [s.id, [...new Set((s.chart.toJson() as any[]).map((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave']))]]);
    expect(waves).toEqual([['base', ['0']], ['pre-deploy', ['1']], ['app', ['2']], ['post-deploy', ['3']]]);
    expect(charts.flux).toBeUndefined();
  });

  it('uses no hooks, and replaces the Jobs whose spec changed', () => {
    const objects = charts.stages.flatMap((s) => s.chart.toJson() as any[]);
    expect(objects.filter((o) => Object.keys(o.metadata.annotations ?? {}).some((k) => k.startsWith('argocd.argoproj.io/hook')))).toEqual([]);
    const jobs = objects.filter((o) => o.kind === 'Job');
    expect(jobs.map((j) => j.metadata.name).sort()).toEqual(['test-db-migrate-downtime-4-5-6', 'test-db-migrate-post-4-5-6']);
    for (const j of jobs) expect(j.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('Force=true,Replace=true');
  });

  it('starts at firstWave when the Application holds other objects', () => {
    const first = chartsOf(argocd({ firstWave: -5 })).stages.map((s) => (s.chart.toJson() as any[])[0].metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(first).toEqual(['-5', '-4', '-3', '-2']);
  });

  it('has a top-level kustomization with every stage, saying how Argo CD orders them', () => {
    const top = renderInstance(buildModel(parseDefinition(stringify(argocd()), 'test.yaml').instance), 'instances/test.yaml').files.get('kustomization.yaml')!;
    expect(top).toMatch(/an Argo CD Application pointed here syncs them in the order of their sync waves/);
    expect(parse(top).resources).toEqual(['00-base', '10-pre-deploy', '20-app', '30-post-deploy']);
  });

  it('carries no wave without argocd', () => {
    const objects = chartsOf(definition()).stages.flatMap((s) => s.chart.toJson() as any[]);
    expect(objects.filter((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] !== undefined)).toEqual([]);
  });

  it('refuses flux and argocd together', () => {
    expect(problems(definition({ argocd: {} }))).toEqual([expect.stringContaining('expected one GitOps tool to order the stages, found both flux and argocd')]);
  });
});
