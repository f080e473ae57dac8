import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ImportError, importHelmValues } from '../../src/import/helm';
import { find, model, synth } from '../helpers';

const FIXTURES = path.join(__dirname, '../fixtures/helm');
const ROOT = path.join(__dirname, '../..');
const values = (file: string) => parse(fs.readFileSync(path.join(FIXTURES, file), 'utf8'), { uniqueKeys: false });

/** every leaf the file sets (non-empty, not false), as dotted paths */
function setLeaves(node: unknown, prefix = ''): string[] {
  if (node && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length) {
    return Object.entries(node).flatMap(([k, v]) => setLeaves(v, prefix ? `${prefix}.${k}` : k));
  }
  const empty = node === undefined || node === null || node === '' || node === false || (typeof node === 'object' && Object.keys(node as object).length === 0);
  return empty ? [] : [prefix];
}

/** the importer's promise: each value set in the file is mapped, listed as not carried over, or read to decide something */
function unaccounted(file: string, report: ReturnType<typeof importHelmValues>['report']): string[] {
  const covers = (from: string, leaf: string) => leaf === from || leaf.startsWith(`${from}.`) || from.startsWith(`${leaf}[`) || from.startsWith(`${leaf}.`);
  const read = report.read.map((from) => ({ from }));
  return setLeaves(values(file)).filter((leaf) => ![...report.mapped, ...report.unmapped, ...report.inert, ...read].some((e) => covers(e.from, leaf)));
}

describe('Helm values importer', () => {
  it('converts mastodon/chart 6.9.3\'s own values.yaml into a definition that synthesizes, saying what the bundled subcharts leave behind', () => {
    const { definition, report } = importHelmValues(values('mastodon-chart-6.9.3.values.yaml'), { version: '4.6.3' });
    expect(report.flavor).toBe('chart-6');
    expect(definition).toMatchObject({ name: 'mastodon', version: '4.6.3', domain: 'mastodon.local', database: { host: 'mastodon-postgresql' }, redis: { main: { external: { host: 'mastodon-redis-master' } } }, storage: { volume: { size: '100Gi' } } });
    expect(report.notes.join('\n')).toMatch(/bundled PostgreSQL .*keeps running only while its Helm release exists/);
    expect(report.unmapped.find((u) => u.from === 'mastodon.persistence.assets.accessMode')?.reason).toMatch(/assets are in the image/);
    expect(report.refused).toEqual([]);
    expect(synth(definition).some((o) => o.kind === 'Deployment')).toBe(true);
  });

  it('maps a production 6.x values file key by key, and accounts for every value it sets', () => {
    const file = 'chart-6-most-keys.values.yaml';
    const { definition, report } = importHelmValues(values(file));
    expect(unaccounted(file, report)).toEqual([]);
    expect(definition).toMatchObject({
      version: '4.5.6',
      upgrade: { from: '4.5.6' },
      webDomain: 'social.example.social',
      env: { TZ: 'Europe/Berlin', DEFAULT_LOCALE: 'de', AUTHORIZED_FETCH: 'true', GITHUB_REPOSITORY: 'example/mastodon' },
      database: { host: 'postgres-rw.db.svc', passwordSecret: { name: 'mastodon-db', key: 'password' }, replica: { host: 'postgres-ro.db.svc' } },
      redis: { sidekiq: { external: { host: 'redis-sidekiq.redis.svc', passwordSecret: { name: 'mastodon-redis', key: 'password' } } } },
      search: { host: 'https://opensearch.search.svc', preset: 'small_cluster', caSecret: { name: 'opensearch-ca', key: 'ca.crt' }, initialize: true },
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
    expect(report.notes.join('\n')).toMatch(/pgbouncer\.db\.svc is PgBouncer, set database\.pooler/);
  });

  it('maps a 1.x values file with its Secret key names, Gateway parents and an existing media claim', () => {
    const file = 'helm-charts-1-most-keys.values.yaml';
    const { definition, report } = importHelmValues(values(file));
    expect(report.flavor).toBe('helm-charts-1');
    expect(unaccounted(file, report)).toEqual([]);
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

  it('refuses inline secrets, says how to move each to a Secret, and never copies a value', () => {
    for (const [file, count] of [['mastodon-chart-6.9.3.dev-values.yaml', 7], ['mastodon-helm-charts-1.0.2.ci-default-values.yaml', 11]] as const) {
      const v = values(file);
      const result = importHelmValues(v, { version: '4.6.2' });
      expect(result.report.refused.length, file).toBe(count);
      expect(result.report.refused[0].message).toMatch(/kubectl create secret generic \S+ --from-literal=SECRET_KEY_BASE=\.\.\./);
      const printed = JSON.stringify(result);
      for (const secret of ['dummy-secret_key_base', 'some-secret-key-base', 'some-secret-access-key', 'dummy-are-key_derivation_salt']) expect(printed).not.toContain(secret);
    }
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
    expect(() => importHelmValues(values('mastodon-chart-6.9.3.values.yaml'))).toThrow(/give --version/);
    expect(() => importHelmValues({ mastodon: {} })).toThrow(ImportError);
    expect(() => importHelmValues(values('mastodon-helm-charts-1.0.2.values.yaml'), { version: '4.6.2' })).toThrow(/no PostgreSQL host/);
  });
});

describe('npm run import', () => {
  const cli = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'build/src/import/main.js'), ...args], { encoding: 'utf8' });

  it('writes a definition with its report on top, which then synthesizes through the schema gate and the rules', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-'));
    try {
      const out = path.join(dir, 'instances', 'example.yaml');
      const r = cli([path.join(FIXTURES, 'chart-6-most-keys.values.yaml'), '--name', 'example', '--namespace', 'social', '--out', out]);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const text = fs.readFileSync(out, 'utf8');
      expect(text).toMatch(/^# yaml-language-server: \$schema=\.\.\/schema\/instance\.schema\.json\n# Imported from chart-6-most-keys\.values\.yaml \(mastodon\/chart 6\.x\)/);
      expect(text).toMatch(/# - externalAuth\.oidc\.redirect_uri = https:\/\/social\.example\.social\/auth\/auth\/openid_connect\/callback: the callback URL/);
      expect(text).toMatch(/# - database\.maxConnections is \d+/);
      expect(parse(text)).toMatchObject({ name: 'example', namespace: 'social', upgrade: { from: '4.5.6' } });
      expect(cli([path.join(FIXTURES, 'chart-6-most-keys.values.yaml'), '--name', 'example', '--out', out]).status).toBe(1);
      const s = spawnSync(process.execPath, [path.join(ROOT, 'build/src/main.js'), '--instances', path.dirname(out), '--out', path.join(dir, 'dist')], { encoding: 'utf8' });
      expect({ status: s.status, stderr: s.stderr.split('\n').filter((l) => / error: /.test(l)) }).toEqual({ status: 0, stderr: [] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes nothing on inline secrets or a usage error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-'));
    try {
      const out = path.join(dir, 'x.yaml');
      const r = cli([path.join(FIXTURES, 'mastodon-chart-6.9.3.dev-values.yaml'), '--version', '4.6.3', '--out', out]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/import refused: 7 secret\(s\) written inline/);
      expect(r.stderr).not.toMatch(/dummy-/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(fs.existsSync(out)).toBe(false);
      expect(cli(['--chart', '7']).status).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
