import { describe, expect, it } from 'vitest';
import {
  ContainerHardening,
  ContainerResources,
  MetadataSyntax,
  NoPlainSecrets,
  ObjectNames,
  ObjectSize,
  PodConsistency,
  PodHardening,
  RULES,
  StandardLabels,
  checkRules,
} from '../../src/rules';
import { KubeObject } from '../../src/output/schema-gate';
import { definition, find, synth } from '../helpers';

const objects = synth(definition());
const compliant = find(objects, 'Deployment', 'test-web') as KubeObject;
const mutate = (f: (o: any) => void, base: KubeObject = compliant): KubeObject => {
  const o = structuredClone(base) as any;
  f(o);
  return o;
};
const c0 = (o: any) => o.spec.template.spec.containers[0];
const pod = (o: any) => o.spec.template.spec;
const messages = (rule: any, obj: KubeObject) => rule.check(obj).map((f: any) => (typeof f === 'string' ? f : f.message));

describe.each(
  [
    [ContainerResources, (o: any) => delete c0(o).resources.limits, /container web has no a memory limit, an ephemeral-storage limit/],
    [ContainerResources, (o: any) => delete c0(o).resources.requests['ephemeral-storage'], /container web has no an ephemeral-storage request/],
    [ContainerResources, (o: any) => delete pod(o).volumes[0].emptyDir.sizeLimit, /emptyDir volume tmp has no sizeLimit/],
    [ContainerHardening, (o: any) => (c0(o).securityContext.readOnlyRootFilesystem = false), /container web: the root filesystem is writable/],
    [PodHardening, (o: any) => delete o.spec.template.spec.automountServiceAccountToken, /mounts the default service account token/],
    [PodHardening, (o: any) => pod(o).volumes.push({ name: 'host', hostPath: { path: '/var' } }), /volume host is a hostPath volume, which Pod Security "restricted" refuses/],
    [PodHardening, (o: any) => (c0(o).securityContext.privileged = true), /container web is privileged/],
    [NoPlainSecrets, (o: any) => c0(o).env.push({ name: 'SMTP_PASSWORD', value: 'hunter2' }), /SMTP_PASSWORD has a literal value/],
    [StandardLabels, (o: any) => delete o.metadata.labels['app.kubernetes.io/version'], /missing labels app.kubernetes.io\/version/],
    [ObjectNames, (o: any) => (o.metadata.namespace = 'Not_A_Namespace'), /metadata.namespace: expected a lowercase DNS label/],
    [ObjectNames, (o: any) => (o.metadata.name = 'x'.repeat(254)), /metadata.name: expected a lowercase DNS name/],
    [MetadataSyntax, (o: any) => (o.metadata.labels['team name'] = 'a'), /label key: expected a key such as example.com\/name/],
    [MetadataSyntax, (o: any) => (o.spec.template.metadata.labels.tier = 'x'.repeat(64)), /pod template label tier: expected a label value/],
    [MetadataSyntax, (o: any) => (o.metadata.annotations = { 'bad//key': 'v' }), /annotation key: expected a key/],
    [MetadataSyntax, (o: any) => (o.metadata.annotations = { big: 'x'.repeat(300 * 1024) }), /annotations hold \d+ bytes, more than the 262144/],
    [MetadataSyntax, (o: any) => (pod(o).affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['a'] }] } }] } }), /matchExpressions\[0\] operator: expected one of In, NotIn, Exists, DoesNotExist, found "Equals"/],
    [MetadataSyntax, (o: any) => (pod(o).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Exists', values: ['a'] }] }] } } }), /operator Exists takes no values/],
    [PodConsistency, (o: any) => pod(o).containers.push({ ...c0(o), ports: undefined }), /two containers are named "web"/],
    [PodConsistency, (o: any) => pod(o).containers.push({ ...c0(o), name: "other" }), /two ports are named "http"/],
    [PodConsistency, (o: any) => pod(o).volumes.push({ name: 'tmp', emptyDir: {} }), /two volumes are named "tmp"/],
    [PodConsistency, (o: any) => c0(o).volumeMounts.push({ name: 'nowhere', mountPath: '/x' }), /mounts volume "nowhere", which the pod does not have/],
    [PodConsistency, (o: any) => (pod(o).hostAliases = [{ ip: '999.1.1.1', hostnames: ['a'] }]), /hostAliases ip: expected an IPv4 or IPv6 address, found "999.1.1.1"/],
    [PodConsistency, (o: any) => (pod(o).affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '', labelSelector: {} }] } }), /empty topologyKey/],
    [PodConsistency, (o: any) => (c0(o).resources.limits.memory = 'lots'), /limits.memory: expected a quantity/],
    [PodConsistency, (o: any) => (c0(o).resources.requests.memory = '4Gi'), /the memory request 4Gi is above its limit/],
    [PodConsistency, (o: any) => c0(o).env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'a key' } } }), /X key: expected a Secret or ConfigMap key/],
    [ObjectSize, (o: any) => (c0(o).args = ['x'.repeat(2 * 1024 * 1024)]), /the object is \d+ bytes, more than the 1572864/],
    [PodConsistency, (o: any) => (pod(o).nodeSelector = { 'pool name': 'web' }), /nodeSelector key: expected a key/],
    [PodConsistency, (o: any) => (pod(o).tolerations = [{ key: 'dedicated', operator: 'Exists', value: 'sidekiq', effect: 'NoSchedule' }]), /operator Exists takes no value/],
    [PodConsistency, (o: any) => (pod(o).priorityClassName = 'High_Priority'), /priorityClassName: expected a lowercase DNS name/],
    [PodConsistency, (o: any) => (pod(o).hostAliases = [{ ip: '10.0.0.1', hostnames: ['db internal'] }]), /hostAliases host name: expected a lowercase DNS name/],
    [PodConsistency, (o: any) => pod(o).volumes.push({ name: 'extra', configMap: { name: 'Corp_CA' } }), /volume extra: the object it mounts: expected a lowercase DNS name/],
    [PodConsistency, (o: any) => pod(o).containers.push({ name: 'noimage', resources: c0(o).resources }), /container noimage has no image/],
    [PodConsistency, (o: any) => c0(o).volumeMounts.push({ name: 'tmp', mountPath: '' }), /mounts volume tmp at an empty path/],
    [PodConsistency, (o: any) => (pod(o).affinity = { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: {} }] } }), /weight 0, expected 1 to 100/],
    [PodConsistency, (o: any) => (pod(o).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } }), /required node affinity has no nodeSelectorTerms/],
  ].map(([rule, breakIt, message]) => [`${(rule as any).id}: ${String(message).slice(1, 40)}`, rule, breakIt, message] as const),
)('%s', (_id, rule: any, breakIt: any, message: any) => {
  it('passes the compliant fixture', () => {
    expect(rule.check(compliant)).toEqual([]);
  });
  it('fails the non-compliant fixture', () => {
    expect(messages(rule, mutate(breakIt))).toEqual([expect.stringMatching(message)]);
  });
});

