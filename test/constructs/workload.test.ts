import { describe, expect, it } from 'vitest';
import { SchemaGate } from '../../src/output/schema-gate';
import { VENDOR_DIR } from '../../src/paths';
import { container, definition, envOf, find, problems, synth } from '../helpers';

const gate = new SchemaGate(VENDOR_DIR, undefined, false);

const additions = {
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'In', values: ['web'] }] }] } } },
  priorityClassName: 'mastodon-high',
  podAnnotations: { 'reloader.stakater.com/auto': 'true' },
  podLabels: { team: 'social' },
  hostAliases: [{ ip: '10.0.0.5', hostnames: ['db.internal'] }],
  extraEnv: { GITHUB_REPOSITORY: 'example/mastodon' },
  envFrom: [{ configMap: 'branding' }, { secret: 'translation' }],
  extraVolumes: [{ name: 'corp-ca', configMap: { name: 'corp-ca' } }],
  extraVolumeMounts: [{ name: 'corp-ca', mountPath: '/etc/ssl/corp', readOnly: true }],
  sidecars: [{ name: 'log-shipper', image: 'fluent/fluent-bit:3.2', resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } }],
  extraInitContainers: [{ name: 'wait-for-db', image: 'busybox:1.37', args: ['true'], resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } } }],
};

