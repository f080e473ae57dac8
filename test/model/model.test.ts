import { describe, expect, it } from 'vitest';
import { definition, model, problems, synth } from '../helpers';

const ALL_43 = ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler'];
const groups = (...g: object[]) => ({ sidekiq: { groups: g } });
const scheduler = { name: 'scheduler', queues: ['scheduler'] };
const rest = { name: 'rest', queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'fasp'] };

describe('version', () => {
  it('fails for an unsupported version', () => {
    expect(problems(definition({ version: '4.2.10' }))).toEqual([expect.stringMatching(/unsupported Mastodon version "4.2.10"; expected 4.3.x to 4.7.x/)]);
  });

  it('tags every image with the one version', () => {
    const images = (version: string) =>
      synth(definition({ version, upgrade: { from: '4.5.6' }, admin: { username: 'owner', email: 'owner@example.social' }, metrics: { prometheus: true } })).flatMap((o: any) => {
        const pod = (o.spec?.template ?? o.spec?.jobTemplate?.spec?.template)?.spec;
        return pod ? [...(pod.initContainers ?? []), ...pod.containers].map((c: any) => `${o.kind}/${o.metadata.name}/${c.name} ${c.image}`) : [];
      });
    for (const version of ['v4.6.6', '4.6.6']) {
      const all = images(version);
      const mastodon = all.filter((i) => / ghcr\.io\/mastodon\//.test(i));
      // every process, Job and CronJob, main and init containers, Rails and streaming images
      expect(mastodon.length, version).toBe(all.length);
      expect(mastodon.map((i) => i.split(' ')[0])).toEqual(expect.arrayContaining(['Deployment/test-web/web', 'Deployment/test-web/seed-tmp', 'Deployment/test-streaming/streaming', 'Deployment/test-sidekiq-all/sidekiq', 'Job/test-db-migrate-pre-4-6-6/db-migrate-pre', 'Job/test-db-migrate-post-4-6-6/db-migrate-post', 'Job/test-create-admin/create-admin', 'CronJob/test-media-remove/media-remove']));
      expect(mastodon.filter((i) => !/ ghcr\.io\/mastodon\/mastodon(-streaming)?:v4\.6\.6$/.test(i)), version).toEqual([]);
    }
  });
});

describe('Sidekiq topology', () => {
  it('accepts a split layout with one scheduler', () => {
    expect(problems(definition(groups(scheduler, rest)))).toEqual([]);
  });

  it('fails when a queue the version uses has no consumer (fasp from 4.4)', () => {
    expect(problems(definition(groups({ name: 'all', queues: ALL_43 })))).toEqual([expect.stringMatching(/no group consumes the "fasp" queue/)]);
  });

  it('accepts 4.3 without fasp, and rejects fasp there', () => {
    expect(problems(definition({ version: '4.3.9' }, groups({ name: 'all', queues: ALL_43 })))).toEqual([]);
    expect(problems(definition({ version: '4.3.9' }, groups({ name: 'all', queues: [...ALL_43, 'fasp'] })))).toEqual([
      expect.stringMatching(/queue "fasp" does not exist in Mastodon 4.3/),
    ]);
  });

  it('fails on an unknown queue name', () => {
    expect(problems(definition(groups(scheduler, { ...rest, queues: [...rest.queues, 'search'] })))).toEqual([expect.stringMatching(/unknown queue "search"/)]);
  });

  it.each([['default,x'], ['default,0'], ['default,8,2'], ['default,']])('fails on the malformed weight %s', (q) => {
    expect(problems(definition(groups(scheduler, { ...rest, queues: [q, ...rest.queues.slice(1)] }))).join()).toMatch(/weight|expected "queue" or "queue,weight"/);
  });

  it('fails on a queue listed twice in a group', () => {
    expect(problems(definition(groups(scheduler, { ...rest, queues: [...rest.queues, 'pull'] })))).toEqual([expect.stringMatching(/queue "pull" is listed twice/)]);
  });

  it('fails on duplicate group names', () => {
    expect(problems(definition(groups(scheduler, rest, { name: 'rest', queues: ['pull'] })))).toEqual([expect.stringMatching(/duplicate group name "rest"/)]);
  });

  it('fails when scheduler is consumed by two groups, even with weights or separate replicas', () => {
    const p = problems(definition(groups(scheduler, { ...rest, queues: [...rest.queues, 'scheduler,1'] })));
    expect(p).toEqual([expect.stringMatching(/scheduler queue must be consumed by exactly one group, found 2: scheduler, rest/)]);
  });

  it('fails when the scheduler group has more than one replica', () => {
    expect(problems(definition(groups({ ...scheduler, replicas: 2 }, rest)))).toEqual([expect.stringMatching(/must run exactly 1 replica/)]);
  });

  it('fails when the scheduler group autoscales', () => {
    expect(problems(definition(groups({ ...scheduler, maxReplicas: 3 }, rest)))).toEqual([expect.stringMatching(/must not autoscale/)]);
  });

  it('needs a replica range to scale on queue length, and never scales the scheduler', () => {
    expect(problems(definition(groups(scheduler, { ...rest, queueLengthPerReplica: 100 })))).toEqual([expect.stringMatching(/needs a replica range: set maxReplicas/)]);
    expect(problems(definition(groups({ ...scheduler, queueLengthPerReplica: 100 }, rest)))).toEqual([expect.stringMatching(/must not autoscale; remove queueLengthPerReplica/)]);
  });

  it('warns above 20 threads per process', () => {
    const m = model(definition(groups(scheduler, { ...rest, concurrency: 25 })));
    expect(m.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/concurrency 25 is above about 20 threads/)]);
    expect(m.warnings[0].path).toEqual(['sidekiq', 'groups', 1, 'concurrency']);
  });

  it('fails when maxReplicas is below replicas', () => {
    expect(problems(definition({ web: { replicas: 3, maxReplicas: 2 } }))).toEqual([expect.stringMatching(/expected maxReplicas >= replicas \(3\), found 2/)]);
  });
});

