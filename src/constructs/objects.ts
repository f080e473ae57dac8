/**
 * The L1 classes this library emits, with patches that apply last. cdk8s' generated classes run their
 * JSON through typed mappers after `addJsonPatch` patches, which drops fields the mapper does not know
 * and turns a plain string where a Quantity is expected into nothing. Here the order is:
 *   1. the typed props, mapped to JSON by the generated class;
 *   2. the library's own raw additions (`addRawJsonPatch`: Kubernetes structures a definition gives as written);
 *   3. every `addJsonPatch` patch, in the order added (yours, via `ApiObject.of(construct).addJsonPatch`).
 * So what a patch adds reaches the output exactly as written, and a patch may refer to what step 2 added.
 */
import { ApiObject, GroupVersionKind, JsonPatch } from 'cdk8s';
import { VERSIONED_KINDS, VERSION_LABEL } from '../rules/standard-labels';
import { Construct } from 'constructs';
import { k8s } from 'cdk8s-plus-28';
import * as df from '../../imports/dragonfly-dragonflydb.io';
import * as gw from '../../imports/gateway-httproute-gateway.networking.k8s.io';
import * as rr from '../../imports/redis-replication-redis.redis.opstreelabs.in';
import * as rs from '../../imports/redis-sentinel-redis.redis.opstreelabs.in';
import * as pm from '../../imports/podmonitor-monitoring.coreos.com';
import * as pr from '../../imports/prometheusrule-monitoring.coreos.com';
import * as fk from '../../imports/flux-kustomize-kustomize.toolkit.fluxcd.io';
import * as es from '../../imports/external-secrets-external-secrets.io';
import * as ss from '../../imports/sealed-secrets-bitnami.com';
import * as ko from '../../imports/keda-scaledobject-keda.sh';
import * as kt from '../../imports/keda-triggerauthentication-keda.sh';
import * as cnpg from '../../imports/cnpg-cluster-postgresql.cnpg.io';
import * as cnpgPooler from '../../imports/cnpg-pooler-postgresql.cnpg.io';
import * as cnpgBackup from '../../imports/cnpg-scheduledbackup-postgresql.cnpg.io';

/** What every object of this library offers beyond ApiObject. */
export interface PatchesLast {
  /**
   * A JSON patch applied to the typed output before every `addJsonPatch` patch. The library uses it for
   * the structures a definition gives as written (sidecars, extra volumes, affinity).
   */
  addRawJsonPatch(...ops: JsonPatch[]): void;
}

interface Patches {
  readonly raw: JsonPatch[];
  readonly last: JsonPatch[];
}

const PATCHES = new WeakMap<ApiObject, Patches>();

function patchesOf(obj: ApiObject): Patches {
  let p = PATCHES.get(obj);
  if (!p) PATCHES.set(obj, (p = { raw: [], last: [] }));
  return p;
}

type L1<P> = (new (scope: Construct, id: string, props: P) => ApiObject) & { readonly GVK: GroupVersionKind };

/** The release's version label only on the kinds that run the release (rules/standard-labels.ts says why). */
function releaseLabels<P>(kind: string, props: P): P {
  const meta = (props as { metadata?: { labels?: Record<string, string> } }).metadata;
  if (VERSIONED_KINDS.includes(kind) || meta?.labels?.[VERSION_LABEL] === undefined) return props;
  const { [VERSION_LABEL]: _, ...labels } = meta.labels;
  return { ...props, metadata: { ...meta, labels } };
}

/** The generated class `Base`, with patches applied after its typed mapping (see the file comment). */
export function patchesLast<P, C extends L1<P>>(Base: C & L1<P>): new (scope: Construct, id: string, props: P) => InstanceType<C> & PatchesLast {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const Mixed = class extends (Base as unknown as new (scope: Construct, id: string, props: any) => ApiObject) {
    constructor(scope: Construct, id: string, props: P) {
      super(scope, id, releaseLabels(Base.GVK.kind, props));
    }

    addJsonPatch(...ops: JsonPatch[]): void {
      patchesOf(this).last.push(...ops);
    }

    addRawJsonPatch(...ops: JsonPatch[]): void {
      patchesOf(this).raw.push(...ops);
    }

    toJson(): any {
      const typed = super.toJson();
      const p = patchesOf(this);
      try {
        return JsonPatch.apply(typed, ...p.raw, ...p.last);
      } catch (e) {
        throw new Error(`cannot apply a JSON patch to ${this.kind} ${this.name} (construct ${this.node.path}): ${(e as Error).message}`);
      }
    }
  };
  return Mixed as unknown as new (scope: Construct, id: string, props: P) => InstanceType<C> & PatchesLast;
}