describe('pod additions (the Helm charts\' affinity, priority, sidecars, extra env and volumes)', () => {
  // separate copies: shared objects would become YAML aliases of one node
  const a = () => structuredClone(additions);
  const objects = synth(definition({ web: a(), streaming: a(), sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'], ...a() }] }, jobs: a() }));
  const pods = {
    web: find(objects, 'Deployment', 'test-web').spec.template,
    streaming: find(objects, 'Deployment', 'test-streaming').spec.template,
    sidekiq: find(objects, 'Deployment', 'test-sidekiq-all').spec.template,
    job: find(objects, 'Job', 'test-db-migrate-pre-4-5-6').spec.template,
    cronJob: find(objects, 'CronJob', 'test-media-remove').spec.jobTemplate.spec.template,
  };

  it('reach every process and every Job pod', () => {
    for (const [name, pod] of Object.entries(pods)) {
      expect(pod.spec, name).toMatchObject({ affinity: additions.affinity, priorityClassName: 'mastodon-high', hostAliases: additions.hostAliases });
      expect(pod.metadata.annotations, name).toMatchObject(additions.podAnnotations);
      expect(pod.metadata.labels, name).toMatchObject({ team: 'social', 'app.kubernetes.io/instance': 'test' });
      expect(pod.spec.volumes, name).toContainEqual(additions.extraVolumes[0]);
      const main = pod.spec.containers[0];
      expect(main.volumeMounts, name).toContainEqual(additions.extraVolumeMounts[0]);
      expect(envOf(main).GITHUB_REPOSITORY, name).toBe('example/mastodon');
      expect(main.envFrom.slice(-2), name).toEqual([{ configMapRef: { name: 'branding' } }, { secretRef: { name: 'translation' } }]);
      // sidecars and init containers are hardened like the generated ones unless they say otherwise
      const sidecar = pod.spec.containers.find((c: any) => c.name === 'log-shipper');
      expect(sidecar.securityContext, name).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
      expect(pod.spec.initContainers[0].name, name).toBe('wait-for-db');
    }
  });

  it('keep the generated pieces: selectors, checksum, the Rails tmp seeding', () => {
    expect(find(objects, 'Deployment', 'test-web').spec.selector.matchLabels).not.toHaveProperty('team');
    expect(pods.web.metadata.annotations).toHaveProperty('checksum/config');
    expect(pods.web.spec.initContainers.map((c: any) => c.name)).toEqual(['wait-for-db', 'seed-tmp']);
  });

  it('pass the strict Kubernetes schemas, and a typo in a Kubernetes structure taken as written is caught there', () => {
    for (const o of objects) expect(gate.validate(o), `${o.kind}/${o.metadata?.name}`).toEqual([]);
    const typo = synth(definition({ web: { sidecars: [{ name: 'x', image: 'y', imagePullPolcy: 'Always' }] } }));
    expect(gate.validate(find(typo, 'Deployment', 'test-web'))).toContain('Kubernetes v1.28.0: spec.template.spec.containers[1].imagePullPolcy: unknown field');
  });

  it('merge with the affinity a ReadWriteOnce media volume needs', () => {
    const pinned = synth(definition({ storage: { s3: undefined, volume: { size: '1Gi', accessMode: 'ReadWriteOnce' } }, web: { affinity: additions.affinity } }));
    const affinity = find(pinned, 'Deployment', 'test-web').spec.template.spec.affinity;
    expect(affinity.nodeAffinity).toEqual(additions.affinity.nodeAffinity);
    expect(affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels).toEqual({ 'mastodon.cdk8s/media-volume': 'test-media' });
  });

  it('refuse what would break the generator\'s own settings', () => {
    expect(problems(definition({ web: { podLabels: { 'app.kubernetes.io/component': 'x' } } })).join()).toMatch(/app\.kubernetes\.io\/component is set by the generator/);
    expect(problems(definition({ streaming: { extraEnv: { DB_HOST: 'x' } } })).join()).toMatch(/DB_HOST is generated/);
    expect(problems(definition({ jobs: { extraEnv: { SMTP_PASSWORD: 'x' } } })).join()).toMatch(/looks like a credential/);
    expect(problems(definition({ web: { envFrom: [{ configMap: 'a', secret: 'b' }] } })).join()).toMatch(/exactly one of configMap, secret, found both/);
    expect(problems(definition({ web: { affinity: 'near the database' } })).join()).toMatch(/web\.affinity: expected a mapping/);
  });
});

describe('scratch space (ephemeral storage)', () => {
  const podsOf = (objects: any[]) =>
    objects.flatMap((o) => {
      const t = o.spec?.template ?? o.spec?.jobTemplate?.spec?.template;
      return t?.spec ? [{ name: `${o.kind}/${o.metadata.name}`, spec: t.spec }] : [];
    });

  it('every emptyDir of every pod is bounded and every container requests and limits ephemeral storage', () => {
    const objects = synth(definition({ metrics: { prometheus: true }, upgrade: { from: '4.4.5', strategy: 'downtime' }, web: { maxReplicas: 4 }, maintenance: { accountsPrune: { enabled: true } } }));
    const pods = podsOf(objects);
    expect(pods.length).toBeGreaterThanOrEqual(6);
    for (const { name, spec } of pods) {
      for (const v of (spec.volumes ?? []).filter((v: any) => v.emptyDir)) expect(v.emptyDir.sizeLimit, `${name} ${v.name}`).toMatch(/^\d+(Mi|Gi)$/);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
        expect(c.resources.requests['ephemeral-storage'], `${name} ${c.name}`).toBeDefined();
        expect(c.resources.limits['ephemeral-storage'], `${name} ${c.name}`).toBeDefined();
      }
    }
  });

  it('follows each component\'s ephemeralStorage and ephemeralStorageLimit, also for what the definition adds unbounded', () => {
    const size = { cpu: '250m', memory: '512Mi', memoryLimit: '1Gi', ephemeralStorage: '1Gi', ephemeralStorageLimit: '5Gi' };
    const objects = synth(
      definition({
        web: {
          resources: size,
          extraVolumes: [{ name: 'cache', emptyDir: {} }, { name: 'bounded', emptyDir: { sizeLimit: '100Mi' } }],
          sidecars: [{ name: 'shipper', image: 'fluent/fluent-bit:3.2', resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } }],
        },
      }),
    );
    const spec = find(objects, 'Deployment', 'test-web').spec.template.spec;
    const volume = (n: string) => spec.volumes.find((v: any) => v.name === n).emptyDir;
    expect([volume('tmp').sizeLimit, volume('tmp-root').sizeLimit, volume('cache').sizeLimit, volume('bounded').sizeLimit]).toEqual(['5Gi', '5Gi', '5Gi', '100Mi']);
    expect(container({ spec: { template: { spec } } }, 'web').resources).toMatchObject({ requests: { 'ephemeral-storage': '1Gi' }, limits: { 'ephemeral-storage': '5Gi' } });
    expect(container({ spec: { template: { spec } } }, 'shipper').resources).toEqual({ requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '1Gi' }, limits: { memory: '64Mi', 'ephemeral-storage': '5Gi' } });
    // streaming kept its defaults
    const streaming = find(objects, 'Deployment', 'test-streaming').spec.template.spec;
    expect(streaming.volumes.find((v: any) => v.name === 'tmp-root').emptyDir.sizeLimit).toBe('2Gi');
  });

  it('refuses an ephemeral-storage request above its limit', () => {
    expect(problems(definition({ jobs: { resources: { cpu: '1', memory: '1Gi', memoryLimit: '1Gi', ephemeralStorage: '4Gi', ephemeralStorageLimit: '2Gi' } } }))).toEqual([expect.stringMatching(/ephemeral-storage request at most the ephemeralStorageLimit 2Gi, found 4Gi/)]);
  });
});

