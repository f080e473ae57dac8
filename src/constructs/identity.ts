/** ServiceAccounts the definition asks to create, once each, for the components that run as them. */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { PodPlacement } from '../definition/schema';
import { InstanceModel } from '../model/model';
import { InstanceIdentity, metadata } from './common';

export class ServiceAccounts extends Construct {
  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const d = props.model.def;
    const placements: PodPlacement[] = [d.web, d.streaming, ...d.sidekiq.groups, d.jobs];
    const created = new Map(placements.flatMap((p) => (p.serviceAccount?.create ? [[p.serviceAccount.name, p.serviceAccount] as const] : [])));
    for (const [name, sa] of [...created].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      new L1.KubeServiceAccount(this, name, {
        metadata: metadata(props.id, name, 'identity', Object.keys(sa.annotations).length ? { annotations: { ...sa.annotations } } : {}),
        automountServiceAccountToken: sa.automountToken,
      });
    }
  }
}
