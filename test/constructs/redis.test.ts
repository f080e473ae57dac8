import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, problems, synth } from '../helpers';
import { KubeObject } from '../../src/output/schema-gate';
import { checkRules } from '../../src/rules';

const pw = { name: 'redis', key: 'password' };
const processes = (objects: KubeObject[]) =>
  ['test-web', 'test-sidekiq-all', 'test-streaming'].map((n) => envOf(container(find(objects, 'Deployment', n))))
    .concat(objects.filter((o) => o.kind === 'Job').map((j: any) => envOf(j.spec.template.spec.containers[0])));

describe('Redis roles', () => {
  it('external: host, port, user and password; Sidekiq and cache fall back to main', () => {
    const objects = synth(definition({ redis: { main: { external: { host: 'r', port: 6380, user: 'u', passwordSecret: pw } } } }));
    for (const env of processes(objects)) {
      expect(env).toMatchObject({ REDIS_HOST: 'r', REDIS_PORT: '6380', REDIS_USER: 'u', REDIS_PASSWORD: { secretKeyRef: pw } });
      expect(Object.keys(env).filter((k) => /^(SIDEKIQ|CACHE)_REDIS/.test(k))).toEqual([]);
    }
  });

  it('external with TLS and a password: the whole URL from a Secret, since the kubelet cannot URL-encode a password', () => {
    const url = { name: 'redis', key: 'url' };
    const objects = synth(definition({ redis: { main: { external: { host: 'r', tls: true, urlSecret: url, passwordSecret: pw } } } }));
    for (const env of processes(objects)) {
      expect(env.REDIS_URL).toEqual({ secretKeyRef: url });
      // Mastodon ignores REDIS_PASSWORD/HOST once REDIS_URL is set (lib/mastodon/redis_configuration.rb)
      expect(env.REDIS_PASSWORD).toBeUndefined();
      expect(env.REDIS_HOST).toBeUndefined();
    }
    expect(find(objects, 'ConfigMap', 'test-env').data.REDIS_DRIVER).toBe('ruby');
  });

  it('external with TLS and a password but no urlSecret is refused, saying why', () => {
    expect(problems(definition({ redis: { main: { external: { host: 'r', tls: true, passwordSecret: pw } } } })).join()).toMatch(/TLS needs a rediss:\/\/ URL.*URL-encoded.*Expected urlSecret/);
  });

  it('external with TLS and no password: a rediss:// URL with the user encoded', () => {
    const objects = synth(definition({ redis: { main: { external: { host: 'r', tls: true, user: 'a@b', db: 2 } } } }));
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).REDIS_URL).toBe('rediss://a%40b@r:6379/2');
    // holds no password, so the policy rules (which refuse literal credentials) accept it
    for (const o of objects) expect(checkRules(o), `${o.kind} ${o.metadata?.name}`).toEqual([]);
  });

  it('a database number goes to REDIS_DB, which Rails and streaming read, not into a URL', () => {
    const objects = synth(definition({ redis: { main: { external: { host: 'r', db: 3, passwordSecret: pw } } } }));
    for (const env of processes(objects)) {
      expect(env).toMatchObject({ REDIS_HOST: 'r', REDIS_DB: '3', REDIS_PASSWORD: { secretKeyRef: pw } });
      expect(env.REDIS_URL).toBeUndefined();
    }
  });

  it('streaming 4.3.0 reads REDIS_USERNAME (fixed in 4.3.1), so it gets that name there and only there', () => {
    const q43 = { sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'] }] } };
    const redis = { redis: { main: { external: { host: 'r', user: 'u', passwordSecret: pw } } } };
    const streamingEnv = (version: string) => envOf(container(find(synth(definition(q43, redis, { version })), 'Deployment', 'test-streaming')));
    expect(streamingEnv('4.3.0').REDIS_USERNAME).toBe('u');
    expect(streamingEnv('4.3.0').REDIS_USER).toBeUndefined();
    expect(streamingEnv('4.3.1')).toMatchObject({ REDIS_USER: 'u' });
    expect(streamingEnv('4.3.1').REDIS_USERNAME).toBeUndefined();
    expect(envOf(container(find(synth(definition(q43, redis, { version: '4.3.0' })), 'Deployment', 'test-web'))).REDIS_USERNAME).toBeUndefined();
  });

  it('Dragonfly for main, Sidekiq and cache: three resources, every process wired to each', () => {
    const df = { dragonfly: { passwordSecret: pw } };
    const objects = synth(definition({ redis: { main: { external: undefined, ...df }, sidekiq: df, cache: df } }));
    const resources = objects.filter((o) => o.kind === 'Dragonfly');
    expect(resources.map((r) => r.metadata?.name)).toEqual(['test-redis-main', 'test-redis-sidekiq', 'test-redis-cache']);
    const rails = processes(objects).filter((e) => e.SECRET_KEY_BASE);
    expect(rails.length).toBeGreaterThanOrEqual(4);
    for (const env of rails) {
      expect(env).toMatchObject({ REDIS_HOST: 'test-redis-main.test.svc', SIDEKIQ_REDIS_HOST: 'test-redis-sidekiq.test.svc', CACHE_REDIS_HOST: 'test-redis-cache.test.svc', CACHE_REDIS_PASSWORD: { secretKeyRef: pw } });
    }
    const streaming = envOf(container(find(objects, 'Deployment', 'test-streaming')));
    expect(streaming.REDIS_HOST).toBe('test-redis-main.test.svc');
    expect(streaming.SIDEKIQ_REDIS_HOST).toBeUndefined();
  });

  it('Dragonfly: cache evicts and keeps no snapshots; main persists and never evicts; both spread and budgeted', () => {
    const objects = synth(definition({ redis: { main: { external: undefined, dragonfly: {} }, cache: { dragonfly: { resources: { cpu: '1', memory: '512Mi', memoryLimit: '1Gi' } } } } }));
    const cache: any = find(objects, 'Dragonfly', 'test-redis-cache');
    const main: any = find(objects, 'Dragonfly', 'test-redis-main');
    // evicts in cache mode, and below its container limit (1Gi), so Dragonfly evicts before the kernel kills it
    expect(cache.spec.args[0]).toBe('--cache_mode=true');
    const maxmemory = Number(/^--maxmemory=(\d+)$/.exec(cache.spec.args[1])?.[1]);
    expect(maxmemory).toBeLessThan(1024 ** 3);
    expect(maxmemory).toBeGreaterThanOrEqual(0.7 * 1024 ** 3);
    expect(cache.spec.resources.limits.memory).toBe('1Gi');
    expect(cache.spec.snapshot).toBeUndefined();
    expect(main.spec.args[0]).toBe('--dbfilename=dump');
    expect(main.spec.args.join()).not.toContain('cache_mode');
    expect(main.spec.snapshot).toMatchObject({ cron: '*/5 * * * *', persistentVolumeClaimSpec: { resources: { requests: { storage: '10Gi' } } } });
    expect(main.spec.pdb).toEqual({ maxUnavailable: 1 });
    expect(main.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', labelSelector: { matchLabels: { 'mastodon.cdk8s/redis': 'test-redis-main' } } });
    expect(main.spec.podMetadata.labels).toEqual({ 'mastodon.cdk8s/redis': 'test-redis-main' });
  });

  it('Dragonfly can snapshot to S3 with credentials from a Secret instead of a volume', () => {
    const s3 = { uri: 's3://backups/dragonfly/main', endpoint: 'fsn1.example.com', accessKeyIdSecret: { name: 'bk', key: 'id' }, secretAccessKeySecret: { name: 'bk', key: 'secret' } };
    const main: any = find(synth(definition({ redis: { main: { external: undefined, dragonfly: { snapshotS3: s3 } } } })), 'Dragonfly', 'test-redis-main');
    expect(main.spec.snapshot).toEqual({ cron: '*/5 * * * *', dir: 's3://backups/dragonfly/main' });
    expect(main.spec.args).toContain('--s3_endpoint=fsn1.example.com');
    expect(main.spec.env).toEqual([
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'bk', key: 'id' } } },
      { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'bk', key: 'secret' } } },
    ]);
  });

  it('redis-operator: a replication watched by Sentinels, Mastodon wired through Sentinel', () => {
    const objects = synth(definition({ redis: { main: { external: undefined, redisOperator: { passwordSecret: pw } }, cache: { redisOperator: {} } } }));
    const repl: any = find(objects, 'RedisReplication', 'test-redis-main');
    const sentinel: any = find(objects, 'RedisSentinel', 'test-redis-main');
    expect(repl.spec).toMatchObject({ clusterSize: 3, kubernetesConfig: { redisSecret: pw }, redisConfig: { additionalRedisConfig: 'test-redis-main-config' } });
    expect(sentinel.spec.redisSentinelConfig).toMatchObject({ redisReplicationName: 'test-redis-main', masterGroupName: 'mymaster', quorum: '2' });
    expect(find(objects, 'ConfigMap', 'test-redis-main-config').data['redis-additional.conf']).toContain('maxmemory-policy noeviction');
    expect(find(objects, 'ConfigMap', 'test-redis-cache-config').data['redis-additional.conf']).toContain('maxmemory-policy allkeys-lru');
    for (const env of processes(objects)) {
      expect(env).toMatchObject({ REDIS_SENTINELS: 'test-redis-main-sentinel.test.svc:26379', REDIS_SENTINEL_MASTER: 'mymaster', REDIS_PASSWORD: { secretKeyRef: pw } });
      expect(env.REDIS_HOST).toBeUndefined();
    }
    const web = envOf(container(find(objects, 'Deployment', 'test-web')));
    expect(web).toMatchObject({ CACHE_REDIS_SENTINELS: 'test-redis-cache-sentinel.test.svc:26379', CACHE_REDIS_SENTINEL_MASTER: 'mymaster' });
  });

  it('puts Redis resources in the base stage, before the workloads', async () => {
    const { InstanceCharts } = await import('../../charts/instance');
    const { model } = await import('../helpers');
    const charts = new InstanceCharts(model(definition({ redis: { main: { external: undefined, dragonfly: {} } } })));
    const base = charts.stages[0];
    expect(base.id).toBe('base');
    expect((base.chart.toJson() as KubeObject[]).some((o) => o.kind === 'Dragonfly')).toBe(true);
  });
});
