import { describe, expect, it } from 'vitest';
import { KubeObject } from '../../src/output/schema-gate';
import { definition, find, synth, synthStages } from '../helpers';

const sealed = 'AgBy3i4OJSWK+PiTySYZZA9rO43cGDEq' + 'x'.repeat(60);

describe('Secret sources', () => {
  const def = definition({
      secrets: {
        sources: {
          core: { externalSecret: { store: 'vault', data: { SECRET_KEY_BASE: 'mastodon/core#skb', VAPID_PRIVATE_KEY: 'mastodon/core#vp', VAPID_PUBLIC_KEY: 'mastodon/core#vpub', ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY: 'a', ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY: 'b', ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT: 'c' } } },
          db: { sealedSecret: { encryptedData: { password: sealed }, scope: 'namespace-wide' } },
          s3: { externalSecret: { store: 'aws', storeKind: 'SecretStore', extract: 'mastodon/s3' } },
        },
      },
    });
  const objects = synth(def);

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
    const stages = synthStages(def);
    const sources = (objs: KubeObject[]) => objs.filter((o) => o.kind === 'ExternalSecret' || o.kind === 'SealedSecret').map((o) => `${o.kind}/${o.metadata?.name}`).sort();
    expect(sources(stages.base)).toEqual(['ExternalSecret/core', 'ExternalSecret/s3', 'SealedSecret/db']);
    for (const [stage, objs] of Object.entries(stages)) {
      if (stage !== 'base') expect(sources(objs), stage).toEqual([]);
      expect(objs.filter((o) => o.kind === 'Secret'), stage).toEqual([]);
    }
    // every stage and the Flux objects together are what synth emits
    expect(Object.values(stages).flat().length).toBe(objects.length);
  });

  it('refuses what looks like a plain value instead of kubeseal output', async () => {
    const { problems } = await import('../helpers');
    expect(problems(definition({ secrets: { sources: { db: { sealedSecret: { encryptedData: { password: 'hunter2' } } } } } })).join()).toMatch(/expected a kubeseal-encrypted value \(starts with Ag\), found "hunter2"/);
  });
});
