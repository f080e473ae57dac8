/**
 * One definition per release that uses every feature the release supports (the "everything-on" test
 * definition): the release facts test reads what it tells Mastodon, the API-server test sends it to a real
 * API server. Queues come from the release fixture, not from the generator's own table.
 */
import fs from 'fs';
import path from 'path';
import { compareVersions, parseVersion } from '../src/model/versions';
import { Json, definition } from './helpers';

const v = (s: string) => parseVersion(s)!;
const releases: { minor: string; queues: string[] }[] = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/mastodon-releases.json'), 'utf8')).releases;

/** One definition per release that uses every feature the release supports. */
export function everything(version: string): Json {
  const p = v(version);
  const since44 = compareVersions(p, v('4.4.0')) >= 0;
  const queues = releases.find((r) => r.minor === `${p.major}.${p.minor}`)!.queues;
  const previous = `${p.major}.${p.minor - 1}.0`;
  return definition({
    version,
    upgrade: { from: previous },
    webDomain: 'social.example.social',
    alternateDomains: ['example.org'],
    trustedProxyIps: ['10.0.0.0/8'],
    admin: { username: 'owner', email: 'owner@example.social' },
    sidekiq: { groups: [{ name: 'all', queues: [...queues] }] },
    database: {
      tls: { mode: 'verify-full', caSecret: { name: 'db', key: 'ca.crt' } },
      pooler: { host: 'pgbouncer', maxClientConnections: 500 },
      replica: { host: 'replica', name: 'ro', user: 'reader', passwordSecret: { name: 'db', key: 'replica' }, streaming: true },
    },
    redis: {
      main: { external: { host: 'redis', user: 'mastodon', db: 1, passwordSecret: { name: 'redis', key: 'password' } } },
      sidekiq: { external: { host: 'redis-tls', tls: true, urlSecret: { name: 'redis', key: 'url' } } },
      cache: { redisOperator: {} },
    },
    search: { host: 'https://es', user: 'mastodon', passwordSecret: { name: 'es', key: 'password' }, caSecret: { name: 'es', key: 'ca.crt' }, prefix: 'x' },
    auth: {
      omniauthOnly: true,
      oidc: { displayName: 'SSO', issuer: 'https://sso.example', clientId: 'mastodon', clientSecretSecret: { name: 'oidc', key: 'secret' } },
      saml: { issuer: 'mastodon', idpSsoTargetUrl: 'https://idp.example/sso', idpCert: 'MIIC', certSecret: { name: 'saml', key: 'cert' }, privateKeySecret: { name: 'saml', key: 'key' } },
      cas: { url: 'https://cas.example' },
      ldap: { host: 'ldap.example', base: 'dc=example', bindDn: 'cn=mastodon', passwordSecret: { name: 'ldap', key: 'password' } },
      pam: { emailDomain: 'example.social' },
    },
    storage: {
      s3: {
        permission: 'bucket-owner-full-control',
        endpoint: 'https://s3.example',
        hostname: 's3.example',
        aliasHost: 'media.example.social',
        multipartThresholdBytes: 52428800,
        overridePathStyle: true,
        forceSingleRequest: true,
        signatureVersion: 'v4',
        openTimeoutSeconds: 10,
        readTimeoutSeconds: 30,
      },
    },
    smtp: {
      server: 'smtp',
      loginSecret: { name: 'smtp', key: 'login' },
      passwordSecret: { name: 'smtp', key: 'password' },
      fromAddress: 'n@example.social',
      replyTo: 'support@example.social',
      returnPath: 'bounces@example.social',
      deliveryMethod: 'sendmail',
      ssl: true,
      domain: 'mail.example.social',
      opensslVerifyMode: 'none',
      caSecret: { name: 'smtp', key: 'ca.crt' },
      ...(since44 ? { bulk: { server: 'bulk', login: 'b', passwordSecret: { name: 'smtp', key: 'bulk' }, ssl: false, domain: 'bulk.example.social', opensslVerifyMode: 'peer', caSecret: { name: 'smtp', key: 'bulk-ca.crt' } } } : {}),
    },
    traffic: { streamingHost: 'streaming.example.social' },
    logging: { railsLogLevel: 'warn', streamingLogLevel: 'warn' },
    metrics: { prometheus: since44, serviceMonitors: since44, alerts: true, otel: { endpoint: 'http://otel:4318', serviceNameSeparator: '-', sampler: 'parentbased_traceidratio', samplerRatio: '0.1' } },
  });
}
