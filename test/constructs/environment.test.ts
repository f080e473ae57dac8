import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, model, problems, synth } from '../helpers';
import { VARIABLE_FIELDS } from '../../src/constructs/environment';

const full = definition({
  webDomain: 'social.example.social',
  alternateDomains: ['example.org'],
  trustedProxyIps: ['10.0.0.0/8'],
  database: { tls: { mode: 'encrypt' }, replica: { host: 'replica.internal' } },
  search: { host: 'https://es.internal', user: 'mastodon', passwordSecret: { name: 'es', key: 'password' }, caSecret: { name: 'es-ca', key: 'ca.crt' }, prefix: 'test' },
  smtp: { server: 'smtp.internal', login: 'm', passwordSecret: { name: 'smtp', key: 'password' }, fromAddress: 'n@example.social' },
  logging: { railsLogLevel: 'warn' },

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
    });
    expect(Object.keys(cm)).toEqual([...Object.keys(cm)].sort());
  });

  it('never contains a credential, and never a removed variable', () => {
    for (const key of Object.keys(cm)) expect(key).not.toMatch(/PASS|SECRET|KEY_BASE|VAPID|STREAMING_CLUSTER_NUM|REDIS_NAMESPACE|STATSD/);
    // read by no supported version (the images use jemalloc; bulk mail uses SMTP_FROM_ADDRESS)
    expect(cm.MALLOC_ARENA_MAX).toBeUndefined();
    expect(Object.keys(cm).filter((k) => k.startsWith('BULK_'))).toEqual([]);
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

  it('gives bulk mail its server but no sender of its own (Mastodon has no BULK_SMTP_FROM_ADDRESS)', () => {
    const cmData = find(synth(definition({ smtp: { server: 's', fromAddress: 'n@example.social', bulk: { server: 'bulk.s' } } })), 'ConfigMap', 'test-env').data;
    expect(cmData).toMatchObject({ SMTP_FROM_ADDRESS: 'n@example.social', BULK_SMTP_SERVER: 'bulk.s' });
    expect(cmData.BULK_SMTP_FROM_ADDRESS).toBeUndefined();
    expect(problems(definition({ smtp: { server: 's', fromAddress: 'n@example.social', bulk: { server: 'b', fromAddress: 'x@y' } } })).join()).toMatch(/unknown field/);
  });

  it('sets the S3 ACL only from the canned ACLs that exist, for buckets without ACLs too', () => {
    const cmData = find(synth(definition({ storage: { s3: { permission: 'bucket-owner-full-control' } } })), 'ConfigMap', 'test-env').data;
    expect(cmData.S3_PERMISSION).toBe('bucket-owner-full-control');
    expect(find(synth(definition()), 'ConfigMap', 'test-env').data.S3_PERMISSION).toBeUndefined();
    expect(problems(definition({ storage: { s3: { permission: 'public' } } })).join()).toMatch(/storage\.s3\.permission/);
  });

  it('carries every SMTP setting of the Helm charts, login and CA from Secrets, for bulk mail too', () => {
    const ca = { name: 'smtp-ca', key: 'ca.crt' };
    const objects = synth(
      definition({
        smtp: {
          server: 's',
          port: 465,
          loginSecret: { name: 'smtp', key: 'login' },
          passwordSecret: { name: 'smtp', key: 'password' },
          fromAddress: 'n@example.social',
          replyTo: 'help@example.social',
          returnPath: 'bounce@example.social',
          deliveryMethod: 'sendmail',
          ssl: true,
          domain: 'mx.example.social',
          opensslVerifyMode: 'none',
          caSecret: ca,
          bulk: { server: 'b', domain: 'bulk.example.social', opensslVerifyMode: 'peer', caSecret: { name: 'smtp-ca', key: 'bulk.crt' }, loginSecret: { name: 'smtp', key: 'bulk-login' }, passwordSecret: { name: 'smtp', key: 'bulk-password' } },
        },
      }),
    );
    expect(find(objects, 'ConfigMap', 'test-env').data).toMatchObject({
      SMTP_PORT: '465',
      SMTP_REPLY_TO: 'help@example.social',
      SMTP_RETURN_PATH: 'bounce@example.social',
      SMTP_DELIVERY_METHOD: 'sendmail',
      SMTP_SSL: 'true',
      SMTP_DOMAIN: 'mx.example.social',
      SMTP_OPENSSL_VERIFY_MODE: 'none',
      SMTP_CA_FILE: '/etc/mastodon/smtp-ca/ca.crt',
      BULK_SMTP_DOMAIN: 'bulk.example.social',
      BULK_SMTP_OPENSSL_VERIFY_MODE: 'peer',
      BULK_SMTP_CA_FILE: '/etc/mastodon/bulk-smtp-ca/ca.crt',
    });
    for (const name of ['test-web', 'test-sidekiq-all']) {
      const c = container(find(objects, 'Deployment', name));
      expect(envOf(c)).toMatchObject({ SMTP_LOGIN: { secretKeyRef: { name: 'smtp', key: 'login' } }, BULK_SMTP_LOGIN: { secretKeyRef: { name: 'smtp', key: 'bulk-login' } } });
      expect(c.volumeMounts).toContainEqual({ name: 'smtp-ca', mountPath: '/etc/mastodon/smtp-ca', readOnly: true });
      expect(c.volumeMounts).toContainEqual({ name: 'bulk-smtp-ca', mountPath: '/etc/mastodon/bulk-smtp-ca', readOnly: true });
    }
    expect(container(find(objects, 'Deployment', 'test-streaming')).volumeMounts ?? []).not.toContainEqual(expect.objectContaining({ name: 'smtp-ca' }));
    // Mastodon's defaults are left alone: nothing emitted for what the definition does not say
    const plain = find(synth(definition({ smtp: { server: 's', fromAddress: 'n@example.social' } })), 'ConfigMap', 'test-env').data;
    expect(Object.keys(plain).filter((k) => /SMTP_(SSL|DOMAIN|CA_FILE|REPLY_TO|RETURN_PATH|DELIVERY_METHOD|OPENSSL)/.test(k))).toEqual([]);
    expect(problems(definition({ smtp: { server: 's', fromAddress: 'n@example.social', login: 'x', loginSecret: { name: 'smtp', key: 'login' }, passwordSecret: { name: 'smtp', key: 'password' } } }))).toEqual([
      expect.stringMatching(/expected one of login and loginSecret/),
    ]);
  });

  it('carries the S3 tuning the Helm charts offer', () => {
    const s3 = { multipartThresholdBytes: 52428800, overridePathStyle: true, forceSingleRequest: true, signatureVersion: 's3', openTimeoutSeconds: 10, readTimeoutSeconds: 30 };
    expect(find(synth(definition({ storage: { s3 } })), 'ConfigMap', 'test-env').data).toMatchObject({
      S3_MULTIPART_THRESHOLD: '52428800',
      S3_OVERRIDE_PATH_STYLE: 'true',
      S3_FORCE_SINGLE_REQUEST: 'true',
      S3_SIGNATURE_VERSION: 's3',
      S3_OPEN_TIMEOUT: '10',
      S3_READ_TIMEOUT: '30',
    });
    expect(problems(definition({ storage: { s3: { multipartThresholdBytes: 1024 } } })).join()).toMatch(/multipartThresholdBytes/);
  });

  it('mounts an existing media claim (kept from a Helm release) without creating one', () => {
    const volume = { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteMany', existingClaim: 'mastodon-system' } };
    const objects = synth(definition({ storage: volume }));
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    expect(find(objects, 'Deployment', 'test-web').spec.template.spec.volumes).toContainEqual({ name: 'media', persistentVolumeClaim: { claimName: 'mastodon-system' } });
  });

  it('gives LOG_LEVEL to streaming only, with pino levels only', () => {
    const objects = synth(definition({ logging: { streamingLogLevel: 'warn' } }));
    expect(envOf(container(find(objects, 'Deployment', 'test-streaming'))).LOG_LEVEL).toBe('warn');
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).LOG_LEVEL).toBeUndefined();
    expect(find(objects, 'ConfigMap', 'test-env').data.LOG_LEVEL).toBeUndefined();
    expect(problems(definition({ logging: { streamingLogLevel: 'verbose' } })).join()).toMatch(/streamingLogLevel/);
  });
});

