import { describe, expect, it } from 'vitest';
import { isCredentialName, isCredentialValue } from '../../src/model/credentials';

describe('credential names (one pattern for the checks, the rules and the importer)', () => {
  it('knows every credential Mastodon reads', () => {
    const credentials = [
      'SECRET_KEY_BASE', 'OTP_SECRET', 'VAPID_PRIVATE_KEY', 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY', 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY',
      'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT', 'DB_PASS', 'REPLICA_DB_PASS', 'DATABASE_URL', 'REPLICA_DATABASE_URL', 'REDIS_PASSWORD', 'REDIS_URL',
      'SIDEKIQ_REDIS_URL', 'CACHE_REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'ES_PASS', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'SMTP_PASSWORD',
      'BULK_SMTP_PASSWORD', 'DEEPL_API_KEY', 'LIBRE_TRANSLATE_API_KEY', 'HCAPTCHA_SECRET_KEY', 'CACHE_BUSTER_SECRET', 'OIDC_CLIENT_SECRET',
      'SAML_PRIVATE_KEY', 'LDAP_PASSWORD', 'AZURE_STORAGE_ACCESS_KEY', 'SWIFT_PASSWORD', 'GITHUB_TOKEN',
    ];
    expect(credentials.filter((n) => !isCredentialName(n))).toEqual([]);
  });

  it('does not call settings that name an endpoint, a header or an attribute credentials', () => {
    const settings = [
      'OIDC_TOKEN_ENDPOINT', 'OIDC_SEND_SCOPE_TO_TOKEN_ENDPOINT', 'OIDC_AUTH_ENDPOINT', 'CAS_UID_KEY', 'CAS_EMAIL_KEY', 'CAS_NICKNAME_KEY',
      'CACHE_BUSTER_SECRET_HEADER', 'VAPID_PUBLIC_KEY', 'SKIP_POST_DEPLOYMENT_MIGRATIONS', 'S3_STORAGE_CLASS', 'LDAP_BIND_DN', 'SAML_IDP_CERT_FINGERPRINT',
      'REDIS_SENTINEL_MASTER', 'BYPASS_CACHE',
    ];
    expect(settings.filter(isCredentialName)).toEqual([]);
  });

  it('takes a database or Redis URL for a credential only with a password in it', () => {
    expect(isCredentialValue('REDIS_URL', 'rediss://:secret@r:6379/0')).toBe(true);
    expect(isCredentialValue('SIDEKIQ_REDIS_URL', 'redis://user:secret@r:6379')).toBe(true);
    expect(isCredentialValue('DATABASE_URL', 'postgres://mastodon:pw@db/mastodon')).toBe(true);
    expect(isCredentialValue('REDIS_URL', 'rediss://a%40b@r:6379/2')).toBe(false);
    expect(isCredentialValue('REDIS_URL', 'redis://r:6379')).toBe(false);
    expect(isCredentialValue('REDIS_PASSWORD', 'rediss://r')).toBe(true);
    expect(isCredentialValue('S3_BUCKET', 'a:b@c')).toBe(false);
  });
});