describe('database connection budget', () => {
  it('counts the worst case: web workers × threads × max replicas + streaming + Sidekiq + jobs', () => {
    const m = model(definition({ database: { maxConnections: 150 }, web: { replicas: 2, maxReplicas: 4, workers: 3, threads: 5 }, streaming: { replicas: 2, dbPool: 8 } }, groups(scheduler, { ...rest, concurrency: 10, replicas: 2, maxReplicas: 3 })));
    // jobs: a migration Job (2) and the daily media clean-up (tootctl media remove: concurrency 5 + 1)
    expect(m.connections).toMatchObject({ web: 60, streaming: 16, sidekiq: 10 + 30, jobs: 2 + 6, maintenance: 6, app: 124, appLimit: 150, appTarget: 'server' });
  });

  it('fails when the worst case exceeds the server limit', () => {
    expect(problems(definition({ web: { maxReplicas: 20 } }))).toEqual([expect.stringMatching(/worst-case PostgreSQL connections 238 .* exceed the server's limit of 100/)]);
  });

  it('checks the pooler limit for the app and the server limit for direct connections', () => {
    const pooled = { database: { maxConnections: 50, pooler: { host: 'pgbouncer', maxClientConnections: 200, poolSize: 40 } }, web: { maxReplicas: 10 } };
    const m = model(definition(pooled));
    expect(m.connections).toMatchObject({ app: 130, appLimit: 200, appTarget: 'pooler', direct: 48, directLimit: 50 });
    expect(problems(definition(pooled, { database: { pooler: { maxClientConnections: 100 } } }))).toEqual([expect.stringMatching(/exceed the pooler's limit of 100/)]);
    expect(problems(definition(pooled, { database: { maxConnections: 40 } }))).toEqual([expect.stringMatching(/pooler's server connections plus migration Jobs and maintenance CronJobs \(48, maintenance 6\) exceed database.maxConnections 40/)]);
  });

  it('counts the maintenance CronJobs that can run at once, from their schedules and deadlines', () => {
    const on = { enabled: true };
    const all = { mediaRemove: on, profileMediaRemove: on, previewCardsRemove: on, statusesRemove: on, accountsPrune: on, mediaRemoveOrphans: on };
    // default schedules: a Sunday that is the 1st, 05:00–06:30, runs orphans 1 + media 6 + profiles 6 + cards 6
    expect(model(definition({ maintenance: all })).connections.maintenance).toBe(19);
    // spread over the week: never more than one at a time
    const apart = { mediaRemove: { schedule: '0 3 * * 1', deadlineSeconds: 3600 }, previewCardsRemove: { ...on, schedule: '0 3 * * 2', deadlineSeconds: 3600 } };
    expect(model(definition({ maintenance: apart })).connections.maintenance).toBe(6);
    expect(model(definition({ maintenance: { mediaRemove: { enabled: false } } })).connections).toMatchObject({ maintenance: 0, jobs: 2 });
    expect(problems(definition({ database: { maxConnections: 100 }, maintenance: all, web: { replicas: 2, maxReplicas: 4, workers: 3, threads: 5 } }))).toEqual([
      expect.stringMatching(/worst-case PostgreSQL connections 111 \(web 60 \+ streaming 20 \+ Sidekiq 10 \+ jobs 21 \(maintenance 19\)\)/),
    ]);
  });

  it('fails below the PostgreSQL minimum of the version', () => {
    expect(problems(definition({ database: { postgresVersion: 13 } }))).toEqual([expect.stringMatching(/needs PostgreSQL 14 or newer, found 13/)]);
  });
});

describe('upgrade path', () => {
  const from = (v: string, strategy?: string) => definition({ version: '4.7.2', upgrade: { from: v, ...(strategy ? { strategy } : {}) } }, groups(scheduler, rest));

  it('accepts the previous minor and a patch upgrade', () => {
    expect(problems(from('4.6.6'))).toEqual([]);
    expect(problems(from('4.7.0'))).toEqual([]);
  });

  it('refuses a downgrade', () => {
    expect(problems(from('4.7.3'))).toEqual([expect.stringMatching(/downgrades are not supported/)]);
  });

  it('refuses to skip a minor series in a rolling upgrade, and allows it with downtime', () => {
    expect(problems(from('4.5.5'))).toEqual([expect.stringMatching(/without downtime: it skips 1 minor series.*4\.5 → 4\.6 → … → 4\.7.*set upgrade.strategy: downtime/)]);
    expect(problems(from('4.5.5', 'downtime'))).toEqual([]);
  });

  it('refuses a rolling upgrade from below the zero-downtime floor, and accepts it with downtime', () => {
    const d = (strategy?: string) => definition({ version: '4.4.5', upgrade: { from: '4.2.10', ...(strategy ? { strategy } : {}) } }, groups(scheduler, rest));
    expect(problems(d())).toEqual([expect.stringMatching(/supports zero-downtime upgrades only from 4.3.0 or newer/)]);
    expect(problems(d('downtime'))).toEqual([]);
    expect(model(d('downtime')).downtimeUpgrade).toBe(true);
  });

  it('runs every search step of the minors a downtime upgrade crosses', () => {
    const d = definition({ version: '4.4.5', upgrade: { from: '4.2.10', strategy: 'downtime' }, search: { host: 'https://es' } }, groups(scheduler, rest));
    expect(model(d).searchDeployArgs).toEqual([]);
  });

  it('applies the other upgrade checks to a downtime upgrade: downgrades, PostgreSQL minimum, OTP_SECRET', () => {
    expect(problems(from('4.7.3', 'downtime'))).toEqual([expect.stringMatching(/downgrades are not supported/)]);
    const d = definition({ version: '4.4.5', upgrade: { from: '4.2.10', strategy: 'downtime' }, database: { postgresVersion: 12 } }, groups(scheduler, rest));
    expect(problems(d)).toEqual([expect.stringMatching(/needs PostgreSQL 13 or newer, found 12/)]);
    expect(model(definition(d, { database: { postgresVersion: 16 } })).migrationSecrets).toEqual(['OTP_SECRET']);
  });

  it('needs the running version for a downtime upgrade', () => {
    expect(problems(definition({ upgrade: { strategy: 'downtime' } }))).toEqual([expect.stringMatching(/downtime upgrade needs upgrade.from/)]);
  });

  it('runs the search deploy the target version requires when crossing into it', () => {
    const search = { search: { host: 'https://es' } };
    expect(model(definition({ version: '4.4.5', upgrade: { from: '4.3.9' } }, search, groups(scheduler, rest))).searchDeployArgs).toEqual(['--only-mapping']);
    expect(model(definition({ version: '4.4.5', upgrade: { from: '4.4.1' } }, search, groups(scheduler, rest))).searchDeployArgs).toBeUndefined();
    expect(model(definition(search, { search: { initialize: true } })).searchDeployArgs).toEqual([]);
  });
});

describe('choices and references', () => {
  it('needs exactly one media storage, traffic and Redis backend', () => {
    expect(problems(definition({ storage: { volume: { size: '1Gi', accessMode: 'ReadWriteMany' } } }))).toEqual([expect.stringMatching(/expected exactly one of s3, volume, found s3 and volume/)]);
    expect(problems(definition({ traffic: { gateway: { name: 'gw', namespace: 'gw' } } }))).toEqual([expect.stringMatching(/expected exactly one of ingress, gateway, found ingress and gateway/)]);
    expect(problems(definition({ redis: { main: { dragonfly: {} } } }))).toEqual([expect.stringMatching(/expected exactly one of external, dragonfly, redisOperator, found external and dragonfly/)]);
  });

  it('needs exactly one TLS source on an Ingress', () => {
    expect(problems(definition({ traffic: { ingress: { tlsSecret: 'tls' } } }))).toEqual([expect.stringMatching(/exactly one TLS source .* found clusterIssuer and tlsSecret/)]);
  });

  it('checks references to emitted Secrets and the keys the version needs', () => {
    const sealed = 'Ag' + 'A'.repeat(80);
    const d = definition({ secrets: { sources: { db: { sealedSecret: { encryptedData: { pass: sealed } } }, core: { sealedSecret: { encryptedData: { SECRET_KEY_BASE: sealed } } } } } });
    const p = problems(d);
    expect(p).toContainEqual(expect.stringMatching(/Secret "db" is emitted with keys pass; found key "password"/));
    expect(p).toContainEqual(expect.stringMatching(/Mastodon 4.5 needs VAPID_PRIVATE_KEY, .* in the core Secret/));
  });

  it('rejects credentials, generated and removed variables in plain env', () => {
    expect(problems(definition({ env: { DEEPL_API_KEY: 'x' } }))).toEqual([expect.stringMatching(/looks like a credential/)]);
    expect(problems(definition({ env: { DB_HOST: 'x' } }))).toEqual([expect.stringMatching(/DB_HOST is generated from database\.host \(database\.pooler\.host with a pooler\) for this instance; set it there/)]);
    // the message names the field that sets the variable, not only its section
    expect(problems(definition({ env: { DB_NAME: 'x', S3_BUCKET: 'b', SMTP_AUTH_METHOD: 'login', SMTP_PORT: '25' }, storage: { s3: { bucket: 'media', region: 'eu-west-1' } }, smtp: { server: 'mail.example', port: 587, fromAddress: 'a@b.example' } }))).toEqual([
      expect.stringMatching(/DB_NAME is generated from database\.name for/),
      expect.stringMatching(/S3_BUCKET is generated from storage\.s3\.bucket for/),
      expect.stringMatching(/SMTP_AUTH_METHOD is generated from smtp\.authMethod for/),
      expect.stringMatching(/SMTP_PORT is generated from smtp\.port for/),
    ]);
    expect(problems(definition({ env: { REDIS_NAMESPACE: 'x' } }))).toEqual([expect.stringMatching(/must not be set for Mastodon 4.5/)]);
    expect(problems(definition({ env: { STREAMING_CLUSTER_NUM: '2' } }))).toEqual([expect.stringMatching(/must not be set/)]);
    expect(problems(definition({ env: { STATSD_ADDR: 'statsd:9125' } }))).toEqual([expect.stringMatching(/STATSD_ADDR must not be set/)]);
    expect(problems(definition({ env: { FETCH_REPLIES_ENABLED: 'true' } }))).toEqual([expect.stringMatching(/must not be set for Mastodon 4.5/)]);
    expect(problems(definition({ version: '4.4.5', env: { FETCH_REPLIES_ENABLED: 'true' } }))).toEqual([]);
    expect(problems(definition({ version: '4.6.6', env: { MASTODON_USE_LIBVIPS: 'true' } }))).toEqual([expect.stringMatching(/must not be set for Mastodon 4.6/)]);
    expect(problems(definition({ env: { DEFAULT_LOCALE: 'en' }, secretEnv: { CUSTOM_API_TOKEN: { name: 'custom', key: 'token' } } }))).toEqual([]);
    // refused exactly where the generator emits the name too: one of the two values would be lost
    const deepl = { translation: { deepl: { apiKeySecret: { name: 'deepl', key: 'key' } } } };
    expect(problems(definition({ ...deepl, secretEnv: { DEEPL_API_KEY: { name: 'deepl', key: 'other' } } }))).toEqual([expect.stringMatching(/DEEPL_API_KEY is generated from translation.deepl for this instance/)]);
    expect(problems(definition({ secretEnv: { DEEPL_API_KEY: { name: 'deepl', key: 'key' } } }))).toEqual([]);
    // names Mastodon reads that the generator never sets (issue: S3_*, ES_*, REDIS_SENTINEL_* refused as "generated")
    expect(problems(definition({ env: { S3_STORAGE_CLASS: 'STANDARD_IA', S3_KEY_PREFIX: 'media', S3_RETRY_LIMIT: '3', ES_QUERY_TIMEOUT: '10', REDIS_SENTINEL_PORT: '26380', SMTP_ENABLE_STARTTLS_AUTO: 'false' } }))).toEqual([]);
    expect(problems(definition({ web: { extraEnv: { MAX_THREADS: '9' } } }))).toEqual([expect.stringMatching(/web\.extraEnv\.MAX_THREADS|MAX_THREADS is generated from web/)]);
    expect(problems(definition({ jobs: { extraEnv: { SKIP_POST_DEPLOYMENT_MIGRATIONS: 'true' } } }))).toEqual([expect.stringMatching(/SKIP_POST_DEPLOYMENT_MIGRATIONS is generated from the migration Jobs/)]);
    expect(problems(definition({ secretEnv: { SECRET_KEY_BASE: { name: 'x', key: 'y' } } }))).toEqual([expect.stringMatching(/SECRET_KEY_BASE is generated from secrets.core/)]);
  });

  it('refuses version-dependent features on versions without them', () => {
    expect(problems(definition({ version: '4.3.9', metrics: { prometheus: true } }, groups({ name: 'all', queues: ALL_43 })))).toEqual([expect.stringMatching(/Prometheus exporter needs Mastodon 4.4/)]);
  });

  it('makes the ReadWriteOnce co-location explicit, and refuses it with required spreading', () => {
    const storage = { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } };
    expect(model(definition({ storage })).warnings.map((w) => w.message)).toEqual([expect.stringMatching(/scheduled onto the same node/)]);
    expect(problems(definition({ storage, scheduling: { zoneSpread: 'required' } }))).toEqual([expect.stringMatching(/contradicts scheduling that requires spreading/)]);
  });
});

describe('node size', () => {
  it('fails when a pod requests more than a node offers, and passes when it fits', () => {
    const fits = definition({ scheduling: { nodeAllocatable: { cpu: '3800m', memory: '6Gi' } } });
    expect(problems(fits)).toEqual([]);
    const big = definition(fits, { sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'], resources: { cpu: '4', memory: '1Gi', memoryLimit: '2Gi' } }] } });
    expect(problems(big)).toEqual([expect.stringMatching(/the pod requests 4 CPU and 1.00Gi memory, more than a node offers/)]);
    const exporter = definition(fits, { metrics: { prometheus: true }, web: { resources: { cpu: '3800m', memory: '1Gi', memoryLimit: '2Gi' } } });
    expect(problems(exporter)).toEqual([expect.stringMatching(/the pod requests 3.85 CPU/)]);
  });
});

describe('Redis versions', () => {
  it('refuses a Dragonfly older than 1.27 from Mastodon 4.5 (Sidekiq 8), and accepts it before', () => {
    const df = (image: string, version = '4.5.6') => definition({ version, redis: { main: { external: undefined, dragonfly: { image } } } });
    expect(problems(df('docker.dragonflydb.io/dragonflydb/dragonfly:v1.26.1'))).toEqual([expect.stringMatching(/Sidekiq 8, which refuses servers reporting Redis < 7.*v1.27.0/)]);
    expect(problems(df('docker.dragonflydb.io/dragonflydb/dragonfly:v1.27.0'))).toEqual([]);
    expect(problems(df('docker.dragonflydb.io/dragonflydb/dragonfly:v1.20.0', '4.4.5'))).toEqual([]);
    expect(problems(df('docker.dragonflydb.io/dragonflydb/dragonfly:latest'))).toEqual([expect.stringMatching(/tagged with a Dragonfly version/)]);
  });

  it('refuses a Redis image older than the version needs', () => {
    expect(problems(definition({ redis: { main: { external: undefined, redisOperator: { image: 'quay.io/opstree/redis:v6.2.14' } } } }))).toEqual([
      expect.stringMatching(/needs Redis 7.0 or newer/),
    ]);
  });
});
