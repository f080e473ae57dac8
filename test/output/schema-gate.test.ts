import { describe, expect, it } from 'vitest';
import { SchemaGate, strictify } from '../../src/output/schema-gate';
import { VENDOR_DIR } from '../../src/paths';
import { definition, find, synth } from '../helpers';

// no memory of earlier passes: every object really goes through the validators
const gate = new SchemaGate(VENDOR_DIR, undefined, false);

describe('schema gate', () => {
  const objects = synth(definition({ redis: { main: { external: undefined, dragonfly: {} } }, metrics: { prometheus: true, serviceMonitors: true, alerts: true } }));

  it('passes every object the generator emits, core and custom', () => {
    const kinds = new Set(objects.map((o) => o.kind));
    expect([...kinds]).toEqual(expect.arrayContaining(['Deployment', 'Job', 'Ingress', 'Dragonfly', 'Kustomization', 'PodMonitor', 'PrometheusRule']));
    for (const o of objects) expect(gate.validate(o), `${o.kind}/${o.metadata?.name}`).toEqual([]);
  });

  it('rejects an unknown field in a core object, for both Kubernetes versions', () => {
    const dep = structuredClone(find(objects, 'Deployment', 'test-web'));
    dep.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const problems = gate.validate(dep);
    expect(problems).toEqual([
      'Kubernetes v1.28.0: spec.template.spec.containers[0].imagePullPolicyy: unknown field',
      'Kubernetes v1.36.0: spec.template.spec.containers[0].imagePullPolicyy: unknown field',
    ]);
  });

  it('rejects a wrong type in a core object', () => {
    const dep = structuredClone(find(objects, 'Deployment', 'test-web'));
    dep.spec.revisionHistoryLimit = 'three';
    expect(gate.validate(dep)[0]).toBe('Kubernetes v1.28.0: spec.revisionHistoryLimit: must be integer');
  });

  it('rejects an unknown field and a wrong value in a custom resource', () => {
    const df = structuredClone(find(objects, 'Dragonfly', 'test-redis-main'));
    df.spec.replicaz = 2;
    expect(gate.validate(df)).toEqual(['CRD: spec.replicaz: unknown field']);
    const ks = structuredClone(find(objects, 'Kustomization', 'test-app'));
    ks.spec.sourceRef.kind = 'HelmRepository';
    expect(gate.validate(ks)[0]).toMatch(/^CRD: spec.sourceRef.kind: must be equal to one of the allowed values/);
  });

  it('rejects kinds it has no schema for', () => {
    expect(gate.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Kubernetes v1.28.0: no schema for example.com/v1 Widget (add it to CORE_KINDS if it exists)',
      'Kubernetes v1.36.0: no schema for example.com/v1 Widget (add it to CORE_KINDS if it exists)',
    ]);
  });

  it('remembers passing objects only: a failing object fails again', () => {
    const first = new SchemaGate(VENDOR_DIR);
    const dep = find(objects, 'Deployment', 'test-web');
    expect(first.validate(dep)).toEqual([]);
    const bad = structuredClone(dep);
    bad.spec.bogus = 1;
    expect(first.validate(bad)).not.toEqual([]);
    first.save();
    const second = new SchemaGate(VENDOR_DIR);
    expect(second.validate(dep)).toEqual([]);
    expect(second.validate(bad)).not.toEqual([]);
  });

  it('strictify closes objects but keeps preserve-unknown-fields open and translates (?i)', () => {
    expect(strictify({ type: 'object', properties: { a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { b: {} } } } })).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: { a: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { b: {} } } },
    });
    expect((strictify({ type: 'string', pattern: '^(?i)(abort|warn)?$' }) as any).pattern).toBe('^([aA][bB][oO][rR][tT]|[wW][aA][rR][nN])?$');
  });
});
