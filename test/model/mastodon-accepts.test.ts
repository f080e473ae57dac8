/**
 * Settings Mastodon accepts that the definition once refused (issue 15), each checked against Mastodon's
 * source at 4.3.0 and 4.6.5 (glitch-soc/mastodon edcf3d9234b0, 1440d55b139e).
 */
import { describe, expect, it } from 'vitest';
import { definition, find, problems, synth } from '../helpers';

const sharedEnv = (objects: ReturnType<typeof synth>) => find(objects, 'ConfigMap', 'test-env').data as Record<string, string>;

describe('what Mastodon accepts, the definition accepts', () => {
  it('an owner name with capitals (app/models/account.rb: /\\A[a-z0-9_]+\\z/i, at most 30)', () => {
    expect(problems(definition({ admin: { username: 'FediAdmin', email: 'admin@example.social' } }))).toEqual([]);
    expect(problems(definition({ admin: { username: 'Fedi Admin', email: 'admin@example.social' } }))).toEqual([expect.stringMatching(/admin\.username: expected a Mastodon user name \(letters, digits and _, at most 30\), found "Fedi Admin"/)]);
    expect(problems(definition({ admin: { username: 'a'.repeat(31), email: 'admin@example.social' } }))).toHaveLength(1);
  });

  it('SMTP without authentication: SMTP_AUTH_METHOD=none (production.rb in 4.3, email_configuration_helper.rb from 4.4)', () => {
    const def = definition({ smtp: { server: 'relay.mail.svc', port: 25, authMethod: 'none', fromAddress: 'noreply@example.social' } });
    expect(problems(def)).toEqual([]);
    expect(sharedEnv(synth(def)).SMTP_AUTH_METHOD).toBe('none');
  });

  it('an S3 alias host with a path (paperclip.rb: s3_host_alias; media URLs are https://<alias>/<path>)', () => {
    const def = definition({ storage: { s3: { aliasHost: 'cdn.example.com/mastodon' } } });
    expect(problems(def)).toEqual([]);
    expect(sharedEnv(synth(def)).S3_ALIAS_HOST).toBe('cdn.example.com/mastodon');
    expect(problems(definition({ storage: { s3: { aliasHost: 'https://cdn.example.com' } } }))).toEqual([expect.stringMatching(/aliasHost: expected a lowercase host name, optionally with a path/)]);
  });

  it('an Ingress whose TLS ends before it, when the definition says so (traffic.ingress.tls: external)', () => {
    const def = definition({ traffic: { ingress: { clusterIssuer: undefined, tls: 'external', className: 'traefik' } } });
    expect(problems(def)).toEqual([]);
    const web = find(synth(def), 'Ingress', 'test-web');
    expect(web.spec.tls).toBeUndefined();
    expect(web.metadata.annotations['cert-manager.io/cluster-issuer']).toBeUndefined();
    expect(problems(definition({ traffic: { ingress: { tls: 'external' } } }))).toEqual([expect.stringMatching(/expected exactly one TLS source .*found clusterIssuer and tls/)]);
    expect(problems(definition({ traffic: { ingress: { clusterIssuer: undefined } } }))).toEqual([expect.stringMatching(/or tls: external when TLS ends before the Ingress; found none/)]);
  });

  it('an OIDC client id from a Secret instead of the definition (the successor chart\'s existingSecretKeys.clientId)', () => {
    const oidc = { displayName: 'SSO', issuer: 'https://sso.example', clientSecretSecret: { name: 'oidc', key: 'secret' } };
    const def = definition({ auth: { oidc: { ...oidc, clientIdSecret: { name: 'oidc', key: 'id' } } } });
    expect(problems(def)).toEqual([]);
    const web = find(synth(def), 'Deployment', 'test-web').spec.template.spec.containers[0];
    expect(web.env.find((e: any) => e.name === 'OIDC_CLIENT_ID').valueFrom.secretKeyRef).toEqual({ name: 'oidc', key: 'id' });
    expect(sharedEnv(synth(def)).OIDC_CLIENT_ID).toBeUndefined();
    expect(problems(definition({ auth: { oidc } }))).toEqual([expect.stringMatching(/expected exactly one of clientId, clientIdSecret, found none/)]);
  });
});