describe('database TLS', () => {
  const ca = { name: 'db', key: 'ca.crt' };
  const sslmodes = (mode: string, caSecret?: object) => {
    const objects = synth(definition({ database: { tls: { mode, caSecret } } }));
    const env = (name: string) => envOf(container(find(objects, 'Deployment', name)));
    const job = envOf(find(objects, 'Job', 'test-db-migrate-pre-4-5-6').spec.template.spec.containers[0]);
    return { objects, web: env('test-web'), sidekiq: env('test-sidekiq-all'), streaming: env('test-streaming'), job };
  };

  it('encrypt: libpq require for Rails, no-verify for streaming (node-postgres verifies everything else)', () => {
    const { web, sidekiq, streaming, job, objects } = sslmodes('encrypt');
    for (const rails of [web, sidekiq, job]) expect(rails.DB_SSLMODE).toBe('require');
    expect(streaming.DB_SSLMODE).toBe('no-verify');
    expect(find(objects, 'ConfigMap', 'test-env').data.DB_SSLMODE).toBeUndefined();
  });

  it('verify-full: both verify, each trusting the CA bundle the way it reads one', () => {
    const { web, streaming, job, objects } = sslmodes('verify-full', ca);
    for (const rails of [web, job]) expect(rails).toMatchObject({ DB_SSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/mastodon/db-ca/ca.crt' });
    expect(streaming).toMatchObject({ DB_SSLMODE: 'verify-full', NODE_EXTRA_CA_CERTS: '/etc/mastodon/db-ca/ca.crt' });
    expect(streaming.PGSSLROOTCERT).toBeUndefined();
    for (const name of ['test-web', 'test-streaming', 'test-sidekiq-all']) {
      const pod = find(objects, 'Deployment', name).spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'db-ca', secret: { secretName: 'db', items: [{ key: 'ca.crt', path: 'ca.crt' }] } });
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'db-ca', mountPath: '/etc/mastodon/db-ca', readOnly: true });
    }
  });

  it('verify-ca: libpq checks the CA only; streaming can only check the host name too, and the model says so', () => {
    const { web, streaming } = sslmodes('verify-ca', ca);
    expect(web.DB_SSLMODE).toBe('verify-ca');
    expect(streaming.DB_SSLMODE).toBe('verify-full');
    expect(model(definition({ database: { tls: { mode: 'verify-ca', caSecret: ca } } })).warnings.map((w) => w.message).join()).toMatch(/host name/);
  });

  it('refuses what one side would not understand or would ignore', () => {
    expect(problems(definition({ database: { tls: { mode: 'verify-full' } } })).join()).toMatch(/expected caSecret/);
    expect(problems(definition({ database: { tls: { mode: 'encrypt', caSecret: ca } } })).join()).toMatch(/would be ignored/);
    expect(problems(definition({ database: { tls: { mode: 'no-verify' } } })).join()).toMatch(/database\.tls\.mode/);
    expect(problems(definition({ database: { sslMode: 'require' } })).join()).toMatch(/unknown field/);
    expect(problems(definition({ database: { tls: { mode: 'encrypt' } }, env: { DB_SSLMODE: 'require' } })).join()).toMatch(/DB_SSLMODE is generated from database\.tls for this instance/);
    // what the generator does not emit is the user's: node-postgres reads PGSSLMODE when DB_SSLMODE is unset
    expect(problems(definition({ env: { PGSSLMODE: 'require' } }))).toEqual([]);
  });
});

