import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, model, problems, synth } from '../helpers';
import { SchemaGate } from '../../src/output/schema-gate';
import { checkRules } from '../../src/rules';
import { VENDOR_DIR } from '../../src/paths';

const gate = new SchemaGate(VENDOR_DIR, undefined, false);
const creds = { accessKeyIdSecret: { name: 'pg-s3', key: 'id' }, secretAccessKeySecret: { name: 'pg-s3', key: 'secret' } };
/** the base definition with its external database replaced by a Cluster */
const cnpg = (settings: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  definition({ database: { host: undefined, passwordSecret: undefined, cloudnativePg: settings, ...extra } });

describe('database.cloudnativePg', () => {
  it('emits a Cluster, its Pooler and nothing else by default, all valid against the CRDs and the rules', () => {
    const objects = synth(cnpg());
    const cluster = find(objects, 'Cluster', 'test-postgres');
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec).toMatchObject({
      instances: 3,
      imageName: 'ghcr.io/cloudnative-pg/postgresql:17',
      postgresql: { parameters: { max_connections: '100' } },
      bootstrap: { initdb: { database: 'mastodon_production', owner: 'mastodon' } },
      storage: { size: '20Gi' },
      affinity: { enablePodAntiAffinity: true, topologyKey: 'kubernetes.io/hostname', podAntiAffinityType: 'preferred' },
    });
    expect(cluster.spec.bootstrap.initdb.import).toBeUndefined();
    expect(cluster.spec.backup).toBeUndefined();
    const pooler = find(objects, 'Pooler', 'test-postgres-pooler');
    expect(pooler.spec).toMatchObject({ cluster: { name: 'test-postgres' }, instances: 2, type: 'rw', pgbouncer: { poolMode: 'transaction', parameters: { max_client_conn: '1000', default_pool_size: '20' } } });
    expect(objects.filter((o) => o.kind === 'ScheduledBackup')).toEqual([]);
    for (const o of objects.filter((x) => x.apiVersion.startsWith('postgresql.cnpg.io/'))) {
      expect(gate.validate(o), `${o.kind}/${o.metadata?.name}`).toEqual([]);
      expect(checkRules(o), `rules on ${o.kind}`).toEqual([]);
    }
  });

  it('processes use the Pooler without prepared statements, Jobs the -rw Service; the password comes from the -app Secret', () => {
    const objects = synth(cnpg());
    const config = find(objects, 'ConfigMap', 'test-env').data;
    expect(config).toMatchObject({ DB_HOST: 'test-postgres-pooler', DB_PORT: '5432', DB_NAME: 'mastodon_production', DB_USER: 'mastodon', PREPARED_STATEMENTS: 'false' });
    const secret = { secretKeyRef: { name: 'test-postgres-app', key: 'password' } };
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).DB_PASS).toEqual(secret);
    const migration = objects.find((o) => o.kind === 'Job' && /migrat/.test(o.metadata?.name ?? '')) as any;
    expect(envOf(migration.spec.template.spec.containers[0])).toMatchObject({ DB_HOST: 'test-postgres-rw', DB_PORT: '5432', PREPARED_STATEMENTS: 'true', DB_PASS: secret });
  });

  it('without the pooler the processes connect to -rw; in session mode prepared statements stay on', () => {
    expect(find(synth(cnpg({ pooler: { enabled: false } })), 'ConfigMap', 'test-env').data).toMatchObject({ DB_HOST: 'test-postgres-rw' });
    const session = synth(cnpg({ pooler: { mode: 'session', poolSize: 100 } }, { maxConnections: 300 }));
    const config = find(session, 'ConfigMap', 'test-env').data;
    expect(config.DB_HOST).toBe('test-postgres-pooler');
    expect(config.PREPARED_STATEMENTS).toBeUndefined();
    expect(find(session, 'Pooler', 'test-postgres-pooler').spec.pgbouncer.poolMode).toBe('session');
  });

  it('the replica is the -ro Service, streaming on it when asked', () => {
    const objects = synth(cnpg({ replica: { streaming: true } }));
    expect(find(objects, 'ConfigMap', 'test-env').data).toMatchObject({ REPLICA_DB_HOST: 'test-postgres-ro', REPLICA_DB_PORT: '5432', REPLICA_DB_NAME: 'mastodon_production' });
    expect(envOf(container(find(objects, 'Deployment', 'test-streaming')))).toMatchObject({ DB_HOST: 'test-postgres-ro', DB_PASS: { secretKeyRef: { name: 'test-postgres-app', key: 'password' } } });
    expect(problems(cnpg({ instances: 1, replica: {} })).join()).toMatch(/read replica needs standbys: instances must be at least 2, found 1/);
  });

  it('backups: barmanObjectStore with the credentials Secret, and a ScheduledBackup', () => {
    const objects = synth(cnpg({ backup: { destinationPath: 's3://backups/pg', endpointUrl: 'https://s3.example.net', ...creds } }));
    expect(find(objects, 'Cluster', 'test-postgres').spec.backup).toEqual({
      retentionPolicy: '30d',
      barmanObjectStore: {
        destinationPath: 's3://backups/pg',
        endpointURL: 'https://s3.example.net',
        s3Credentials: { accessKeyId: { name: 'pg-s3', key: 'id' }, secretAccessKey: { name: 'pg-s3', key: 'secret' } },
        wal: { compression: 'gzip' },
        data: { compression: 'gzip' },
      },
    });
    const scheduled = find(objects, 'ScheduledBackup', 'test-postgres-backup');
    expect(scheduled.spec).toEqual({ cluster: { name: 'test-postgres' }, schedule: '0 0 3 * * *', method: 'barmanObjectStore', backupOwnerReference: 'self', immediate: true });
    for (const o of [scheduled, find(objects, 'Cluster', 'test-postgres')]) expect(gate.validate(o)).toEqual([]);
    expect(problems(cnpg({ backup: { destinationPath: 's3://b', schedule: '0 3 * * *', ...creds } })).join()).toMatch(/schedule.*six-field cron/);
  });

  it('import bootstrap: initdb.import (microservice) from an external cluster whose password is a Secret', () => {
    const objects = synth(cnpg({ import: { host: 'mastodon-postgresql', passwordSecret: { name: 'mastodon-postgresql', key: 'postgres-password' } } }));
    const spec = find(objects, 'Cluster', 'test-postgres').spec;
    expect(spec.bootstrap.initdb.import).toEqual({ type: 'microservice', databases: ['mastodon_production'], source: { externalCluster: 'import-source' } });
    expect(spec.externalClusters).toEqual([
      { name: 'import-source', connectionParameters: { host: 'mastodon-postgresql', port: '5432', user: 'postgres', dbname: 'mastodon_production' }, password: { name: 'mastodon-postgresql', key: 'postgres-password' } },
    ]);
  });

  it('PodMonitors for the instances and the pooler when metrics are on', () => {
    const objects = synth(cnpg({}, {}));
    expect(objects.filter((o) => o.kind === 'PodMonitor')).toEqual([]);
    const on = synth(definition({ database: { host: undefined, passwordSecret: undefined, cloudnativePg: {} }, metrics: { prometheus: true, serviceMonitors: true } }));
    expect(find(on, 'PodMonitor', 'test-postgres').spec.selector.matchLabels).toEqual({ 'cnpg.io/cluster': 'test-postgres', 'cnpg.io/podRole': 'instance' });
    expect(find(on, 'PodMonitor', 'test-postgres-pooler').spec.selector.matchLabels).toEqual({ 'cnpg.io/poolerName': 'test-postgres-pooler' });
  });

  it('required zone spreading puts each instance in its own zone, refused when the zones are fewer', () => {
    const spread = (zones?: number) => ({ scheduling: { zoneSpread: 'required', zones } });
    const objects = synth(definition({ database: { host: undefined, passwordSecret: undefined, cloudnativePg: {} }, ...spread(3) }));
    expect(find(objects, 'Cluster', 'test-postgres').spec.affinity).toEqual({ enablePodAntiAffinity: true, topologyKey: 'topology.kubernetes.io/zone', podAntiAffinityType: 'required' });
    expect(problems(definition({ database: { host: undefined, passwordSecret: undefined, cloudnativePg: {} }, ...spread(2) })).join()).toMatch(
      /zoneSpread required puts each PostgreSQL pod in its own zone, but 3 instances need more zones than the 2 of scheduling.zones/,
    );
    const unknown = model(definition({ database: { host: undefined, passwordSecret: undefined, cloudnativePg: {} }, ...spread() }));
    expect(unknown.warnings.map((w) => w.message).join()).toMatch(/must span at least 3 zones/);
  });

  it('refuses a PostgreSQL major below the Mastodon minimum', () => {
    expect(problems(cnpg({ postgresVersion: 13 })).join()).toMatch(/Mastodon 4.5 needs PostgreSQL 14 or newer, found 13/);
    expect(problems(cnpg({ postgresVersion: 14 }))).toEqual([]);
    expect(problems(cnpg({ postgresVersion: 16, image: 'registry.example/postgresql:17.6-bookworm@sha256:' + 'a'.repeat(64) })).join()).toMatch(/tagged with PostgreSQL 17, but postgresVersion is 16/);
    expect(problems(cnpg({ postgresVersion: 17, image: 'registry.example:5000/postgresql:17.6' }))).toEqual([]);
    // 4.4 runs on 13
    expect(problems(definition({ version: '4.4.5', database: { host: undefined, passwordSecret: undefined, cloudnativePg: { postgresVersion: 13 } } }))).toEqual([]);
  });

  it('refuses a session-mode pooler whose pool cannot hold every client, and budgets against max_connections', () => {
    expect(problems(cnpg({ pooler: { mode: 'session', poolSize: 1 } })).join()).toMatch(/session-mode pooler .* exceeds default_pool_size 1/);
    const m = model(cnpg());
    expect(m.connections.directLimit).toBe(97);
    expect(m.connections.direct).toBe(m.connections.jobs + 40);
    expect(problems(cnpg({ pooler: { poolSize: 50 } })).join()).toMatch(/pooler's server connections plus migration Jobs and maintenance CronJobs \(108, maintenance 6\) exceed the Cluster's max_connections 100 less 3 superuser slots \(97\)/);
    expect(problems(cnpg({ pooler: { poolSize: 50 } }, { maxConnections: 200 }))).toEqual([]);
  });

  it('refuses both an external host and a Cluster, and fields the Cluster owns', () => {
    expect(problems(definition({ database: { cloudnativePg: {} } })).join()).toMatch(/database.host is CloudNativePG's/);
    expect(problems(definition({ database: { host: undefined } })).join()).toMatch(/expected exactly one of host, cloudnativePg, found none/);
    expect(problems(cnpg({}, { port: 6543 })).join()).toMatch(/listen on 5432, found 6543/);
  });
});
