import { describe, expect, it } from 'vitest';
import {
  ContainerHardening,
  ContainerResources,
  ContainerSpec,
  ListKeys,
  MetadataSyntax,
  NoPlainSecrets,
  ObjectNames,
  ObjectSize,
  PodConsistency,
  PodHardening,
  RULES,
  StandardLabels,
  VolumeSources,
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
    [PodConsistency, (o: any) => (pod(o).tolerations = [{ operator: 'Equal', value: 'x' }]), /a toleration without a key matches every taint and needs operator Exists, found "Equal"/],
    [PodConsistency, (o: any) => (pod(o).tolerations = [{ key: 'a', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }]), /tolerationSeconds needs effect NoExecute, found "NoSchedule"/],
    [PodConsistency, (o: any) => (pod(o).affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'not a key' }] } }), /topologyKey: expected a key/],
    [PodConsistency, (o: any) => (pod(o).affinity = { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'zone', namespaces: ['Bad_NS'] }] } }), /pod affinity term namespaces: expected a lowercase DNS label/],
    [MetadataSyntax, (o: any) => (pod(o).affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.label', operator: 'In', values: ['x'] }] }] } } }), /matchFields key: expected metadata.name/],
    [PodHardening, (o: any) => (c0(o).securityContext.runAsUser = 0), /container web sets runAsUser 0/],
    [PodHardening, (o: any) => (c0(o).securityContext.seccompProfile = { type: 'Unconfined' }), /container web sets seccomp profile Unconfined/],
    [PodHardening, (o: any) => (c0(o).securityContext.seLinuxOptions = { type: 'spc_t' }), /container web sets SELinux options Pod Security refuses/],
    [ContainerSpec, (o: any) => (c0(o).ports = [{ containerPort: 65536 }]), /containerPort 65536: expected 1 to 65535/],
    [ContainerSpec, (o: any) => (c0(o).ports = [{ containerPort: 80, protocol: 'HTTP' }]), /port protocol: expected TCP, UDP or SCTP/],
    [ContainerSpec, (o: any) => (c0(o).readinessProbe = { periodSeconds: 5 }), /readinessProbe: expected exactly one of exec, httpGet, tcpSocket, grpc, found none/],
    [ContainerSpec, (o: any) => (c0(o).livenessProbe = { ...c0(o).livenessProbe, exec: { command: ['true'] } }), /livenessProbe: expected exactly one of .* found \w+ and \w+/],
    [ContainerSpec, (o: any) => (c0(o).livenessProbe = { ...c0(o).livenessProbe, successThreshold: 2 }), /livenessProbe.successThreshold: expected 1, found 2/],
    [ContainerSpec, (o: any) => (pod(o).initContainers = [{ ...c0(o), name: 'init', livenessProbe: undefined, startupProbe: undefined, lifecycle: undefined, readinessProbe: { exec: { command: ['true'] } } }]), /readinessProbe: an init container has no probes/],
    [ContainerSpec, (o: any) => (pod(o).initContainers = [{ ...c0(o), name: 'init', livenessProbe: undefined, startupProbe: undefined, readinessProbe: undefined, lifecycle: { postStart: { exec: { command: ['true'] } } } }]), /lifecycle: an init container has no lifecycle hooks/],
    [ContainerSpec, (o: any) => (c0(o).lifecycle = { preStop: {} }), /lifecycle.preStop: expected exactly one of exec, httpGet, tcpSocket, sleep, found none/],
    [ContainerSpec, (o: any) => (c0(o).restartPolicy = 'Always'), /restartPolicy: only an init container may set one/],
    [ContainerSpec, (o: any) => c0(o).env.push({ name: 'X', value: 'a', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }), /X: either value or valueFrom, not both/],
    [ContainerSpec, (o: any) => c0(o).env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 'S_1', key: 'k' } } }), /X: secretKeyRef.name: expected a lowercase DNS name/],
    [ContainerSpec, (o: any) => c0(o).env.push({ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }), /X: fieldRef.fieldPath: expected one of metadata.name/],
    [ContainerSpec, (o: any) => (c0(o).envFrom = [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }]), /envFrom: expected exactly one of configMapRef, secretRef, found 2/],
    [ContainerSpec, (o: any) => (c0(o).resources.requests.gpu = '1'), /requests.gpu: expected cpu, memory, ephemeral-storage/],
    [ContainerSpec, (o: any) => (c0(o).resources.requests.cpu = '-1'), /requests.cpu: expected a quantity of at least 0, found -1/],
    [ContainerSpec, (o: any) => (c0(o).volumeMounts[0].subPath = '../up'), /subPath: expected a path without ".." elements/],
    [ContainerSpec, (o: any) => (c0(o).volumeMounts[0].subPath = '/abs'), /subPath: expected a relative path/],
    [ContainerSpec, (o: any) => Object.assign(c0(o).volumeMounts[0], { subPath: 'a', subPathExpr: '$(B)' }), /subPath and subPathExpr are mutually exclusive/],
    [ContainerSpec, (o: any) => (c0(o).volumeMounts[0].mountPropagation = 'Bidirectional'), /mountPropagation Bidirectional needs a privileged container/],
    [ContainerSpec, (o: any) => (c0(o).volumeDevices = [{ name: 'nope', devicePath: '/dev/x' }]), /volumeDevices: the pod has no volume "nope"/],
    [ContainerSpec, (o: any) => (c0(o).imagePullPolicy = 'Sometimes'), /imagePullPolicy: expected Always, IfNotPresent or Never/],
    [ContainerSpec, (o: any) => (c0(o).terminationMessagePolicy = 'Nope'), /terminationMessagePolicy: expected File or FallbackToLogsOnError/],
    [ContainerSpec, (o: any) => (c0(o).securityContext.procMount = 'Unmasked'), /procMount Unmasked: only Default/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', emptyDir: { sizeLimit: '1Gi' }, configMap: { name: 'x' } }), /volume x: expected one volume source, found emptyDir and configMap/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', configMap: { name: 'x', items: [{ key: 'a', path: '../a' }] } }), /configMap item path: expected a path without ".." elements/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', configMap: { name: 'x', items: [{ key: 'a', path: '/a' }] } }), /configMap item path: expected a relative path/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', configMap: { name: 'x', defaultMode: 512 } }), /defaultMode: expected 0 to 0777, found 512/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 60 } }] } }), /expirationSeconds: expected at least 600/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', downwardAPI: { items: [{ path: 'x', fieldRef: { fieldPath: 'spec.nope' } }] } }), /downwardAPI item fieldRef.fieldPath: expected one of/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', ephemeral: {} }), /ephemeral: a volumeClaimTemplate is required/],
    [VolumeSources, (o: any) => pod(o).volumes.push({ name: 'x', csi: { driver: '' } }), /csi: a driver is required/],
    [VolumeSources, (o: any) => (pod(o).volumes[0].emptyDir.sizeLimit = '-1Gi'), /emptyDir sizeLimit: expected a size such as 1Gi, found "-1Gi"/],
    [ListKeys, (o: any) => (pod(o).hostAliases = [{ ip: '10.0.0.1', hostnames: ['a'] }, { ip: '10.0.0.1', hostnames: ['b'] }]), /hostAliases: two entries for 10.0.0.1; server-side apply refuses duplicate keys/],
    [ListKeys, (o: any) => c0(o).ports.push({ ...c0(o).ports[0], name: 'other' }), /container web ports: two entries for \d+\/TCP/],
    [ListKeys, (o: any) => c0(o).env.push({ ...c0(o).env[0] }), /container web env: two entries for/],
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

  it('names the selector a metadata problem is in by its full path below spec', () => {
    const bad = mutate((o) => {
      pod(o).affinity = {
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'bad key': 'x' }, matchExpressions: [{ key: 'app', operator: 'Equals' }] } }] },
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In' }], matchFields: [{ key: 'x' }] }] } },
      };
    });
    const at = 'spec.template.spec.affinity';
    expect(messages(MetadataSyntax, bad)).toEqual([
      expect.stringMatching(new RegExp(`^${at}.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution\\[0\\].labelSelector.matchLabels key: expected a key such as`)),
      `${at}.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0] operator: expected one of In, NotIn, Exists, DoesNotExist, found "Equals"`,
      `${at}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]: operator In needs at least one value`,
      `${at}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields key: expected metadata.name, found "x"`,
    ]);
  });

  it('flags a ConfigMap over 1 MiB', () => {
    const cm = find(objects, 'ConfigMap', 'test-env');
    expect(messages(ObjectSize, mutate((o) => (o.data.HUGE = 'x'.repeat(1024 * 1024)), cm))).toEqual([expect.stringMatching(/holds \d+ bytes of data, more than the 1048576 .*largest: HUGE/)]);
  });

  it('passes every object of a full-featured instance', () => {
    const all = synth(definition({ upgrade: { from: '4.3.8', strategy: 'downtime' }, web: { maxReplicas: 3 }, redis: { main: { external: undefined, redisOperator: {} }, cache: { dragonfly: {} } }, metrics: { prometheus: true, serviceMonitors: true, alerts: true }, search: { host: 'https://es', initialize: true } }));
    expect(all.flatMap((o) => checkRules(o).map((p) => `${o.kind}/${o.metadata?.name}: ${p}`))).toEqual([]);
    expect(RULES.map((r) => r.id).sort()).toEqual(['ContainerHardening', 'ContainerResources', 'ContainerSpec', 'ListKeys', 'MetadataSyntax', 'NoPlainSecrets', 'ObjectNames', 'ObjectSize', 'PodConsistency', 'PodHardening', 'StandardLabels', 'VolumeSources']);
  });
});