describe('read replica', () => {
  const withReplica = (replica: object, version = '4.5.6') => synth(definition({ version, database: { replica: { host: 'replica.internal', ...replica } } }));

  it('is switched on for every version: REPLICA_DB_NAME, which 4.3 to 4.5 need (REPLICA_DB_HOST alone is ignored before 4.6)', () => {
    for (const version of ['4.5.6', '4.7.2']) {
      const cm = find(withReplica({}, version), 'ConfigMap', 'test-env').data;
      expect(cm).toMatchObject({ REPLICA_DB_HOST: 'replica.internal', REPLICA_DB_PORT: '5432', REPLICA_DB_NAME: 'mastodon_production' });
    }
  });

  it('takes its own name, user and password when they differ', () => {
    const objects = withReplica({ name: 'ro', user: 'reader', passwordSecret: { name: 'replica', key: 'password' } });
    expect(find(objects, 'ConfigMap', 'test-env').data).toMatchObject({ REPLICA_DB_NAME: 'ro', REPLICA_DB_USER: 'reader' });
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).REPLICA_DB_PASS).toEqual({ secretKeyRef: { name: 'replica', key: 'password' } });
    expect(envOf(container(find(objects, 'Deployment', 'test-streaming'))).REPLICA_DB_PASS).toBeUndefined();
  });

  it('can carry streaming, which only reads, instead of the primary', () => {
    const objects = withReplica({ user: 'reader', passwordSecret: { name: 'replica', key: 'password' }, streaming: true });
    expect(envOf(container(find(objects, 'Deployment', 'test-streaming')))).toMatchObject({
      DB_HOST: 'replica.internal',
      DB_PORT: '5432',
      DB_NAME: 'mastodon_production',
      DB_USER: 'reader',
      DB_PASS: { secretKeyRef: { name: 'replica', key: 'password' } },
    });
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).DB_HOST).toBeUndefined();
    expect(envOf(container(find(withReplica({}), 'Deployment', 'test-streaming'))).DB_HOST).toBeUndefined();
  });
});