describe('rule set', () => {
  it('flags a Secret with data', () => {
    expect(NoPlainSecrets.check({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' } })).toEqual([expect.stringMatching(/credentials in git/)]);
  });

  it('flags a Service name the API server refuses (it must start with a letter)', () => {
    const service = find(objects, 'Service', 'test-web');
    expect(messages(ObjectNames, mutate((o) => (o.metadata.name = '1-web'), service))).toEqual([expect.stringMatching(/metadata.name: expected a DNS label that starts with a letter/)]);
  });

  it('keeps the version label to the objects that run the release', () => {
    const service = find(objects, 'Service', 'test-web');
    expect(service.metadata.labels['app.kubernetes.io/version']).toBeUndefined();
    expect(messages(StandardLabels, service)).toEqual([]);
    expect(messages(StandardLabels, mutate((o) => (o.metadata.labels['app.kubernetes.io/version'] = 'v4.5.6'), service))).toEqual([expect.stringMatching(/a Service carries app.kubernetes.io\/version/)]);
    for (const kind of ['Deployment', 'Job', 'CronJob']) for (const o of objects.filter((x) => x.kind === kind)) expect((o.metadata as any).labels['app.kubernetes.io/version'], `${kind} ${o.metadata?.name}`).toBe('v4.5.6');
  });

  it('flags a ConfigMap over 1 MiB', () => {
    const cm = find(objects, 'ConfigMap', 'test-env');
    expect(messages(ObjectSize, mutate((o) => (o.data.HUGE = 'x'.repeat(1024 * 1024)), cm))).toEqual([expect.stringMatching(/holds \d+ bytes of data, more than the 1048576 .*largest: HUGE/)]);
  });

  it('passes every object of a full-featured instance', () => {
    const all = synth(definition({ upgrade: { from: '4.3.8', strategy: 'downtime' }, web: { maxReplicas: 3 }, redis: { main: { external: undefined, redisOperator: {} }, cache: { dragonfly: {} } }, metrics: { prometheus: true, serviceMonitors: true, alerts: true }, search: { host: 'https://es', initialize: true } }));
    expect(all.flatMap((o) => checkRules(o).map((p) => `${o.kind}/${o.metadata?.name}: ${p}`))).toEqual([]);
    expect(RULES.map((r) => r.id).sort()).toEqual(['ContainerHardening', 'ContainerResources', 'MetadataSyntax', 'NoPlainSecrets', 'ObjectNames', 'ObjectSize', 'PodConsistency', 'PodHardening', 'StandardLabels']);
  });
});
