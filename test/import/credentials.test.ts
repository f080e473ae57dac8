/**
 * No credential reaches a written file or a log: every credential-looking key of both charts (taken from
 * their own values.yaml, plus the keys their templates and older versions read, and environment maps) is
 * set to a value of its own; the import must refuse each one by name and print none of the values
 * anywhere, nor, when it succeeds, write any value of a key that could be a secret.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runInProcess } from '../cli';

const ROOT = path.join(__dirname, '../..');
const DEFAULTS = path.join(ROOT, 'vendor/helm-defaults');
type Json = Record<string, any>;

/** key names that hold a credential, not the name of a Secret that holds one */
const CREDENTIAL = /(password|passwd|secret|token|apikey|api_key|private|salt|key_base|access_key|accesskeyid|primarykey|deterministickey|^cert$)/i;
const SECRET_NAME = /(existingSecret|SecretRef|secretName|caSecret|secretRef|existingSecretKeys|^keys$)/;

function credentialLeaves(node: unknown, prefix = ''): string[] {
  if (node && typeof node === 'object' && !Array.isArray(node)) {
    return Object.entries(node).flatMap(([k, v]) => (SECRET_NAME.test(k) ? [] : credentialLeaves(v, prefix ? `${prefix}.${k}` : k)));
  }
  const last = prefix.split('.').pop() ?? '';
  // an OIDC token endpoint is a URL, sendScopeToTokenEndpoint a switch
  return CREDENTIAL.test(last) && !/Endpoint$/i.test(last) && (typeof node === 'string' || node === null) ? [prefix] : [];
}

/** keys the charts' templates or older versions read that their current values.yaml leaves commented out */
const MORE: Record<'chart-6' | 'helm-charts-1', string[]> = {
  'chart-6': [
    'redis.password',
    'postgresql.postgresqlPassword',
    'postgresql.auth.postgresPassword',
    'postgresql.auth.replicationPassword',
    'elasticsearch.password',
    'elasticsearch.auth.password',
    'mastodon.s3.secret_access_key',
    'mastodon.smtp.auth_password',
    'externalAuth.oidc.client_secret',
    'externalAuth.saml.private_key',
    'externalAuth.ldap.password',
  ],
  'helm-charts-1': [],
};
const ENV_MAPS = ['mastodon.extraEnvVars', 'mastodon.web.extraEnvVars', 'mastodon.sidekiq.extraEnvVars', 'mastodon.streaming.extraEnvVars', 'mastodon.hooks.s3Upload.rclone.env'];
const ENV_NAMES = ['SMTP_PASSWORD', 'GITHUB_TOKEN', 'SENTRY_DSN_SECRET', 'DEEPL_API_KEY', 'RCLONE_S3_SECRET_ACCESS_KEY'];

function setAt(root: Json, p: string, value: unknown) {
  const keys = p.split('.');
  let node = root;
  for (const k of keys.slice(0, -1)) node = node[k] = node[k] && typeof node[k] === 'object' ? node[k] : {};
  node[keys[keys.length - 1]] = value;
}

/** the import command in this process (what it prints is captured: console and process.stdout/stderr); test/import/helm.test.ts runs the built one */
const cli = (args: string[]) => runInProcess('import', args);

describe('credentials in values files', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'import-credentials-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const [flavor, defaultsFile, base] of [
    ['chart-6', 'mastodon-chart/6.8.2.values.yaml', { mastodon: { local_domain: 'a.example' } }],
    ['helm-charts-1', 'mastodon-helm-charts/1.0.0.values.yaml', { mastodon: { localDomain: 'a.example' }, postgresql: { hostname: 'db' }, redis: { hostname: 'redis' } }],
  ] as const) {
    it(`${flavor}: every credential key is refused by name, and no value is printed`, () => {
      const keys = [...credentialLeaves(parse(fs.readFileSync(path.join(DEFAULTS, defaultsFile), 'utf8'), { uniqueKeys: false })), ...MORE[flavor]];
      expect(keys.length).toBeGreaterThan(20);
      const values: Json = structuredClone(base);
      const secrets = new Map<string, string>();
      keys.forEach((k, i) => {
        const v = `s3cr3t-${flavor}-${i}-${k.replace(/\W/g, '')}`;
        secrets.set(k, v);
        setAt(values, k, v);
      });
      ENV_MAPS.forEach((m, i) =>
        ENV_NAMES.forEach((n, j) => {
          const v = `s3cr3t-env-${i}-${j}`;
          secrets.set(`${m}.${n}`, v);
          setAt(values, `${m}.${n}`, v);
        }),
      );
      const file = path.join(work, `${flavor}.yaml`);
      fs.writeFileSync(file, stringify(values));
      const out = path.join(work, `${flavor}-out.yaml`);
      const r = cli([file, '--version', '4.6.3', '--chart', flavor === 'chart-6' ? '6' : '1', '--namespace', 'social', '--out', out]);
      expect(r.status).toBe(1);
      expect(fs.existsSync(out)).toBe(false);
      const refused = new Set([...r.stderr.matchAll(/^\S+:\d+:\d+: (\S+): a credential written inline/gm)].map((m) => m[1]));
      expect([...secrets.keys()].filter((k) => !refused.has(k))).toEqual([]);
      const printed = r.stdout + r.stderr;
      expect([...secrets.values()].filter((v) => printed.includes(v))).toEqual([]);
    });
  }

  it('never writes the value of a key that could be a secret in the report of a definition it writes', () => {
    const values = {
      mastodon: {
        local_domain: 'a.example',
        secrets: { existingSecret: 'core' },
        // keys no chart reads, with secrets in them: listed as not carried over, without their values
        smtp: { passwd: 's3cr3t-passwd', server: 'smtp.example', existingSecret: 'smtp' },
        web: { extraEnvVars: { SOME_DSN: 's3cr3t-dsn' }, port: 3001 },
        sentry: { dsn: 'https://s3cr3t-sentry@sentry.example/1' },
        // a key the chart defines, not carried over, whose value holds user:password@
        metrics: { statsd: { address: 'udp://statsd:s3cr3t-statsd@statsd.monitoring:8125' } },
      },
      someOtherChart: { auth: { token: 's3cr3t-token' } },
    };
    const file = path.join(work, 'unknown.yaml');
    fs.writeFileSync(file, stringify(values));
    const out = path.join(work, 'unknown-out.yaml');
    const r = cli([file, '--version', '4.6.3', '--out', out]);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const written = fs.readFileSync(out, 'utf8');
    expect(written).toMatch(/# - mastodon\.smtp\.passwd = \(value not shown\): not a key of mastodon\/chart 6\.9\.3's values\.yaml/);
    expect(written).toMatch(/# - mastodon\.web\.extraEnvVars = \(value not shown\): chart 6\.x does not read it/);
    expect(written).toMatch(/# - mastodon\.metrics\.statsd\.address = \(value not shown\): StatsD is gone/);
    // a key the chart defines that is no credential keeps its value in the report
    expect(written).toMatch(/# - mastodon\.web\.port = 3001: web listens on 3000/);
    for (const text of [written, r.stdout]) expect(text).not.toMatch(/s3cr3t/);
  });
});