describe('what a Helm chart\'s Secrets and images need', () => {
  it('reads the core Secret under any key names, and checks the names it maps', () => {
    const def = definition({ secrets: { coreKeys: { SECRET_KEY_BASE: 'secret-key-base', VAPID_PRIVATE_KEY: 'vapid-private-key' } } });
    const env = envOf(container(find(synth(def), 'Deployment', 'test-web')));
    expect(env.SECRET_KEY_BASE).toEqual({ secretKeyRef: { name: 'core', key: 'secret-key-base' } });
    expect(env.VAPID_PUBLIC_KEY).toEqual({ secretKeyRef: { name: 'core', key: 'VAPID_PUBLIC_KEY' } });
    expect(problems(definition({ secrets: { coreKeys: { SMTP_PASSWORD: 'x' } } })).join()).toMatch(/expected one of the core Secret's variables/);
  });

  it('takes the database and search users from Secrets, for every process', () => {
    const user = { name: 'db', key: 'username' };
    const objects = synth(definition({ database: { userSecret: user }, search: { host: 'es', userSecret: { name: 'es', key: 'username' } } }));
    expect(find(objects, 'ConfigMap', 'test-env').data.DB_USER).toBeUndefined();
    for (const name of ['test-web', 'test-streaming', 'test-sidekiq-all']) expect(envOf(container(find(objects, 'Deployment', name))).DB_USER).toEqual({ secretKeyRef: user });
    expect(envOf(container(find(objects, 'Job', 'test-db-migrate-pre-4-5-6'))).DB_USER).toEqual({ secretKeyRef: user });
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).ES_USER).toEqual({ secretKeyRef: { name: 'es', key: 'username' } });
  });

  it('pins images by digest, takes a patched tag, and gives one Sidekiq group its own image', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const objects = synth(
      definition({
        image: { repository: 'registry.example/mastodon', tag: 'v4.5.6-patched', digest, streamingDigest: `sha256:${'b'.repeat(64)}` },
        sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'], image: { repository: 'registry.example/mastodon-extra', tag: 'v4.5.6-extra' } }] },
      }),
    );
    const web = find(objects, 'Deployment', 'test-web').spec.template.spec;
    expect(web.containers[0].image).toBe(`registry.example/mastodon:v4.5.6-patched@${digest}`);
    expect(web.initContainers[0].image).toBe(web.containers[0].image);
    expect(container(find(objects, 'Deployment', 'test-streaming')).image).toBe(`ghcr.io/mastodon/mastodon-streaming:v4.5.6@sha256:${'b'.repeat(64)}`);
    const sidekiq = find(objects, 'Deployment', 'test-sidekiq-all').spec.template.spec;
    expect([sidekiq.containers[0].image, sidekiq.initContainers[0].image]).toEqual(['registry.example/mastodon-extra:v4.5.6-extra', 'registry.example/mastodon-extra:v4.5.6-extra']);
    // names and labels still follow the release, whatever image runs it
    expect(find(objects, 'Job', 'test-db-migrate-pre-4-5-6').metadata.labels['app.kubernetes.io/version']).toBe('v4.5.6');
    expect(problems(definition({ image: { digest: 'latest' } })).join()).toMatch(/image\.digest: expected an image digest/);
  });

  it('trusts a CA bundle for every outgoing connection: OpenSSL in Rails, Node in streaming', () => {
    const objects = synth(definition({ caBundle: { configMap: 'corp-ca', key: 'bundle.pem' } }));
    for (const [name, variable] of [['test-web', 'SSL_CERT_FILE'], ['test-sidekiq-all', 'SSL_CERT_FILE'], ['test-streaming', 'NODE_EXTRA_CA_CERTS']]) {
      const d = find(objects, 'Deployment', name);
      expect(envOf(container(d))[variable], name).toBe('/etc/mastodon/ca-bundle/ca.crt');
      expect(d.spec.template.spec.volumes, name).toContainEqual({ name: 'ca-bundle', configMap: { name: 'corp-ca', items: [{ key: 'bundle.pem', path: 'ca.crt' }] } });
    }
    expect(problems(definition({ caBundle: { secret: 'a', configMap: 'b' } })).join()).toMatch(/exactly one of configMap, secret/);
    const both = definition({ caBundle: { secret: 'corp-ca' }, database: { tls: { mode: 'verify-full', caSecret: { name: 'db-ca', key: 'ca.crt' } } } });
    expect(problems(both)).toEqual([]);
    expect(model(both).warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/the bundle: it must also hold the database CA/));
    const withBoth = synth(both);
    for (const name of ['test-web', 'test-sidekiq-all']) {
      expect(envOf(container(find(withBoth, 'Deployment', name)))).toMatchObject({ PGSSLROOTCERT: '/etc/mastodon/db-ca/ca.crt', SSL_CERT_FILE: '/etc/mastodon/ca-bundle/ca.crt', DB_SSLMODE: 'verify-full' });
    }
    const streaming = container(find(withBoth, 'Deployment', 'test-streaming'));
    expect(streaming.env.filter((e: any) => e.name === 'NODE_EXTRA_CA_CERTS')).toEqual([{ name: 'NODE_EXTRA_CA_CERTS', value: '/etc/mastodon/ca-bundle/ca.crt' }]);
  });
});

