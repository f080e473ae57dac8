import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ImportError, importHelmValues } from '../../src/import/helm';
import { runInProcess } from '../cli';
import { find, model, synth } from '../helpers';
import { SchemaGate } from '../../src/output/schema-gate';
import { VENDOR_DIR } from '../../src/paths';

const FIXTURES = path.join(__dirname, '../fixtures/helm');
const ROOT = path.join(__dirname, '../..');
const values = (file: string) => parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'), { uniqueKeys: false });
const chart693 = values('mastodon-chart-6.9.3.values.yaml');

/** every leaf the file sets (non-empty, not false), as dotted paths, with its value */
function setLeaves(node: unknown, prefix = ''): [string, unknown][] {
  if (node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length) {
    return Object.entries(node).flatMap(([k, v]) => setLeaves(v, prefix ? `${prefix}.${k}` : k));
  }
  const empty = node === undefined || node === null || node === '' || node === false || (typeof node === 'object' && Object.keys(node as object).length === 0);
  return empty ? [] : [[prefix, node]];
}
const at = (root: unknown, p: string) => p.split('.').reduce<any>((n, k) => (n && typeof n === 'object' ? n[k] : undefined), root);

/** the importer's promise: each value set in the file is mapped, listed, read to decide something, or the chart's own default */
function unaccounted(file: string, report: ReturnType<typeof importHelmValues>['report'], defaults: unknown): string[] {
  const covers = (from: string, leaf: string) => leaf === from || leaf.startsWith(`${from}.`) || from.startsWith(`${leaf}[`) || from.startsWith(`${leaf}.`);
  const entries = [...report.mapped, ...report.unmapped, ...report.inert, ...report.read.map((from) => ({ from }))];
  return setLeaves(values(file))
    .filter(([leaf, v]) => JSON.stringify(at(defaults, leaf)) !== JSON.stringify(v))
    .map(([leaf]) => leaf)
    .filter((leaf) => !entries.some((e) => covers(e.from, leaf)));
}

