import { describe, expect, it } from 'vitest';
import { definition, find, model, problems, synth } from '../helpers';

const server = { server: 'smtp.example.com', fromAddress: 'n@example.social' };
const login = { loginSecret: { name: 'smtp', key: 'login' }, passwordSecret: { name: 'smtp', key: 'password' } };
const env = (def: object) => find(synth(definition(def)), 'ConfigMap', 'test-env').data;

describe('mail settings Mastodon can deliver with', () => {
  it('implicit TLS goes out without STARTTLS, and SMTP_TLS/SMTP_SSL only ever say true', () => {
    const tls = env({ smtp: { ...server, ...login, port: 465, tls: true } });
    expect(tls).toMatchObject({ SMTP_TLS: 'true', SMTP_ENABLE_STARTTLS: 'never' });
    const ssl = env({ smtp: { ...server, ...login, port: 465, ssl: true } });
    expect(ssl).toMatchObject({ SMTP_SSL: 'true', SMTP_ENABLE_STARTTLS: 'never' });
    expect(ssl.SMTP_TLS).toBeUndefined();
    const starttls = env({ smtp: { ...server, ...login, ssl: false } });
    expect(starttls).toMatchObject({ SMTP_ENABLE_STARTTLS: 'auto' });
    expect(Object.keys(starttls).filter((k) => /^SMTP_(TLS|SSL)$/.test(k))).toEqual([]);
  });

  it('refuses implicit TLS with STARTTLS from 4.5 (mail 2.9 raises on every delivery), warns before', () => {
    const both = { smtp: { ...server, ...login, tls: true, starttls: 'auto', bulk: { server: 'bulk', ...login, ssl: true, starttls: 'always' } } };
    expect(problems(definition(both, { version: '4.5.6' }))).toEqual([
      expect.stringMatching(/implicit TLS \(tls: true\) and STARTTLS auto are exclusive: from Mastodon 4\.5 every delivery fails/),
      expect.stringMatching(/implicit TLS \(ssl: true\) and STARTTLS always are exclusive/),
    ]);
    const old = model(definition(both, { version: '4.4.5' }));
    expect(old.warnings.map((w) => w.path.join('.'))).toEqual(expect.arrayContaining(['smtp.starttls', 'smtp.bulk.starttls']));
    expect(problems(definition({ smtp: { ...server, ...login, tls: true, starttls: 'never' } }))).toEqual([]);
  });

  it('sends no SMTP AUTH without a login, and refuses AUTH that has no user name or password', () => {
    expect(env({ smtp: server })).toMatchObject({ SMTP_AUTH_METHOD: 'none' });
    expect(env({ smtp: { ...server, ...login } })).toMatchObject({ SMTP_AUTH_METHOD: 'plain' });
    expect(env({ smtp: { ...server, ...login, authMethod: 'xoauth2' } })).toMatchObject({ SMTP_AUTH_METHOD: 'xoauth2' });
    expect(problems(definition({ smtp: { ...server, authMethod: 'login' } }))).toEqual([expect.stringMatching(/SMTP AUTH login needs a user name: set login or loginSecret/)]);
    expect(problems(definition({ smtp: { ...server, login: 'mastodon' } }))).toEqual([expect.stringMatching(/SMTP AUTH plain needs a password/)]);
  });

  it('accepts every verify mode and delivery method Mastodon does', () => {
    for (const opensslVerifyMode of ['peer', 'none', 'client_once', 'fail_if_no_peer_cert']) expect(problems(definition({ smtp: { ...server, opensslVerifyMode } }))).toEqual([]);
    for (const deliveryMethod of ['smtp', 'sendmail', 'file', 'test']) expect(problems(definition({ smtp: { ...server, deliveryMethod } }))).toEqual([]);
  });
});