describe('translation, captcha and cache buster', () => {
  it('give Rails processes their settings, with the keys from Secrets', () => {
    const objects = synth(
      definition({
        translation: { deepl: { plan: 'pro', apiKeySecret: { name: 'deepl', key: 'api-key' } } },
        captcha: { hcaptcha: { siteKey: 'site', secretKeySecret: { name: 'hcaptcha', key: 'secret' } } },
        cacheBuster: { httpMethod: 'PURGE', secretHeader: 'X-Purge', secretSecret: { name: 'cdn', key: 'token' } },
      }),
    );
    expect(find(objects, 'ConfigMap', 'test-env').data).toMatchObject({ DEEPL_PLAN: 'pro', HCAPTCHA_SITE_KEY: 'site', CACHE_BUSTER_ENABLED: 'true', CACHE_BUSTER_HTTP_METHOD: 'PURGE', CACHE_BUSTER_SECRET_HEADER: 'X-Purge' });
    expect(envOf(container(find(objects, 'Deployment', 'test-sidekiq-all')))).toMatchObject({
      DEEPL_API_KEY: { secretKeyRef: { name: 'deepl', key: 'api-key' } },
      HCAPTCHA_SECRET_KEY: { secretKeyRef: { name: 'hcaptcha', key: 'secret' } },
      CACHE_BUSTER_SECRET: { secretKeyRef: { name: 'cdn', key: 'token' } },
    });
    const libre = find(synth(definition({ translation: { libreTranslate: { endpoint: 'http://libretranslate:5000' } } })), 'ConfigMap', 'test-env').data;
    expect(libre.LIBRE_TRANSLATE_ENDPOINT).toBe('http://libretranslate:5000');
    expect(problems(definition({ translation: {} })).join()).toMatch(/exactly one of deepl, libreTranslate/);
    expect(problems(definition({ translation: { deepl: { apiKeySecret: { name: 'deepl', key: 'key' } } }, env: { DEEPL_PLAN: 'pro' } })).join()).toMatch(/DEEPL_PLAN is generated from translation.deepl/);
  });
});