describe('node loss (NoExecute tolerations of node.kubernetes.io/unreachable and not-ready)', () => {
  const templates = (objects: any[]) =>
    objects.flatMap((o) => {
      const t = o.spec?.template ?? o.spec?.jobTemplate?.spec?.template;
      return t?.spec ? [{ name: `${o.kind}/${o.metadata.name}`, spec: t.spec }] : [];
    });
  const lostNode = (notReady: number, unreachable: number) => [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: notReady },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: unreachable },
  ];
  // every kind of pod the generator emits: processes, queue-scaled group, versioned Jobs, the downtime flow, CronJobs
  const everything = {
    metrics: { prometheus: true },
    upgrade: { from: '4.4.5', strategy: 'downtime' },
    web: { maxReplicas: 4 },
    maintenance: { accountsPrune: { enabled: true } },
    admin: { username: 'owner', email: 'owner@example.social' },
  };

  it('gives every pod template 30 s on a not-ready node and none on an unreachable one by default, instead of the API server\'s 300 s', () => {
    const objects = synth(definition(everything));
    const pods = templates(objects);
    // one template per Deployment, Job and CronJob: none is left out of the check
    expect(pods.length).toBe(objects.filter((o) => ['Deployment', 'Job', 'CronJob'].includes(o.kind)).length);
    expect(pods.map((p) => p.name)).toEqual(expect.arrayContaining(['Deployment/test-web', 'Job/test-db-migrate-downtime-4-5-6', 'Job/test-scale-up-4-5-6', 'Job/test-create-admin', 'CronJob/test-accounts-prune']));
    for (const { name, spec } of pods) expect(spec.tolerations, name).toEqual(lostNode(30, 0));
  });

  it('follows scheduling.notReadyTolerationSeconds and unreachableTolerationSeconds, after the component\'s own tolerations, and leaves a taint the component tolerates itself to it', () => {
    const own = [{ key: 'dedicated', operator: 'Equal', value: 'sidekiq', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 600 }];
    const objects = synth(definition(everything, { scheduling: { notReadyTolerationSeconds: 45, unreachableTolerationSeconds: 15 }, sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'], tolerations: own }] } }));
    expect(find(objects, 'Deployment', 'test-sidekiq-all').spec.template.spec.tolerations).toEqual([...own, lostNode(45, 15)[0]]);
    const others = templates(objects).filter((p) => p.name !== 'Deployment/test-sidekiq-all');
    expect(others.length).toBeGreaterThanOrEqual(6);
    for (const { name, spec } of others) expect(spec.tolerations, name).toEqual(lostNode(45, 15));
  });

  it('refuses a negative or non-integer number of seconds', () => {
    expect(problems(definition({ scheduling: { unreachableTolerationSeconds: -1 } })).join()).toMatch(/scheduling\.unreachableTolerationSeconds: expected a number >= 0, found -1/);
    expect(problems(definition({ scheduling: { notReadyTolerationSeconds: 2.5 } })).join()).toMatch(/scheduling\.notReadyTolerationSeconds: expected integer, found 2\.5/);
  });
});
