/** Secrets the generator delivers without ever holding a value: ExternalSecret (remote keys) or SealedSecret (ciphertext). */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { ExternalSecretSpecSecretStoreRefKind } from '../../imports/external-secrets-external-secrets.io';
import { Instance } from '../definition/schema';
import { InstanceIdentity, metadata } from './common';

type SecretSourceDef = Instance['secrets']['sources'][string];

export interface SecretSourceProps {
  readonly id: InstanceIdentity;
  /** name of the Kubernetes Secret that will exist in the namespace */
  readonly secretName: string;
  readonly source: SecretSourceDef;
}

export class SecretSource extends Construct {
  constructor(scope: Construct, id: string, props: SecretSourceProps) {
    super(scope, id);
    const { source, secretName } = props;
    if (source.externalSecret) {
      const es = source.externalSecret;
      new L1.ExternalSecret(this, 'Resource', {
        metadata: metadata(props.id, secretName, 'secrets'),
        spec: {
          refreshInterval: es.refreshInterval,
          secretStoreRef: {
            name: es.store,
            kind: es.storeKind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
          },
          target: { name: secretName },
          data: es.data
            ? Object.entries(es.data)
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([secretKey, remote]) => {
                  const [key, property] = remote.split('#', 2);
                  return { secretKey, remoteRef: property ? { key, property } : { key } };
                })
            : undefined,
          dataFrom: es.extract ? [{ extract: { key: es.extract } }] : undefined,
        },
      });
    } else if (source.sealedSecret) {
      const ss = source.sealedSecret;
      const annotations: Record<string, string> =
        ss.scope === 'strict' ? {} : { [`sealedsecrets.bitnami.com/${ss.scope}`]: 'true' };
      new L1.SealedSecret(this, 'Resource', {
        metadata: metadata(props.id, secretName, 'secrets', Object.keys(annotations).length ? { annotations } : {}),
        spec: { encryptedData: { ...ss.encryptedData } },
      });
    }
  }
}
