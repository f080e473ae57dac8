import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, synth } from '../helpers';

const full = definition({
  webDomain: 'social.example.social',
  alternateDomains: ['example.org'],
  trustedProxyIps: ['10.0.0.0/8'],
  database: { sslMode: 'require', replica: { host: 'replica.internal' } },
  search: { host: 'https://es.internal', user: 'mastodon', passwordSecret: { name: 'es', key: 'password' }, caSecret: { name: 'es-ca', key: 'ca.crt' }, prefix: 'test' },
  smtp: { server: 'smtp.internal', login: 'm', passwordSecret: { name: 'smtp', key: 'password' }, fromAddress: 'n@example.social' },
  logging: { railsLogLevel: 'warn' },
  metrics: { otelEndpoint: 'http://otel:4318' },
  traffic: { streamingHost: 'streaming.example.social' },
});

describe('shared configuration', () => {
  const objects = synth(full);
  const cm = find(objects, 'ConfigMap', 'test-env').data;

  it('holds the non-secret settings every process shares', () => {
    expect(cm).toMatchObject({
      LOCAL_DOMAIN: 'example.social',
      WEB_DOMAIN: 'social.example.social',
      ALTERNATE_DOMAINS: 'example.org',
      TRUSTED_PROXY_IP: '10.0.0.0/8',
      DB_HOST: 'db.internal',
      DB_SSLMODE: 'require',
      REPLICA_DB_HOST: 'replica.internal',
      ES_ENABLED: 'true',
      ES_HOST: 'https://es.internal',
      ES_PREFIX: 'test',
      ES_CA_FILE: '/etc/mastodon/search-ca/ca.crt',
      S3_ENABLED: 'true',
      S3_BUCKET: 'media',
      SMTP_SERVER: 'smtp.internal',
      RAILS_LOG_LEVEL: 'warn',
      STREAMING_API_BASE_URL: 'wss://streaming.example.social',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318',
    });
    expect(Object.keys(cm)).toEqual([...Object.keys(cm)].sort());
  });

  it('never contains a credential, and never a removed variable', () => {
    for (const key of Object.keys(cm)) expect(key).not.toMatch(/PASS|SECRET|KEY_BASE|VAPID|STREAMING_CLUSTER_NUM|REDIS_NAMESPACE|STATSD/);
  });

  it('references every credential through secretKeyRef', () => {
    const env = envOf(container(find(objects, 'Deployment', 'test-web')));
    for (const key of ['SECRET_KEY_BASE', 'VAPID_PRIVATE_KEY', 'VAPID_PUBLIC_KEY', 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY', 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY', 'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT']) {
      expect(env[key]).toEqual({ secretKeyRef: { name: 'core', key } });
    }
    expect(env.OTP_SECRET).toBeUndefined();
    expect(env.DB_PASS).toEqual({ secretKeyRef: { name: 'db', key: 'password' } });
    expect(env.ES_PASS).toEqual({ secretKeyRef: { name: 'es', key: 'password' } });
    expect(env.SMTP_PASSWORD).toEqual({ secretKeyRef: { name: 'smtp', key: 'password' } });
    expect(env.AWS_SECRET_ACCESS_KEY).toEqual({ secretKeyRef: { name: 's3', key: 'secret' } });
  });

  it('needs OTP_SECRET only on 4.3', () => {
    const groups = { sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'] }] } };
    const env = envOf(container(find(synth(definition({ version: '4.3.9' }, groups)), 'Deployment', 'test-web')));
    expect(env.OTP_SECRET).toEqual({ secretKeyRef: { name: 'core', key: 'OTP_SECRET' } });
  });

  it('mounts the search CA into Rails processes', () => {
    const pod = find(objects, 'Deployment', 'test-sidekiq-all').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'search-ca', secret: { secretName: 'es-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
  });

  it('sends the app through a pooler with prepared statements off', () => {
    const cmData = find(synth(definition({ database: { pooler: { host: 'pgbouncer', maxClientConnections: 500 } } })), 'ConfigMap', 'test-env').data;
    expect(cmData).toMatchObject({ DB_HOST: 'pgbouncer', DB_PORT: '6432', PREPARED_STATEMENTS: 'false' });
  });
});
