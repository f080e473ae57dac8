import { describe, expect, it } from 'vitest';
import { definition, find, synth } from '../helpers';

const sealed = 'AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq' + 'x'.repeat(60);

describe('Secret sources', () => {
  const objects = synth(
    definition({
      secrets: {
        sources: {
          core: { externalSecret: { store: 'vault', data: { SECRET_KEY_BASE: 'mastodon/core#skb', VAPID_PRIVATE_KEY: 'mastodon/core#vp', VAPID_PUBLIC_KEY: 'mastodon/core#vpub', ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: 'a', ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: 'b', ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: 'c' } } },
          db: { sealedSecret: { encryptedData: { password: sealed }, scope: 'namespace-wide' } },
          s3: { externalSecret: { store: 'aws', storeKind: 'SecretStore', extract: 'mastodon/s3' } },
        },
      },
    }),
  );

  it('emits an ExternalSecret that names remote keys only', () => {
    const es = find(objects, 'ExternalSecret', 'core');
    expect(es.spec.secretStoreRef).toEqual({ name: 'vault', kind: 'ClusterSecretStore' });
    expect(es.spec.target).toEqual({ name: 'core' });
    expect(es.spec.data[0]).toEqual({ secretKey: 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY', remoteRef: { key: 'b' } });
    expect(es.spec.data.find((d: any) => d.secretKey === 'SECRET_KEY_BASE').remoteRef).toEqual({ key: 'mastodon/core', property: 'skb' });
    expect(find(objects, 'ExternalSecret', 's3').spec).toMatchObject({ secretStoreRef: { kind: 'SecretStore' }, dataFrom: [{ extract: { key: 'mastodon/s3' } }] });
  });

  it('emits a SealedSecret with ciphertext and its scope', () => {
    const ss = find(objects, 'SealedSecret', 'db');
    expect(ss.spec.encryptedData).toEqual({ password: sealed });
    expect(ss.metadata.annotations).toEqual({ 'sealedsecrets.bitnami.com/namespace-wide': 'true' });
  });

  it('applies them in the base stage and never emits a Secret', () => {
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('refuses what looks like a plain value instead of kubeseal output', async () => {
    const { problems } = await import('../helpers');
    expect(problems(definition({ secrets: { sources: { db: { sealedSecret: { encryptedData: { password: 'hunter2' } } } } } })).join()).toMatch(/expected a kubeseal-encrypted value \(starts with Ag\), found "hunter2"/);
  });
});