describe('sign-in providers', () => {
  it('configure OIDC, SAML, CAS, LDAP and PAM from typed fields, secrets from Secrets, callbacks on the web domain', () => {
    const objects = synth(
      definition({
        webDomain: 'social.example.social',
        auth: {
          omniauthOnly: true,
          oidc: { displayName: 'SSO', issuer: 'https://sso.example', clientId: 'mastodon', clientSecretSecret: { name: 'oidc', key: 'secret' }, settings: { CLIENT_AUTH_METHOD: 'basic' } },
          ldap: { host: 'ldap.example', base: 'dc=example', bindDn: 'cn=mastodon,dc=example', passwordSecret: { name: 'ldap', key: 'password' } },
        },
      }),
    );
    expect(find(objects, 'ConfigMap', 'test-env').data).toMatchObject({
      OMNIAUTH_ONLY: 'true',
      OIDC_ENABLED: 'true',
      OIDC_ISSUER: 'https://sso.example',
      OIDC_DISCOVERY: 'true',
      OIDC_REDIRECT_URI: 'https://social.example.social/auth/auth/openid_connect/callback',
      OIDC_CLIENT_AUTH_METHOD: 'basic',
      LDAP_ENABLED: 'true',
      LDAP_METHOD: 'start_tls',
      LDAP_PORT: '389',
    });
    expect(envOf(container(find(objects, 'Deployment', 'test-web')))).toMatchObject({
      OIDC_CLIENT_SECRET: { secretKeyRef: { name: 'oidc', key: 'secret' } },
      LDAP_PASSWORD: { secretKeyRef: { name: 'ldap', key: 'password' } },
    });
    const oidc = { displayName: 'SSO', issuer: 'https://sso.example', clientId: 'm', clientSecretSecret: { name: 'oidc', key: 'secret' } };
    expect(problems(definition({ auth: { oidc: { ...oidc, settings: { CLIENT_SECRET: 'x' } } } })).join()).toMatch(/OIDC_CLIENT_SECRET is a credential/);
    expect(problems(definition({ auth: { oidc: { ...oidc, settings: { ISSUER: 'x' } } } })).join()).toMatch(/OIDC_ISSUER has its own field/);
    expect(problems(definition({ auth: { oidc }, env: { OIDC_ENABLED: 'true' } })).join()).toMatch(/OIDC_ENABLED is generated from auth.oidc/);
  });
});