export const KubeConfigMap = patchesLast<k8s.KubeConfigMapProps, typeof k8s.KubeConfigMap>(k8s.KubeConfigMap);
export const KubeCronJob = patchesLast<k8s.KubeCronJobProps, typeof k8s.KubeCronJob>(k8s.KubeCronJob);
export const KubeDeployment = patchesLast<k8s.KubeDeploymentProps, typeof k8s.KubeDeployment>(k8s.KubeDeployment);
export const KubeIngress = patchesLast<k8s.KubeIngressProps, typeof k8s.KubeIngress>(k8s.KubeIngress);
export const KubeJob = patchesLast<k8s.KubeJobProps, typeof k8s.KubeJob>(k8s.KubeJob);
export const KubeNamespace = patchesLast<k8s.KubeNamespaceProps, typeof k8s.KubeNamespace>(k8s.KubeNamespace);
export const KubeNetworkPolicy = patchesLast<k8s.KubeNetworkPolicyProps, typeof k8s.KubeNetworkPolicy>(k8s.KubeNetworkPolicy);
export const KubePersistentVolumeClaim = patchesLast<k8s.KubePersistentVolumeClaimProps, typeof k8s.KubePersistentVolumeClaim>(k8s.KubePersistentVolumeClaim);
export const KubePodDisruptionBudget = patchesLast<k8s.KubePodDisruptionBudgetProps, typeof k8s.KubePodDisruptionBudget>(k8s.KubePodDisruptionBudget);
export const KubeRole = patchesLast<k8s.KubeRoleProps, typeof k8s.KubeRole>(k8s.KubeRole);
export const KubeRoleBinding = patchesLast<k8s.KubeRoleBindingProps, typeof k8s.KubeRoleBinding>(k8s.KubeRoleBinding);
export const KubeService = patchesLast<k8s.KubeServiceProps, typeof k8s.KubeService>(k8s.KubeService);
export const KubeServiceAccount = patchesLast<k8s.KubeServiceAccountProps, typeof k8s.KubeServiceAccount>(k8s.KubeServiceAccount);
export const KubeHorizontalPodAutoscalerV2 = patchesLast<k8s.KubeHorizontalPodAutoscalerV2Props, typeof k8s.KubeHorizontalPodAutoscalerV2>(k8s.KubeHorizontalPodAutoscalerV2);
export const Dragonfly = patchesLast<df.DragonflyProps, typeof df.Dragonfly>(df.Dragonfly);
export const HttpRoute = patchesLast<gw.HttpRouteProps, typeof gw.HttpRoute>(gw.HttpRoute);
export const RedisReplication = patchesLast<rr.RedisReplicationProps, typeof rr.RedisReplication>(rr.RedisReplication);
export const RedisSentinel = patchesLast<rs.RedisSentinelProps, typeof rs.RedisSentinel>(rs.RedisSentinel);
export const PodMonitor = patchesLast<pm.PodMonitorProps, typeof pm.PodMonitor>(pm.PodMonitor);
export const PrometheusRule = patchesLast<pr.PrometheusRuleProps, typeof pr.PrometheusRule>(pr.PrometheusRule);
export const Kustomization = patchesLast<fk.KustomizationProps, typeof fk.Kustomization>(fk.Kustomization);
export const ExternalSecret = patchesLast<es.ExternalSecretProps, typeof es.ExternalSecret>(es.ExternalSecret);
export const SealedSecret = patchesLast<ss.SealedSecretProps, typeof ss.SealedSecret>(ss.SealedSecret);
export const ScaledObject = patchesLast<ko.ScaledObjectProps, typeof ko.ScaledObject>(ko.ScaledObject);
export const TriggerAuthentication = patchesLast<kt.TriggerAuthenticationProps, typeof kt.TriggerAuthentication>(kt.TriggerAuthentication);
export const PostgresCluster = patchesLast<cnpg.ClusterProps, typeof cnpg.Cluster>(cnpg.Cluster);
export const Pooler = patchesLast<cnpgPooler.PoolerProps, typeof cnpgPooler.Pooler>(cnpgPooler.Pooler);
export const ScheduledBackup = patchesLast<cnpgBackup.ScheduledBackupProps, typeof cnpgBackup.ScheduledBackup>(cnpgBackup.ScheduledBackup);
