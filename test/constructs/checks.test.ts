import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InstanceCharts } from '../../charts/instance';
import { MastodonInstance, MastodonInstanceProps } from '../../src/constructs/instance';
import { SidekiqGroup } from '../../src/constructs/sidekiq';
import { WebService } from '../../src/constructs/web';
import { DragonflyRedis, SentinelRedis } from '../../src/constructs/redis';
import { CloudnativePgCluster } from '../../src/constructs/postgres';
import { NginxIngress } from '../../src/constructs/traffic';
import { ProcessEnvironment } from '../../src/constructs/workload';
import { WARNING_METADATA, WARNING_TYPE } from '../../src/constructs/checks';
import { definition, model } from '../helpers';

const environment = ProcessEnvironment.fromSources({ configMaps: ['social-env'], secrets: ['social'] });
const group = { instance: 'social', version: '4.5.6', environment, name: 'mailers', queues: ['mailers'] };

function synthErrors(app: App): string[] {
  try {
    app.synth();
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the checks of a construct used on its own, at app.synth()', () => {
  it('run the policy rules and the Kubernetes schemas over a SidekiqGroup as patched, with the construct path', () => {
    const app = Testing.app();
    const g = new SidekiqGroup(new Chart(app, 'mine'), 'mailers', group);
    ApiObject.of(g).addJsonPatch(
      JsonPatch.replace('/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', true),
      JsonPatch.add('/spec/template/spec/containers/0/imagePullPolcy', 'Always'),
    );
    const errors = synthErrors(app);
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/mailers\] Deployment social-sidekiq-mailers \(mine\/mailers\/Resource\/Resource\): ContainerHardening: container sidekiq: allowPrivilegeEscalation is not false/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/mailers\] Deployment social-sidekiq-mailers .*Kubernetes v1\.36\.0: .*imagePullPolcy: unknown field/));
  });

  it('refuse a memory quantity patched in as a string that is not one (never dropped, never passed on)', () => {
    const app = Testing.app();
    const g = new SidekiqGroup(new Chart(app, 'mine'), 'mailers', group);
    ApiObject.of(g).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/limits/memory', 'lots'));
    expect(synthErrors(app)).toEqual(['[mine/mailers] Deployment social-sidekiq-mailers (mine/mailers/Resource/Resource): PodConsistency: container sidekiq: limits.memory: expected a quantity such as 500m or 1Gi, found "lots"']);
  });

  it('keep a quantity patched in as a valid string, and pass it', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    const g = new SidekiqGroup(chart, 'mailers', group);
    ApiObject.of(g).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/limits/memory', '3Gi'));
    expect(synthErrors(app)).toEqual([]);
    expect(Testing.synth(chart)[0].spec.template.spec.containers[0].resources.limits.memory).toBe('3Gi');
  });

  it('refuse quantities given to the props in a form the definition refuses: a word, a number, a Quantity object', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new SidekiqGroup(chart, 'a', { ...group, name: 'a', resources: { cpu: '250m', memory: 'lots', memoryLimit: '1Gi' } });
    // what a JavaScript user (no type checker) may pass
    new SidekiqGroup(chart, 'b', { ...group, name: 'b', resources: { cpu: 1, memory: '512Mi', memoryLimit: k8s.Quantity.fromString('1Gi') } as never });
    const errors = synthErrors(app);
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/a\] resources\.memory: expected a memory quantity such as 512Mi, found "lots"/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/b\] resources\.cpu: /));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/b\] resources\.memoryLimit: /));
    expect(chart.node.findAll().filter((n) => n instanceof ApiObject)).toEqual([]);
  });

  it('refuse a queue weight that is not one, and a queue the version does not have', () => {
    const app = Testing.app();
    new SidekiqGroup(new Chart(app, 'mine'), 'g', { ...group, queues: ['default,high', 'push,0', 'fasp'], version: '4.3.2' });
    const errors = synthErrors(app);
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/g\] queues\[0\]: expected a weight from 1 to 999 after the comma, found "high"/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/g\] queues\[1\]: expected a weight from 1 to 999/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/g\] queues\[2\]: queue "fasp" does not exist in Mastodon 4\.3/));
  });

  it('check an operator-run Redis image against what the version\'s Sidekiq accepts, as the definition does', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new DragonflyRedis(chart, 'old', { instance: 'social', version: '4.5.6', role: 'main', image: 'docker.dragonflydb.io/dragonflydb/dragonfly:v1.20.0' });
    new DragonflyRedis(chart, 'untagged', { instance: 'social', version: '4.5.6', role: 'main', name: 'social-redis-x', image: 'dragonfly:latest' });
    new SentinelRedis(chart, 'redis6', { instance: 'social', version: '4.5.6', role: 'sidekiq', image: 'quay.io/opstree/redis:v6.2.14' });
    new SentinelRedis(chart, 'ancient', { instance: 'social', version: '3.5.0', role: 'cache' });
    const errors = synthErrors(app);
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/old\] image: Mastodon 4\.5 runs Sidekiq 8, which refuses servers reporting Redis < 7/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/untagged\] image: expected an image tagged with a Dragonfly version/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/redis6\] image: Mastodon 4\.5 needs Redis 7\.0 or newer/));
    expect(errors).toContainEqual(expect.stringMatching(/^\[mine\/ancient\] version: unsupported Mastodon version "3\.5\.0"/));
  });

  it('refuse a CloudNativePG Cluster for a model that has none, instead of failing with a TypeError', () => {
    const app = Testing.app();
    const m = model();
    new CloudnativePgCluster(new Chart(app, 'mine'), 'pg', { model: m, id: { instance: m.name, version: m.tag } });
    expect(synthErrors(app)).toEqual(['[mine/pg] database.cloudnativePg: the model has no CloudNativePG Cluster: build it from a definition with database.cloudnativePg']);
  });

  it('leave the version label to the objects that run the release, so the rules pass on the parts on their own', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new WebService(chart, 'web', { instance: 'social', version: '4.5.6', environment });
    new NginxIngress(chart, 'ingress', { instance: 'social', version: '4.5.6', localDomain: 'example.social', webDomain: 'example.social', clusterIssuer: 'le' });
    new SentinelRedis(chart, 'main', { instance: 'social', version: '4.5.6', role: 'main' });
    expect(synthErrors(app)).toEqual([]);
    const labels = Object.fromEntries(Testing.synth(chart).map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.labels['app.kubernetes.io/version']]));
    expect(labels).toMatchObject({ 'Deployment/social-web': 'v4.5.6', 'Service/social-web': undefined, 'Ingress/social-web': undefined, 'RedisReplication/social-redis-main': undefined });
  });
});