describe('OpenTelemetry', () => {
  it('traces web and Sidekiq, each able to sample differently, send elsewhere or stay quiet', () => {
    const objects = synth(
      definition({
        metrics: { otel: { endpoint: 'http://otel:4318', serviceNameSeparator: '-', sampler: 'parentbased_traceidratio', samplerRatio: '0.1' } },
        web: { otel: { samplerRatio: '0.01' } },
        sidekiq: {
          groups: [
            { name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler'], otel: { endpoint: 'http://otel-batch:4318' } },
            { name: 'quiet', queues: ['fasp'], otel: { enabled: false } },
          ],
        },
      }),
    );
    const env = (name: string) => envOf(container(find(objects, 'Deployment', name)));
    expect(env('test-web')).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_SERVICE_NAME_PREFIX: 'test', OTEL_SERVICE_NAME_SEPARATOR: '-', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' });
    expect(env('test-sidekiq-all')).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-batch:4318', OTEL_TRACES_SAMPLER_ARG: '0.1' });
    expect(env('test-sidekiq-quiet').OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(env('test-streaming').OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(problems(definition({ metrics: { otel: { endpoint: 'x', samplerRatio: '10%' } } })).join()).toMatch(/samplerRatio: expected a ratio between 0 and 1/);
  });
});

describe('settings Mastodon needs together (round 3)', () => {
  const ldap = { host: 'ldap.example', base: 'dc=example' };
  const oidc = { displayName: 'SSO', issuer: 'https://sso.example', clientId: 'mastodon', clientSecretSecret: { name: 'oidc', key: 'secret' } };

  it('LDAP needs bind credentials, or an anonymous bind that emits both empty', () => {
    expect(problems(definition({ auth: { ldap } }))).toEqual([expect.stringMatching(/reads LDAP_BIND_DN and LDAP_PASSWORD with no default .* every Rails process fails at boot/)]);
    expect(problems(definition({ auth: { ldap: { ...ldap, bindDn: 'cn=m' } } }))).toEqual([expect.stringMatching(/LDAP_PASSWORD with no default/)]);
    expect(problems(definition({ auth: { ldap: { ...ldap, anonymousBind: true, bindDn: 'cn=m' } } }))).toEqual([expect.stringMatching(/an anonymous bind sends no account/)]);
    const objects = synth(definition({ auth: { ldap: { ...ldap, anonymousBind: true } } }));
    expect(find(objects, 'ConfigMap', 'test-env').data.LDAP_BIND_DN).toBe('');
    for (const name of ['test-web', 'test-sidekiq-all']) expect(envOf(container(find(objects, 'Deployment', name))).LDAP_PASSWORD).toBe('');
  });

  it('OIDC without discovery has typed endpoints, all four required; endpoint names are no credentials', () => {
    expect(problems(definition({ auth: { oidc: { ...oidc, discovery: false, tokenEndpoint: 'https://sso.example/token' } } }))).toEqual([
      expect.stringMatching(/without discovery Mastodon needs the provider's endpoints to sign anyone in: set authEndpoint, userInfoEndpoint, jwksUri/),
    ]);
    const endpoints = { authEndpoint: 'https://sso.example/auth', tokenEndpoint: 'https://sso.example/token', userInfoEndpoint: 'https://sso.example/userinfo', jwksUri: 'https://sso.example/jwks' };
    const data = find(synth(definition({ auth: { oidc: { ...oidc, discovery: false, ...endpoints, settings: { SEND_SCOPE_TO_TOKEN_ENDPOINT: 'false', CLIENT_AUTH_METHOD: 'basic' } } } })), 'ConfigMap', 'test-env').data;
    expect(data).toMatchObject({ OIDC_DISCOVERY: 'false', OIDC_TOKEN_ENDPOINT: 'https://sso.example/token', OIDC_JWKS_URI: 'https://sso.example/jwks', OIDC_SEND_SCOPE_TO_TOKEN_ENDPOINT: 'false' });
    expect(problems(definition({ auth: { oidc: { ...oidc, settings: { TOKEN_ENDPOINT: 'x' } } } }))).toEqual([expect.stringMatching(/OIDC_TOKEN_ENDPOINT has its own field in auth.oidc/)]);
  });

  it('CAS attribute keys are settings, not credentials', () => {
    const data = find(synth(definition({ auth: { cas: { url: 'https://cas.example', settings: { UID_KEY: 'user', EMAIL_KEY: 'mail', NICKNAME_KEY: 'nick' } } } })), 'ConfigMap', 'test-env').data;
    expect(data).toMatchObject({ CAS_UID_KEY: 'user', CAS_EMAIL_KEY: 'mail', CAS_NICKNAME_KEY: 'nick' });
  });

  it('S3 without ACLs is S3_PERMISSION="" (Cloudflare R2, buckets with object ownership enforced)', () => {
    const data = find(synth(definition({ storage: { s3: { permission: '', endpoint: 'https://abc.r2.cloudflarestorage.com' } } })), 'ConfigMap', 'test-env').data;
    expect(data.S3_PERMISSION).toBe('');
    expect(problems(definition({ storage: { s3: { permission: 'authenticated-read' } } }))).toEqual([]);
    const r2 = (permission?: string) => model(definition({ storage: { s3: { endpoint: 'https://abc.r2.cloudflarestorage.com', ...(permission === undefined ? {} : { permission }) } } })).warnings.map((w) => w.message);
    expect(r2()).toContainEqual(expect.stringMatching(/Cloudflare R2 refuses ACLs, so uploads with S3_PERMISSION public-read .* set permission: ""/));
    expect(r2('private')).toContainEqual(expect.stringMatching(/S3_PERMISSION private fail/));
    expect(r2('')).toEqual([]);
  });
});


describe('variables that carry one definition field (FIELD_VARIABLES)', () => {
  const def = definition({
    alternateDomains: ['example.org', 'example.net'],
    trustedProxyIps: ['10.0.0.0/8', 'fd00::/8'],
    storage: {
      s3: {
        region: 'eu-west-1', endpoint: 'https://s3.example', hostname: 's3.example', aliasHost: 'files.example', protocol: 'https', permission: 'private',
        multipartThresholdBytes: 8388608, overridePathStyle: true, forceSingleRequest: true, signatureVersion: 'v4', openTimeoutSeconds: 7, readTimeoutSeconds: 9,
      },
    },
    search: { host: 'https://es.internal', port: 9201, user: 'mastodon', preset: 'small_cluster', prefix: 'test' },
    smtp: { server: 'smtp.internal', port: 465, login: 'm', passwordSecret: { name: 'smtp', key: 'password' }, domain: 'example.social', opensslVerifyMode: 'peer', tls: true, ssl: true, fromAddress: 'n@example.social', replyTo: 'r@example.social', returnPath: 'b@example.social', bulk: { server: 'bulk.internal', port: 2525, login: 'bulk', passwordSecret: { name: 'smtp', key: 'bulk' }, domain: 'bulk.example.social', opensslVerifyMode: 'none', tls: true, ssl: true } },
    metrics: { otel: { endpoint: 'http://otel:4318', serviceNamePrefix: 'social', serviceNameSeparator: '/', sampler: 'traceidratio', samplerRatio: '0.25' } },
  });
  const objects = synth(def);
  const cm = find(objects, 'ConfigMap', 'test-env').data;
  const webEnv = Object.fromEntries(container(find(objects, 'Deployment', 'test-web')).env.map((e: any) => [e.name, e.value]));

  it('emits every variable of the table from its field, as Mastodon reads it', () => {
    const at = (path: string) => path.split('.').reduce<any>((n, k) => n?.[k], def);
    expect(VARIABLE_FIELDS.size).toBeGreaterThan(30);
    for (const [name, field] of VARIABLE_FIELDS) {
      const value = at(field);
      expect(value, `${field} is set in the test definition`).toBeDefined();
      const expected = Array.isArray(value) ? value.join(',') : String(value);
      expect(cm[name] ?? webEnv[name], `${name} from ${field}`).toBe(expected);
    }
  });
});
