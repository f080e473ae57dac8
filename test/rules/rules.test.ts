import { describe, expect, it } from 'vitest';
import { ContainerHardening, ContainerResources, NoPlainSecrets, PodHardening, RULES, StandardLabels, checkRules } from '../../src/rules';
import { KubeObject } from '../../src/output/schema-gate';
import { definition, find, synth } from '../helpers';

const compliant = find(synth(definition()), 'Deployment', 'test-web') as KubeObject;
const mutate = (f: (o: any) => void): KubeObject => {
  const o = structuredClone(compliant) as any;
  f(o);
  return o;
};
const c0 = (o: any) => o.spec.template.spec.containers[0];

describe.each(
  [
  [ContainerResources, (o: any) => delete c0(o).resources.limits, /container web has no a memory limit/],
  [ContainerHardening, (o: any) => (c0(o).securityContext.readOnlyRootFilesystem = false), /container web: the root filesystem is writable/],
  [PodHardening, (o: any) => delete o.spec.template.spec.automountServiceAccountToken, /mounts the default service account token/],
  [NoPlainSecrets, (o: any) => c0(o).env.push({ name: 'SMTP_PASSWORD', value: 'hunter2' }), /SMTP_PASSWORD has a literal value/],
  [StandardLabels, (o: any) => delete o.metadata.labels['app.kubernetes.io/version'], /missing labels app.kubernetes.io\/version/],
  ].map(([rule, breakIt, message]) => [(rule as any).id, rule, breakIt, message] as const),
)('%s', (_id, rule: any, breakIt: any, message: any) => {
  it('passes the compliant fixture', () => {
    expect(rule.check(compliant)).toEqual([]);
  });
  it('fails the non-compliant fixture', () => {
    expect(rule.check(mutate(breakIt))).toEqual([expect.stringMatching(message)]);
  });
});

describe('rule set', () => {
  it('flags a Secret with data', () => {
    expect(NoPlainSecrets.check({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' } })).toEqual([expect.stringMatching(/credentials in git/)]);
  });

  it('passes every object of a full-featured instance', () => {
    const all = synth(definition({ upgrade: { from: '4.3.8', strategy: 'downtime' }, web: { maxReplicas: 3 }, redis: { main: { external: undefined, redisOperator: {} }, cache: { dragonfly: {} } }, metrics: { prometheus: true, serviceMonitors: true, alerts: true }, search: { host: 'https://es', initialize: true } }));
    expect(all.flatMap((o) => checkRules(o).map((p) => `${o.kind}/${o.metadata?.name}: ${p}`))).toEqual([]);
    expect(RULES.length).toBe(5);
  });
});