describe('warnings in a user\'s app', () => {
  it('a SidekiqGroup\'s: kept on the construct and emitted once as Node warnings at app.synth()', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const app = Testing.app();
    const g = new SidekiqGroup(new Chart(app, 'mine'), 'busy', { ...group, concurrency: 40 });
    expect(g.warnings).toEqual([expect.stringMatching(/^concurrency: concurrency 40 is above about 20 threads per process/)]);
    expect(g.node.metadata.filter((m) => m.type === WARNING_METADATA).map((m) => m.data)).toEqual(g.warnings);
    app.synth();
    app.synth();
    expect(emitted.mock.calls).toEqual([[`[mine/busy] ${g.warnings[0]}`, { type: WARNING_TYPE }]]);
  });

  it('a MastodonInstance\'s: the model\'s warnings, each once (its parts do not repeat them)', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const app = Testing.app();
    const props = definition({ flux: undefined, storage: { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } }, sidekiq: { groups: [{ name: 'all', concurrency: 30, queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', 'fasp'] }] } });
    const instance = new MastodonInstance(new Chart(app, 'mine'), 'social', props as unknown as MastodonInstanceProps);
    expect(instance.warnings).toEqual([
      expect.stringMatching(/^sidekiq\.groups\[0\]\.concurrency: concurrency 30 is above/),
      expect.stringMatching(/^storage\.volume\.accessMode: ReadWriteOnce: web and Sidekiq pods are scheduled onto the same node/),
    ]);
    expect(synthErrors(app)).toEqual([]);
    expect(emitted.mock.calls.map(([text]) => text)).toEqual(instance.warnings.map((w) => `[mine/social] ${w}`));
  });

  it('none from the CLI\'s charts, which print the warnings and run the checks themselves', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const charts = new InstanceCharts(model(definition({ sidekiq: { groups: [{ name: 'all', concurrency: 30, queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', 'fasp'] }] } })));
    const app = charts.stages.find((s) => s.id === 'app')!.chart;
    // a rule violation the CLI reports with the definition's file and line, not as a construct validation
    ApiObject.of(app.node.findChild('web')).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', true));
    expect(() => app.toJson()).not.toThrow();
    expect(emitted).not.toHaveBeenCalled();
  });
});