describe('Helm values importer', () => {
  it('converts mastodon/chart 6.9.3\'s own values.yaml into a definition that synthesizes, saying what the bundled subcharts leave behind', () => {
    const { definition, report } = importHelmValues(chart693, { version: '4.6.3' });
    expect(report.flavor).toBe('chart-6');
    expect(definition).toMatchObject({
      name: 'mastodon',
      version: '4.6.3',
      domain: 'mastodon.local',
      // the bundled databases become operator resources; the running PostgreSQL is copied by the Cluster's bootstrap
      database: {
        name: 'mastodon_production',
        user: 'mastodon',
        cloudnativePg: { import: { host: 'mastodon-postgresql', port: 5432, database: 'mastodon_production', user: 'mastodon', passwordSecret: { name: 'mastodon-postgresql', key: 'password' } } },
      },
      redis: { main: { dragonfly: { passwordSecret: { name: 'mastodon-redis', key: 'redis-password' } } } },
      storage: { volume: { size: '100Gi' } },
    });
    expect((definition.database as any).host).toBeUndefined();
    expect((definition.database as any).passwordSecret).toBeUndefined();
    expect(report.notes.join('\n')).toMatch(/bundled PostgreSQL \(mastodon-postgresql\) is copied into a CloudNativePG Cluster/);
    expect(report.notes.join('\n')).toMatch(/bundled Redis \(mastodon-redis-master\) is replaced by a Dragonfly.*drain Sidekiq.*cache is rebuilt/);
    const objects = synth(definition);
    const gate = new SchemaGate(VENDOR_DIR, undefined, false);
    for (const kind of ['Cluster', 'Pooler', 'Dragonfly']) {
      const o = objects.find((x) => x.kind === kind);
      expect(o, kind).toBeDefined();
      expect(gate.validate(o!), kind).toEqual([]);
    }
    // the chart's own values repeat its defaults: nothing to list
    expect(report.unmapped).toEqual([]);
    expect(report.refused).toEqual([]);
    expect(synth(definition).some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it('maps a production 6.x values file key by key, and accounts for every value it sets', () => {
    const file = 'chart-6-most-keys.values.yaml';
    const { definition, report } = importHelmValues(values(file));
    expect(unaccounted(file, report, chart693)).toEqual([]);
    expect(definition).toMatchObject({
      version: '4.5.6',
      upgrade: { from: '4.5.6' },
      webDomain: 'social.example.social',
      env: { TZ: 'Europe/Berlin', DEFAULT_LOCALE: 'de', AUTHORIZED_FETCH: 'true', GITHUB_REPOSITORY: 'example/mastodon' },
      database: { host: 'postgres-rw.db.svc', passwordSecret: { name: 'mastodon-db', key: 'password' }, replica: { host: 'postgres-ro.db.svc' } },
      redis: { sidekiq: { external: { host: 'redis-sidekiq.redis.svc', passwordSecret: { name: 'mastodon-redis', key: 'password' } } } },
      search: { host: 'https://opensearch.search.svc', preset: 'small_cluster', caSecret: { name: 'opensearch-ca', key: 'ca.crt' } },
      storage: { s3: { bucket: 'example-media', multipartThresholdBytes: 52428800, accessKeyIdSecret: { name: 'mastodon-s3', key: 'AWS_ACCESS_KEY_ID' } } },
      smtp: { authMethod: 'login', starttls: 'always', replyTo: 'support@example.social', loginSecret: { name: 'mastodon-smtp', key: 'login' }, bulk: { server: 'bulk.postmarkapp.com' } },
      traffic: { streamingHost: 'streaming.example.social', ingress: { className: 'nginx', clusterIssuer: 'letsencrypt', maxBodySize: '40m', streaming: { className: 'nginx-ws', tlsSecret: 'mastodon-streaming-tls' } } },
      translation: { deepl: { plan: 'pro' } },
      captcha: { hcaptcha: { secretKeySecret: { name: 'mastodon-hcaptcha', key: 'secret-key' } } },
      metrics: { prometheus: true, detailed: true, otel: { endpoint: 'http://otel-collector.monitoring:4318' } },
      admin: { username: 'admin' },
      maintenance: { mediaRemove: { schedule: '15 2 * * *' } },
      jobs: { nodeSelector: { pool: 'batch' }, podLabels: { kind: 'job' } },
    });
    // chart 6.x runs its search Job only for the bundled Elasticsearch, and this one is external
    expect((definition.search as any).initialize).toBeUndefined();
    const groups = (definition.sidekiq as any).groups;
    expect(groups.map((g: any) => [g.name, g.replicas, g.concurrency])).toEqual([['default', 2, 25], ['push-pull', 2, 15], ['scheduler', 1, 5]]);
    expect(groups[1].image).toEqual({ repository: 'registry.example/mastodon-extra', tag: 'v4.5.6-extra' });
    expect(groups[0].tolerations[0].key).toBe('dedicated');
    expect(groups[2].resources).toEqual({ cpu: '100m', memory: '512Mi', memoryLimit: '1Gi' });
    expect((definition.web as any).serviceAccount).toEqual({ name: 'mastodon', create: true, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/mastodon' } });
    expect(definition.auth).toEqual({
      omniauthOnly: true,
      oidc: { displayName: 'Example SSO', issuer: 'https://sso.example.social', clientId: 'mastodon', uidField: 'preferred_username', settings: { CLIENT_AUTH_METHOD: 'basic' }, clientSecretSecret: { name: 'mastodon-oidc', key: 'client-secret' } },
    });
    expect(report.unmapped.find((u) => u.from === 'externalAuth.oidc.redirect_uri')?.reason).toMatch(/callback URL is https:\/\/<webDomain>/);
    expect(report.notes.join('\n')).toMatch(/the app connected through pgbouncer\.db\.svc and migrations directly to postgres-rw\.db\.svc, with prepared statements/);
  });

  it('maps a 1.x values file with its Secret key names, Gateway parents and an existing media claim', () => {
    const file = 'helm-charts-1-most-keys.values.yaml';
    const { definition, report } = importHelmValues(values(file));
    expect(report.flavor).toBe('helm-charts-1');
    expect(unaccounted(file, report, values('mastodon-helm-charts-1.0.2.values.yaml'))).toEqual([]);
    expect(definition).toMatchObject({
      secrets: { core: 'mastodon-secrets', coreKeys: { SECRET_KEY_BASE: 'secret-key-base', ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: 'are-derivation-salt' } },
      database: { userSecret: { name: 'mastodon-db', key: 'username' }, passwordSecret: { name: 'mastodon-db', key: 'password' } },
      redis: { main: { external: { passwordSecret: { name: 'mastodon-redis', key: 'redis-password' } } }, cache: { external: { host: 'dragonfly-cache.redis.svc' } } },
      storage: { volume: { size: '500Gi', accessMode: 'ReadWriteMany', existingClaim: 'mastodon-system' } },
      traffic: { gateway: { name: 'public', sectionName: 'https', extraParents: [{ name: 'internal', namespace: 'internal-gateway' }], streamingParents: [{ name: 'websockets', namespace: 'gateway-system' }] } },
      trustedProxyIps: ['10.0.0.0/8', '192.168.0.0/16'],
      cacheBuster: { httpMethod: 'PURGE', secretSecret: { name: 'mastodon-cache-buster', key: 'auth-token' } },
      env: { LIMITED_FEDERATION_MODE: 'true' },
    });
    const objects = synth(definition);
    expect(find(objects, 'HTTPRoute', 'mastodon-streaming').spec.parentRefs).toEqual([{ name: 'websockets', namespace: 'gateway-system' }]);
    expect(model(definition).warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^concurrency 25 is above about 20 threads/)]);
  });

  it('converts the 1.x CI example once its secrets live in Secrets', () => {
    const v = values('mastodon-helm-charts-1.0.2.ci-default-values.yaml');
    v.mastodon.secrets = { existingSecret: 'mastodon-secrets' };
    for (const key of ['accessKeyId', 'secretAccessKey']) delete v.mastodon.s3[key];
    v.mastodon.s3.existingSecret = 'mastodon-s3';
    delete v.mastodon.smtp.password;
    v.mastodon.smtp.existingSecret = 'mastodon-smtp';
    delete v.mastodon.smtp.username;
    v.postgresql = { ...v.postgresql, password: undefined, existingSecret: 'mastodon-db' };
    v.redis = { ...v.redis, password: undefined, existingSecret: 'mastodon-redis' };
    const { definition, report } = importHelmValues(v, { version: '4.6.2' });
    expect(report.refused).toEqual([]);
    expect(definition).toMatchObject({ domain: 'mydomain.social', env: { LIMITED_FEDERATION_MODE: 'true' }, storage: { s3: { bucket: 'mastodon-media', endpoint: 'https://s3.us-east-1.amazonaws.com' } } });
    expect(synth(definition).length).toBeGreaterThan(10);
  });

  it('says what it needs when the values cannot tell', () => {
    expect(() => importHelmValues(chart693)).toThrow(/give --version/);
    expect(() => importHelmValues({ mastodon: { localDomain: 'a.example', local_domain: 'a.example' } })).toThrow(ImportError);
    expect(() => importHelmValues(values('mastodon-helm-charts-1.0.2.values.yaml'), { version: '4.6.2' })).toThrow(/no PostgreSQL host/);
    expect(() => importHelmValues({}, { version: '4.6.3', chartVersion: '3.0.0' })).toThrow(/not one of mastodon\/chart's versions whose defaults are known here \(4\.0\.0 to 6\.9\.3\)/);
  });
});

describe('chart defaults under the values, per chart version', () => {
  it('turns on what chart 6.x turns on by default: its Ingress and the bundled Elasticsearch, and says which values came from the defaults', () => {
    const { definition, report } = importHelmValues({ mastodon: { local_domain: 'tiny.example', secrets: { existingSecret: 'core' } } }, { version: '4.6.3' });
    // the default Ingress's tls entry is for mastodon.local, not this host: TLS ends before it
    expect(definition).toMatchObject({ search: { host: 'mastodon-elasticsearch-master-hl', port: 9200 }, traffic: { ingress: { tls: 'external' } } });
    expect(report.mapped.filter((e) => e.fromDefault).map((e) => e.from)).toEqual(expect.arrayContaining(['ingress.enabled', 'elasticsearch.enabled', 'postgresql.enabled', 'redis.enabled']));
    expect(report.mapped.find((e) => e.from === 'mastodon.local_domain')?.fromDefault).toBe(false);
    // the chart's Ingress has no class: the definition's default, said in the report
    expect(report.notes.join('\n')).toMatch(/Ingress had no class/);
  });

  it('reads the defaults of the chart version the release runs (6.3.1 still defaulted the locale to en)', () => {
    const file = { mastodon: { local_domain: 'old.example', secrets: { existingSecret: 'core' } } };
    expect((importHelmValues(file, { version: '4.3.9', chartVersion: '6.3.1' }).definition.env as any)?.DEFAULT_LOCALE).toBe('en');
    expect((importHelmValues(file, { version: '4.3.9', chartVersion: '6.3.2' }).definition.env as any)?.DEFAULT_LOCALE).toBeUndefined();
    // without image.tag a known chart version gives the Mastodon version: its appVersion
    expect(importHelmValues(file, { chartVersion: 'mastodon-6.8.7' }).definition.version).toBe('4.5.11');
    expect(importHelmValues(file, { chartVersion: '6.5.x' }).report.chartVersion).toBe('6.5.8');
  });

  it('reads older charts\' keys under their new names, unless the release runs a chart that ignores them', () => {
    const file = { replicaCount: 3, mastodon: { local_domain: 'x.example', secrets: { existingSecret: 'core' }, web: { deploymentAnnotations: { a: 'b' } } } };
    const old = importHelmValues(file, { version: '4.3.9', chartVersion: '5.3.3' });
    expect(old.report.notes.join('\n')).toMatch(/mastodon\.web\.deploymentAnnotations is the key of chart 5\.3\.3 and before: read as mastodon\.web\.annotations/);
    const now = importHelmValues(file, { version: '4.6.3', chartVersion: '6.9.3' });
    expect(now.report.unmapped.find((u) => u.from === 'replicaCount')?.reason).toMatch(/mastodon\/chart 6\.9\.3 no longer reads it \(renamed to mastodon\.web\.replicas and mastodon\.streaming\.replicas after chart 2\.3\.0\), so Helm ignored it/);
    expect((now.definition.web as any).replicas).toBe(1);
    // no chart version given: the file was written for the chart that read the key
    expect((importHelmValues(file, { version: '4.6.3' }).definition.web as any).replicas).toBe(3);
  });
});

describe('what the charts\' values mean, per chart', () => {
  const base6 = { mastodon: { local_domain: 'a.example', secrets: { existingSecret: 'core' } }, postgresql: { enabled: false, postgresqlHostname: 'db', auth: { existingSecret: 'db' } }, redis: { enabled: false, hostname: 'redis' }, elasticsearch: { enabled: false } };
  const base1 = { mastodon: { localDomain: 'a.example', secrets: { existingSecret: 'core' }, s3: { existingSecret: 's3', bucket: 'b', endpoint: 'https://s3.example', hostname: 's3.example' }, smtp: { existingSecret: 'smtp' } }, postgresql: { hostname: 'db', existingSecret: 'db' }, redis: { hostname: 'redis', existingSecret: 'redis' } };

  it('helm-charts 1.x: elasticsearch.enabled false with a hostname is search off', () => {
    const { definition, report } = importHelmValues({ ...base1, elasticsearch: { enabled: false, hostname: 'es.svc' } }, { version: '4.6.2' });
    expect(definition.search).toBeUndefined();
    expect(report.inert.map((i) => i.from)).toContain('elasticsearch');
  });

  it('the kubernetes.io/ingress.class annotation is the Ingress class, never an annotation beside another class', () => {
    const { definition } = importHelmValues({ ...base6, ingress: { enabled: true, annotations: { 'kubernetes.io/ingress.class': 'gce', 'networking.gke.io/managed-certificates': 'cert' }, hosts: [{ host: 'a.example', paths: [{ path: '/' }] }], tls: [] } }, { version: '4.6.3' });
    expect((definition.traffic as any).ingress).toEqual({ className: 'gce', annotations: { 'networking.gke.io/managed-certificates': 'cert' }, tls: 'external' });
    const web = find(synth(definition), 'Ingress', 'mastodon-web');
    expect(web.spec.ingressClassName).toBe('gce');
    expect(web.metadata.annotations['kubernetes.io/ingress.class']).toBeUndefined();
    expect(web.spec.tls).toBeUndefined();
  });

  it('chart 6.x: the top-level nodeSelector and tolerations reach the Jobs and CronJobs too', () => {
    const { definition } = importHelmValues({ ...base6, nodeSelector: { pool: 'general' }, tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }] }, { version: '4.6.3' });
    expect(definition.jobs).toMatchObject({ nodeSelector: { pool: 'general' }, tolerations: [{ key: 'dedicated' }] });
    const migrate = synth(definition).find((o) => o.kind === 'Job' && String(o.metadata?.name).startsWith('mastodon-db-migrate-pre')) as any;
    expect(migrate.spec.template.spec.nodeSelector).toEqual({ pool: 'general' });
  });

  it('helm-charts 1.x: the OIDC existingSecret\'s client id wins over the one written inline', () => {
    const oidc = { enabled: true, displayName: 'SSO', issuer: 'https://sso.example', clientId: 'inline', existingSecret: 'oidc', existingSecretKeys: { clientId: 'id', clientSecret: 'secret' } };
    const { definition, report } = importHelmValues({ ...base1, externalAuth: { oidc } }, { version: '4.6.2' });
    expect((definition.auth as any).oidc).toMatchObject({ clientIdSecret: { name: 'oidc', key: 'id' }, clientSecretSecret: { name: 'oidc', key: 'secret' } });
    expect((definition.auth as any).oidc.clientId).toBeUndefined();
    expect(report.unmapped.find((u) => u.from === 'externalAuth.oidc.clientId')?.reason).toMatch(/reads the client id from existingSecret/);
    const web = find(synth(definition), 'Deployment', 'mastodon-web');
    expect(web.spec.template.spec.containers[0].env.find((e: any) => e.name === 'OIDC_CLIENT_ID').valueFrom.secretKeyRef).toEqual({ name: 'oidc', key: 'id' });
  });

  it('OIDC endpoints given without discovery become the typed fields the generator emits them from, not free-form settings', () => {
    const oidc = { enabled: true, displayName: 'SSO', issuer: 'https://sso.example', discovery: false, clientId: 'id', existingSecret: 'oidc', authEndpoint: 'https://sso.example/auth', tokenEndpoint: 'https://sso.example/token', userInfoEndpoint: 'https://sso.example/me', jwksUri: 'https://sso.example/jwks', responseMode: 'query' };
    const { definition } = importHelmValues({ ...base1, externalAuth: { oidc } }, { version: '4.6.2' });
    expect((definition.auth as any).oidc).toMatchObject({ authEndpoint: 'https://sso.example/auth', tokenEndpoint: 'https://sso.example/token', userInfoEndpoint: 'https://sso.example/me', jwksUri: 'https://sso.example/jwks', settings: { RESPONSE_MODE: 'query' } });
    const env = find(synth(definition), 'ConfigMap', 'mastodon-env').data;
    expect(env).toMatchObject({ OIDC_AUTH_ENDPOINT: 'https://sso.example/auth', OIDC_JWKS_URI: 'https://sso.example/jwks', OIDC_RESPONSE_MODE: 'query', OIDC_DISCOVERY: 'false' });
  });

  it('an Ingress annotation the generator sets (the webfinger redirect\'s CORS) is listed as not carried over, not copied into a definition that refuses it', () => {
    const annotations = { 'nginx.ingress.kubernetes.io/enable-cors': 'true', 'nginx.ingress.kubernetes.io/limit-rps': '10' };
    const { definition, report } = importHelmValues({ ...base6, ingress: { enabled: true, annotations, hosts: [{ host: 'a.example', paths: [{ path: '/' }] }], tls: [] } }, { version: '4.6.3' });
    expect((definition.traffic as any).ingress.annotations).toEqual({ 'nginx.ingress.kubernetes.io/limit-rps': '10' });
    expect(report.unmapped.find((u) => u.from === 'ingress.annotations.nginx.ingress.kubernetes.io/enable-cors')?.reason).toMatch(/the generator sets it/);
    expect(synth(definition).filter((o) => o.kind === 'Ingress').length).toBeGreaterThan(0);
  });

  it('a variable the generator sets, given as an extra variable, becomes its typed field (S3_FORCE_SINGLE_REQUEST has one)', () => {
    const s3 = { enabled: true, existingSecret: 's3', bucket: 'b', endpoint: 'https://s3.example', hostname: 's3.example' };
    const { definition, report } = importHelmValues({ ...base6, mastodon: { ...base6.mastodon, s3, extraEnvVars: { S3_FORCE_SINGLE_REQUEST: 'true', MAX_TOOT_CHARS: '1000', S3_ENDPOINT: 'https://other.example' } } }, { version: '4.6.3' });
    expect((definition.storage as any).s3.forceSingleRequest).toBe(true);
    expect((definition.env as any).S3_FORCE_SINGLE_REQUEST).toBeUndefined();
    expect(report.unmapped.map((u) => u.reason)).not.toContain('no counterpart in the definition');
  });

  it('an extra variable takes its field\'s type from the definition schema: a number, a list', () => {
    const s3 = { enabled: true, existingSecret: 's3', bucket: 'b', endpoint: 'https://s3.example', hostname: 's3.example' };
    const { definition } = importHelmValues({ ...base6, mastodon: { ...base6.mastodon, s3, extraEnvVars: { S3_OPEN_TIMEOUT: '7', ALTERNATE_DOMAINS: 'a.example.org, b.example.org' } } }, { version: '4.6.3' });
    expect((definition.storage as any).s3.openTimeoutSeconds).toBe(7);
    expect(definition.alternateDomains).toEqual(['a.example.org', 'b.example.org']);
    expect(definition.env).toBeUndefined();
    expect(find(synth(definition), 'ConfigMap', 'mastodon-env').data).toMatchObject({ S3_OPEN_TIMEOUT: '7', ALTERNATE_DOMAINS: 'a.example.org,b.example.org' });
  });

  it('chart 6.x reads no per-component extra variables for web and Sidekiq, and says so', () => {
    const { definition, report } = importHelmValues({ ...base6, mastodon: { ...base6.mastodon, web: { extraEnvVars: { A: 'b' } }, streaming: { extraEnvVars: { C: 'd' } } } }, { version: '4.6.3' });
    expect((definition.web as any).extraEnv).toBeUndefined();
    expect((definition.streaming as any).extraEnv).toEqual({ C: 'd' });
    expect(report.unmapped.find((u) => u.from === 'mastodon.web.extraEnvVars')?.reason).toMatch(/chart 6\.x does not read it/);
  });

  it('a worker list written before 4.4 gets the fasp queue in the group with default, and the report says so', () => {
    const workers = [{ name: 'main', concurrency: 10, replicas: 1, queues: ['default,8', 'push', 'scheduler'] }, { name: 'pull', concurrency: 5, replicas: 1, queues: ['pull', 'ingress', 'mailers'] }];
    const { definition, report } = importHelmValues({ ...base6, mastodon: { ...base6.mastodon, sidekiq: { workers } } }, { version: '4.5.11' });
    expect((definition.sidekiq as any).groups.map((g: any) => g.queues)).toEqual([['default,8', 'push', 'scheduler', 'fasp'], ['pull', 'ingress', 'mailers']]);
    expect(report.notes.join('\n')).toMatch(/sidekiq group main also takes the fasp queue/);
    expect(model(definition).def.sidekiq.groups[0].queues).toContain('fasp');
    // before 4.4 there is no such queue
    expect((importHelmValues({ ...base6, mastodon: { ...base6.mastodon, sidekiq: { workers } } }, { version: '4.3.9' }).definition.sidekiq as any).groups[0].queues).not.toContain('fasp');
  });

  it('TLS ends before the Ingress when no tls entry covers the web host', () => {
    const ingress = { enabled: true, ingressClassName: 'traefik', hosts: [{ host: 'a.example', paths: [{ path: '/' }] }] };
    const { definition, report } = importHelmValues({ ...base6, ingress: { ...ingress, tls: null } }, { version: '4.6.3' });
    expect((definition.traffic as any).ingress).toEqual({ className: 'traefik', tls: 'external' });
    expect(report.notes.join('\n')).toMatch(/no ingress\.tls entry covers a\.example, so TLS ends before the Ingress/);
    const covered = importHelmValues({ ...base6, ingress: { ...ingress, tls: [{ secretName: 'a-tls', hosts: ['a.example'] }] } }, { version: '4.6.3' });
    expect((covered.definition.traffic as any).ingress).toEqual({ className: 'traefik', tlsSecret: 'a-tls' });
  });

  it('a streaming tls Secret named as cert-manager\'s web certificate joins that certificate instead of being claimed twice', () => {
    const ingress = {
      enabled: true,
      ingressClassName: 'nginx',
      annotations: { 'cert-manager.io/cluster-issuer': 'letsencrypt' },
      hosts: [{ host: 'a.example', paths: [{ path: '/' }] }],
      tls: [{ secretName: 'mastodon-tls', hosts: ['a.example'] }],
      streaming: { enabled: true, hosts: [{ host: 'streaming.a.example', paths: [{ path: '/' }] }], tls: [{ secretName: 'social-tls', hosts: ['streaming.a.example'] }] },
    };
    const { definition, report } = importHelmValues({ ...base6, ingress }, { version: '4.6.3', release: 'social' });
    expect((definition.traffic as any).ingress).toEqual({ className: 'nginx', clusterIssuer: 'letsencrypt', streaming: {} });
    expect(report.notes.join('\n')).toMatch(/ingress\.streaming\.tls names social-tls, the Secret cert-manager issues the web certificate into/);
    // synth accepts it, and the one certificate covers the streaming host
    const web = synth(definition).find((o) => o.kind === 'Ingress' && o.metadata.name === 'social-web');
    expect(web?.spec.tls).toEqual([{ hosts: ['a.example', 'streaming.a.example'], secretName: 'social-tls' }]);
    // any other name stays the streaming Ingress's own certificate
    const other = importHelmValues({ ...base6, ingress: { ...ingress, streaming: { ...ingress.streaming, tls: [{ secretName: 'streaming-tls' }] } } }, { version: '4.6.3', release: 'social' });
    expect((other.definition.traffic as any).ingress.streaming).toEqual({ tlsSecret: 'streaming-tls' });
  });
});

describe('every key the charts define', () => {
  const leaves = (n: any, p = '', o: [string, unknown][] = []): [string, unknown][] => {
    if (n && typeof n === 'object' && !Array.isArray(n) && Object.keys(n).length) for (const [k, v] of Object.entries(n)) leaves(v, p ? `${p}.${k}` : k, o);
    else o.push([p, n]);
    return o;
  };
  const setAt = (root: any, p: string, v: unknown) => {
    const keys = p.split('.');
    let node = root;
    for (const k of keys.slice(0, -1)) node = node[k] = node[k] && typeof node[k] === 'object' ? node[k] : {};
    node[keys[keys.length - 1]] = v;
  };

  for (const [flavor, file, base] of [
    ['chart-6', 'mastodon-chart-6.9.3.values.yaml', { mastodon: { local_domain: 'a.example', secrets: { existingSecret: 'core' } } }],
    ['helm-charts-1', 'mastodon-helm-charts-1.0.2.values.yaml', { mastodon: { localDomain: 'a.example', secrets: { existingSecret: 'core' } }, postgresql: { hostname: 'db' }, redis: { hostname: 'redis' } }],
  ] as const) {
    it(`${flavor}: set to another value, is mapped or said why not, never "no counterpart" without a reason`, () => {
      const generic: string[] = [];
      for (const [key, value] of leaves(values(file))) {
        // an empty map or list in the defaults is a place for the user's own structure
        if (value && typeof value === 'object' && Object.keys(value).length === 0) continue;
        const v: any = structuredClone(base);
        setAt(v, key, typeof value === 'boolean' ? !value : typeof value === 'number' ? value + 1 : Array.isArray(value) ? value : 'changed');
        let report;
        try {
          report = importHelmValues(v, { version: '4.6.3', flavor }).report;
        } catch (e) {
          if (e instanceof ImportError) continue; // refused with its own message
          throw e;
        }
        const u = report.unmapped.find((x) => x.from === key || key.startsWith(`${x.from}.`));
        if (u && /^(no counterpart in the definition|not a key of)/.test(u.reason)) generic.push(key);
      }
      expect(generic).toEqual([]);
    });
  }
});

describe('npm run import', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'build/cli.js'), 'import', ...args], { encoding: 'utf8' });
  /** the same command in this process, for what does not need a process of its own */
  const here = (args: string[]) => runInProcess('import', args);
  /** runs a test in a fresh folder, removed afterwards */
  const inTmp = (test: (dir: string) => void) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-'));
    try {
      test(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('writes a definition with its report on top, which then synthesizes through the schema gate and the rules', () =>
    inTmp((dir) => {
      const out = path.join(dir, 'instances', 'example.yaml');
      const r = here([path.join(FIXTURES, 'chart-6-most-keys.values.yaml'), '--name', 'example', '--namespace', 'social', '--out', out]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const text = fs.readFileSync(out, 'utf8');
      expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/schema\/instance\.schema\.json\n# Imported from chart-6-most-keys\.values\.yaml \(mastodon\/chart, defaults of chart 6\.9\.3\)/);
      // a key the chart's values.yaml does not define could hold anything: its value is not shown
      expect(text).toMatch(/# - externalAuth\.oidc\.redirect_uri = \(value not shown\): the callback URL/);
      expect(text).toMatch(/# - database\.maxConnections is \d+/);
      expect(text).toMatch(/# From the chart's defaults \(chart-6-most-keys\.values\.yaml does not set them\):\n(# - .*\n)*# - mastodon\.streaming\.image\.repository -> image\.streamingRepository\n/);
      expect(parse(text)).toMatchObject({ name: 'example', namespace: 'social', upgrade: { from: '4.5.6' } });
      expect(here([path.join(FIXTURES, 'chart-6-most-keys.values.yaml'), '--name', 'example', '--out', out]).status).toBe(1);
      const s = runInProcess('synth', ['--instances', path.dirname(out), '--out', path.join(dir, 'dist')]);
      expect({ status: s.status, stderr: s.stderr.split('\n').filter((l) => / error: /.test(l)) }).toEqual({ status: 0, stderr: [] });
    }));

  it('imports a values file that leaves everything to the chart\'s defaults with --version alone', () =>
    inTmp((dir) => {
      fs.writeFileSync(path.join(dir, 'values.yaml'), '{}\n');
      const r = here([path.join(dir, 'values.yaml'), '--version', '4.6.3', '--out', path.join(dir, 'mastodon.yaml')]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(r.stdout).toMatch(/from the defaults of mastodon\/chart 6\.9\.3/);
    }));

  it('lists an extra variable the generator emits for the definition as not carried over, instead of failing', () =>
    inTmp((dir) => {
      const file = path.join(dir, 'values.yaml');
      fs.writeFileSync(file, 'mastodon:\n  local_domain: a.example\n  secrets: { existingSecret: core }\n  extraEnvVars:\n    MAX_TOOT_CHARS: "1000"\n    LOCAL_DOMAIN: other.example\n');
      const out = path.join(dir, 'out.yaml');
      const r = here([file, '--version', '4.6.3', '--out', out]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const text = fs.readFileSync(out, 'utf8');
      expect(text).toMatch(/# - mastodon\.extraEnvVars\.LOCAL_DOMAIN = \(value not shown\): LOCAL_DOMAIN is generated from domain for this instance; set it there/);
      expect(parse(text).env).toEqual({ MAX_TOOT_CHARS: '1000' });
    }));

  it('names the values key and its line when a mapped value is refused, not a line of a definition never written', () =>
    inTmp((dir) => {
      const file = path.join(dir, 'values.yaml');
      fs.writeFileSync(file, ['mastodon:', '  local_domain: a.example', '  secrets:', '    existingSecret: core', '  createAdmin:', '    enabled: true', '    username: "Not Gargron"', '    email: admin@a.example', ''].join('\n'));
      const r = here([file, '--version', '4.6.3', '--out', path.join(dir, 'out.yaml')]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/^\S*values\.yaml:7:5: mastodon\.createAdmin\.username: expected a Mastodon user name \(letters, digits and _, at most 30\), found "Not Gargron" \(definition field admin\.username\)$/m);
      expect(fs.existsSync(path.join(dir, 'out.yaml'))).toBe(false);
    }));

  it('reads a Flux HelmRelease: its values, release name, namespace and chart version', () =>
    inTmp((dir) => {
      const file = path.join(dir, 'release.yaml');
      fs.writeFileSync(
        file,
        ['apiVersion: helm.toolkit.fluxcd.io/v2', 'kind: HelmRelease', 'metadata: { name: social, namespace: flux-system }', 'spec:', '  targetNamespace: fedi', '  chart: { spec: { chart: mastodon, version: "6.8.7" } }', '  values:', '    mastodon:', '      local_domain: fedi.example', '      secrets: { existingSecret: core }', ''].join('\n'),
      );
      const out = path.join(dir, 'out.yaml');
      const r = here([file, '--out', out]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      expect(parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ name: 'social', namespace: 'fedi', version: '4.5.11', domain: 'fedi.example', database: { cloudnativePg: { import: { host: 'social-postgresql' } } } });
    }));

  it('writes nothing on inline secrets, and prints one kubectl command per Secret, in the namespace, with all its keys', () =>
    inTmp((dir) => {
      const out = path.join(dir, 'x.yaml');
      const r = cli([path.join(FIXTURES, 'mastodon-chart-6.9.3.dev-values.yaml'), '--version', '4.6.3', '--namespace', 'social', '--out', out]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/import refused: 7 credential\(s\) written inline/);
      expect(r.stderr).toMatch(/^\S*mastodon-chart-6\.9\.3\.dev-values\.yaml:5:5: mastodon\.secrets\.secret_key_base: a credential written inline: not copied/m);
      const commands = r.stderr.split('\n').filter((l) => l.includes('kubectl create secret'));
      expect(commands).toEqual([
        '  kubectl create secret generic mastodon-core --namespace social --from-literal=SECRET_KEY_BASE=... --from-literal=OTP_SECRET=... --from-literal=VAPID_PRIVATE_KEY=... --from-literal=VAPID_PUBLIC_KEY=... --from-literal=ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY=... --from-literal=ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY=... --from-literal=ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT=...',
      ]);
      expect(r.stderr).not.toMatch(/dummy-/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(out)).toBe(false);

      const smtp = path.join(dir, 'smtp.yaml');
      fs.writeFileSync(smtp, 'mastodon:\n  smtp:\n    login: postmaster\n    password: hunter2-smtp\n  s3:\n    enabled: true\n    access_key: AKIAEXAMPLE\n    access_secret: s3cr3t-key\n');
      const s = cli([smtp, '--version', '4.6.3', '--release', 'social']);
      expect(s.status).toBe(1);
      expect(s.stderr.split('\n').filter((l) => l.includes('kubectl create secret'))).toEqual([
        '  kubectl create secret generic mastodon-s3 --namespace social --from-literal=AWS_ACCESS_KEY_ID=... --from-literal=AWS_SECRET_ACCESS_KEY=...',
        '  kubectl create secret generic mastodon-smtp --namespace social --from-literal=password=... --from-literal=login=...',
      ]);
      expect(s.stderr).toMatch(/then in \S*smtp\.yaml: set mastodon\.smtp\.existingSecret: mastodon-smtp and remove mastodon\.smtp\.password, mastodon\.smtp\.login/);
      expect(s.stderr).not.toMatch(/hunter2|AKIAEXAMPLE|s3cr3t/);
    }));

  it('prints its usage for --help, and exits 2 on a usage error', () => {
    const help = cli(['--help']);
    expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
    expect(help.stdout).toMatch(/^Usage: mastodon-cdk8s import FILE \[options\]   \(in this repository: npm run import -- FILE/);
    expect(help.stdout).toMatch(/--chart-version V/);
    expect(cli(['--chart', '7']).status).toBe(2);
    const synthHelp = spawnSync(process.execPath, [path.join(ROOT, 'build/cli.js'), 'synth', '--help'], { encoding: 'utf8' });
    expect({ status: synthHelp.status, stderr: synthHelp.stderr }).toEqual({ status: 0, stderr: '' });
    expect(synthHelp.stdout).toMatch(/^Usage: mastodon-cdk8s synth \[options\] \[FILE...\]   \(in this repository: npm run synth/);
  });
});
