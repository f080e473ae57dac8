import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { SidekiqGroup } from '../../src/constructs/sidekiq';
import { StreamingService } from '../../src/constructs/streaming';
import { WebService } from '../../src/constructs/web';
import { NginxIngress } from '../../src/constructs/traffic';
import { DragonflyRedis, SentinelRedis } from '../../src/constructs/redis';
import { ProcessEnvironment } from '../../src/constructs/workload';

const environment = ProcessEnvironment.fromSources({ configMaps: ['social-env'], secrets: ['social-secrets'] });

function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('SidekiqGroup on its own', () => {
  it('emits a hardened Deployment from a few props, the rest from the definition\'s defaults', () => {
    const chart = new Chart(Testing.app(), 'mine', { namespace: 'social' });
    new SidekiqGroup(chart, 'mailers', { instance: 'social', version: '4.5.6', environment, name: 'mailers', queues: ['mailers'], replicas: 2 });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace}`)).toEqual(['Deployment/social-sidekiq-mailers/social', 'PodDisruptionBudget/social-sidekiq-mailers/social']);
    const c = objects[0].spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/mastodon/mastodon:v4.5.6');
    expect(c.args).toEqual(['bundle', 'exec', 'sidekiq', '-c', '10', '-t', '25', '-q', 'mailers']);
    expect(c.env).toEqual([{ name: 'DB_POOL', value: '10' }]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'social-env' } }, { secretRef: { name: 'social-secrets' } }]);
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '768Mi', 'ephemeral-storage': '256Mi' }, limits: { memory: '1536Mi', 'ephemeral-storage': '2Gi' } });
    expect(objects[0].metadata.labels['app.kubernetes.io/version']).toBe('v4.5.6');
    expect(objects[0].spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });

  it('reports at synth what the definition would refuse: unknown queues, a bad quantity, the scheduler scaled out', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new SidekiqGroup(chart, 'bad', {
      instance: 'social', version: '4.5.6', environment, name: 'bad', queues: ['mailer', 'scheduler'], replicas: 2,
      resources: { cpu: '250m', memory: 'lots', memoryLimit: '1Gi' },
    });
    const errors = synthErrors(app);
    expect(errors).toMatch(/\[mine\/bad\] resources\.memory: expected a memory quantity such as 512Mi, found "lots"/);
    new SidekiqGroup(new Chart(app, 'other'), 'bad', { instance: 'social', version: '4.5.6', environment, name: 'bad', queues: ['mailer', 'scheduler'], replicas: 2 });
    const more = synthErrors(app);
    expect(more).toMatch(/\[other\/bad\] queues\[0\]: unknown queue "mailer"/);
    expect(more).toMatch(/\[other\/bad\] replicas: the group consuming scheduler must run exactly 1 replica/);
  });

  it('runs the definition\'s placement checks: a credential in extraEnv, an envFrom without a source', () => {
    const app = Testing.app();
    new SidekiqGroup(new Chart(app, 'mine'), 'g', { instance: 'social', version: '4.5.6', environment, name: 'g', queues: ['default'], extraEnv: { SMTP_PASSWORD: 'x' }, envFrom: [{}] });
    const errors = synthErrors(app);
    expect(errors).toMatch(/\[mine\/g\] extraEnv\.SMTP_PASSWORD: SMTP_PASSWORD looks like a credential/);
    expect(errors).toMatch(/\[mine\/g\] envFrom\[0\]: expected exactly one of configMap, secret, found neither/);
  });

  it('refuses an unsupported version instead of guessing its queues', () => {
    const app = Testing.app();
    new SidekiqGroup(new Chart(app, 'mine'), 'g', { instance: 'social', version: '3.5.0', environment, name: 'g', queues: ['default'] });
    expect(synthErrors(app)).toMatch(/\[mine\/g\] version: unsupported Mastodon version "3\.5\.0"/);
  });
});

describe('WebService and StreamingService on their own', () => {
  it('emit the Deployments and Services with the definition\'s defaults and the official images', () => {
    const chart = new Chart(Testing.app(), 'mine', { namespace: 'social' });
    new WebService(chart, 'web', { instance: 'social', version: '4.5.6', environment, metricsPort: 9394 });
    new StreamingService(chart, 'streaming', { instance: 'social', version: '4.5.6', environment, replicas: 1 });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Deployment/social-web', 'PodDisruptionBudget/social-web', 'Service/social-web', 'Deployment/social-streaming', 'Service/social-streaming',
    ]);
    const [web, exporter] = objects[0].spec.template.spec.containers;
    expect(web.image).toBe('ghcr.io/mastodon/mastodon:v4.5.6');
    expect(web.env.slice(0, 5).map((e: any) => `${e.name}=${e.value}`)).toEqual(['WEB_CONCURRENCY=2', 'MAX_THREADS=5', 'MIN_THREADS=5', 'PERSISTENT_TIMEOUT=20', 'DB_POOL=5']);
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: 9394, protocol: 'TCP' }]);
    expect(objects[3].spec.template.spec.containers[0].image).toBe('ghcr.io/mastodon/mastodon-streaming:v4.5.6');
    expect(objects[3].spec.replicas).toBe(1);
  });

  it('report the definition\'s checks at synth', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new WebService(chart, 'web', { instance: 'social', version: '4.5.6', environment, threads: 4, minThreads: 8 });
    new StreamingService(chart, 'streaming', { instance: 'social', version: '4.5.6', environment, replicas: 3, maxReplicas: 2 });
    const errors = synthErrors(app);
    expect(errors).toMatch(/\[mine\/web\] minThreads: expected minThreads <= threads \(4\), found 8/);
    expect(errors).toMatch(/\[mine\/streaming\] maxReplicas: expected maxReplicas >= replicas \(3\), found 2/);
  });
});

describe('NginxIngress on its own', () => {
  it('routes web and streaming, and redirects the account domain\'s well-known paths', () => {
    const chart = new Chart(Testing.app(), 'mine', { namespace: 'social' });
    new NginxIngress(chart, 'ingress', { instance: 'social', version: '4.5.6', localDomain: 'example.social', webDomain: 'social.example.social', clusterIssuer: 'letsencrypt' });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Ingress/social-web', 'Ingress/social-streaming', 'Ingress/social-webfinger']);
    expect(objects[0].metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt', 'nginx.ingress.kubernetes.io/proxy-body-size': '100m', 'nginx.ingress.kubernetes.io/proxy-read-timeout': '120' });
    expect(objects[0].spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'social-web', port: { number: 3000 } } });
    expect(objects[1].spec.rules[0].http.paths[0]).toEqual({ path: '/api/v1/streaming', pathType: 'Prefix', backend: { service: { name: 'social-streaming', port: { number: 4000 } } } });
  });

  it('refuses two TLS sources, a generated annotation and a host that is not one', () => {
    const app = Testing.app();
    new NginxIngress(new Chart(app, 'mine'), 'ingress', {
      instance: 'social', version: '4.5.6', localDomain: 'Example', webDomain: 'example.social', clusterIssuer: 'a', tlsSecret: 'b',
      annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '1g' },
    });
    const errors = synthErrors(app);
    expect(errors).toMatch(/\[mine\/ingress\] localDomain: expected a lowercase fully qualified host name, found "Example"/);
    expect(errors).toMatch(/\[mine\/ingress\] \(top level\): expected exactly one TLS source \(clusterIssuer, issuer or tlsSecret\).*found clusterIssuer and tlsSecret/);
    expect(errors).toMatch(/\[mine\/ingress\] annotations\.nginx\.ingress\.kubernetes\.io\/proxy-body-size: .* is set by the generator/);
  });

  it('refuses a streaming certificate named as the web one when cert-manager issues them', () => {
    const app = Testing.app();
    new NginxIngress(new Chart(app, 'mine'), 'ingress', {
      instance: 'social', version: '4.5.6', localDomain: 'example.social', webDomain: 'example.social', streamingHost: 'streaming.example.social', clusterIssuer: 'a',
      streaming: { tlsSecret: 'social-tls' },
    });
    expect(synthErrors(app)).toMatch(/\[mine\/ingress\] streaming\.tlsSecret: expected a Secret other than the web certificate's \(social-tls\), found social-tls/);
  });
});

describe('operator-run Redis on its own', () => {
  it('emits a Dragonfly cache and a Sentinel-watched replication with the definition\'s defaults', () => {
    const chart = new Chart(Testing.app(), 'mine', { namespace: 'social' });
    new DragonflyRedis(chart, 'cache', { instance: 'social', version: '4.5.6', role: 'cache' });
    new SentinelRedis(chart, 'main', { instance: 'social', version: '4.5.6', role: 'main' });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Dragonfly/social-redis-cache', 'ConfigMap/social-redis-main-config', 'RedisReplication/social-redis-main', 'RedisSentinel/social-redis-main']);
    // 80% of the 1Gi default limit; the cache keeps no snapshots
    expect(objects[0].spec.args).toEqual(['--cache_mode=true', '--maxmemory=858993459']);
    expect(objects[0].spec.snapshot).toBeUndefined();
    expect(objects[0].spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(objects[0].spec.topologySpreadConstraints[0].matchLabelKeys).toBeUndefined();
    expect(objects[2].spec.clusterSize).toBe(3);
  });

  it('refuses a quantity that is not one instead of dropping it', () => {
    const app = Testing.app();
    new DragonflyRedis(new Chart(app, 'mine'), 'cache', { instance: 'social', version: '4.5.6', role: 'cache', resources: { cpu: '1', memory: '1 GB', memoryLimit: '2Gi' } });
    expect(synthErrors(app)).toMatch(/\[mine\/cache\] resources\.memory: expected a memory quantity such as 512Mi, found "1 GB"/);
  });
});
