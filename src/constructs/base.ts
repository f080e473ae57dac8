/** Namespace and local media volume: objects whose deletion would lose data are never pruned by Flux. */
import { JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as L1 from './objects';
import { k8s } from 'cdk8s-plus-28';
import { InstanceModel } from '../model/model';
import { InstanceIdentity, metadata, standardLabels } from './common';

export const NO_PRUNE = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

export class InstanceNamespace extends Construct {
  constructor(scope: Construct, id: string, props: { readonly id: InstanceIdentity }) {
    super(scope, id);
    const ns = new L1.KubeNamespace(this, 'Resource', {
      metadata: { name: props.id.namespace, labels: standardLabels(props.id, 'namespace'), annotations: NO_PRUNE },
    });
    // the chart's default namespace must not leak into a cluster-scoped object
    ns.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}

export function mediaClaimName(model: InstanceModel): string {
  return model.def.storage.volume?.existingClaim ?? `${model.name}-media`;
}

export class MediaVolume extends Construct {
  readonly claimName: string;

  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity; readonly volume: NonNullable<InstanceModel['def']['storage']['volume']> }) {
    super(scope, id);
    const v = props.volume;
    this.claimName = mediaClaimName(props.model);
    // an existing claim (kept from a Helm release) is mounted, never created or pruned from here
    if (v.existingClaim) return;
    new L1.KubePersistentVolumeClaim(this, 'Resource', {
      metadata: metadata(props.id, this.claimName, 'media', { annotations: NO_PRUNE }),
      spec: {
        accessModes: [v.accessMode],
        storageClassName: v.storageClass,
        resources: { requests: { storage: k8s.Quantity.fromString(v.size) } },
      },
    });
  }
}
