/**
 * The library's one import path: `import { MastodonInstance, SidekiqGroup, ... } from 'mastodon-cdk8s'`.
 * Everything else under src/ is the CLI's and may change without notice.
 */
export { MastodonInstance, addInstance, addSyncWaves, ARGOCD_SYNC_WAVE } from './constructs/instance';
export type { MastodonInstanceProps, InstanceParts, InstanceStageScopes } from './constructs/instance';
export { SidekiqGroup } from './constructs/sidekiq';
export type { SidekiqGroupProps, ProcessResources } from './constructs/sidekiq';
export { WebService } from './constructs/web';
export type { WebServiceProps } from './constructs/web';
export { StreamingService } from './constructs/streaming';
export type { StreamingServiceProps } from './constructs/streaming';
export { MastodonIngress, NginxIngress, GENERATED_INGRESS_ANNOTATIONS } from './constructs/traffic';
export type { MastodonIngressProps, NginxIngressProps, InstanceHosts } from './constructs/traffic';
export { INGRESS_CONTROLLER_DEFAULTS } from './model/ingress-controller';
export type { IngressController, IngressControllerKind } from './model/ingress-controller';
export { DragonflyRedis, SentinelRedis } from './constructs/redis';
export type { OperatorRedisProps, DragonflyRedisProps, SentinelRedisProps } from './constructs/redis';
export { CloudnativePgCluster } from './constructs/postgres';
export type { PostgresProps } from './constructs/postgres';
export { MastodonEnvironment } from './constructs/environment';
export type { ProcessKind } from './constructs/environment';
export { MastodonDeployment, ProcessEnvironment } from './constructs/workload';
export type { IProcessEnvironment, ProcessEnvironmentSources, ProcessProps, MastodonDeploymentProps } from './constructs/workload';
export type { InstanceIdentity, ServiceSettings, SpreadOptions } from './constructs/common';
export type { PatchesLast } from './constructs/objects';
export { WARNING_METADATA, WARNING_TYPE } from './constructs/checks';
export { checkDefinition, loadDefinition, parseDefinition } from './definition/load';
export type { Instance, InstanceDefinition, InstanceInput, PodPlacement, PodResources, Resources, SecretKeyRef, SidekiqGroupDef } from './definition/schema';
export { buildModel, ModelError } from './model/model';
export type { InstanceModel, SidekiqGroupModel } from './model/model';
export type { RedisEndpoint } from './model/redis';
export type { Cidr, EgressEndpoint, EgressPeer, EgressPlan, EgressProcess } from './model/egress';
export type { PostgresModel } from './model/postgres';
export { RULES, checkRules } from './rules';
export type { Rule, Finding } from './rules';
