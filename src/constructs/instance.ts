/**
 * A whole Mastodon instance as constructs: what the CLI puts into one Chart per apply stage
 * (charts/instance.ts), and `MastodonInstance`, the same objects inside any construct of a cdk8s app.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { InstanceModel, ModelError, buildModel } from '../model/model';
import { checkDefinition } from '../definition/load';
import { InstanceInput } from '../definition/schema';
import { checkObjects, refuse, warn } from './checks';
import { InstanceNamespace, MediaVolume } from './base';
import { InstanceIdentity } from './common';
import { MastodonEnvironment } from './environment';
import { ServiceAccounts } from './identity';
import { ScaleUpJob, UpgradeAccess, createAdmin, downtimeMigration, postDeployMigration, preDeployMigration, searchDeploy } from './migrations';
import { Maintenance } from './maintenance';
import { Monitoring } from './monitoring';
import { CloudnativePgCluster } from './postgres';
import { DragonflyRedis, SentinelRedis, operatorRedisPropsOf } from './redis';
import { SecretSource } from './secrets';
import { SidekiqGroup, sidekiqGroupPropsOf } from './sidekiq';
import { StreamingService, streamingServicePropsOf } from './streaming';
import { GatewayRoutes, MastodonIngress, NginxControllerConfig, ingressPropsOf } from './traffic';
import { JobPolicies, ProcessPolicies } from './network-policy';
import { WebService, webServicePropsOf } from './web';

/** Where each apply stage's objects go: Charts in the CLI, child constructs in MastodonInstance. */
export interface InstanceStageScopes {
  /** namespace, environment, Secrets, Redis, service accounts: what the Jobs and processes need first */
  readonly base: Construct;
  /** the migration Jobs that run before the processes roll */
  readonly preDeploy: Construct;
  /** the long-running processes and how traffic reaches them */
  readonly app: Construct;
  /** the migration and search Jobs that run once every process runs the new version */
  readonly postDeploy: Construct;
}

/** The constructs of one instance, by concept. */
export interface InstanceParts {
  readonly environment: MastodonEnvironment;
  readonly web: WebService;
  readonly streaming: StreamingService;
  /** one per Sidekiq group, by group name */
  readonly sidekiqGroups: Readonly<Record<string, SidekiqGroup>>;
  /** @default - none (traffic.gateway) */
  readonly ingress?: MastodonIngress;
  /** operator-run Redis roles, by role (main, sidekiq, cache) @default {} */
  readonly redis: Readonly<Record<string, DragonflyRedis | SentinelRedis>>;
}

/** Adds every object of a validated instance to the stage scopes. */
export function addInstance(scopes: InstanceStageScopes, m: InstanceModel): InstanceParts {
  const id: InstanceIdentity = { instance: m.name, namespace: m.namespace, version: m.tag };

  const base = scopes.base;
  new InstanceNamespace(base, 'namespace', { id });
  const environment = new MastodonEnvironment(base, 'environment', m, id);
  for (const name of Object.keys(m.def.secrets.sources).sort()) {
    new SecretSource(base, `secret-${name}`, { id, secretName: name, source: m.def.secrets.sources[name] });
  }
  const media = m.def.storage.volume ? new MediaVolume(base, 'media', { model: m, id, volume: m.def.storage.volume }) : undefined;
  const redis: Record<string, DragonflyRedis | SentinelRedis> = {};
  for (const ep of Object.values(m.redis)) {
    if (ep.inherited) continue;
    if (ep.def.dragonfly) redis[ep.role] = new DragonflyRedis(base, `redis-${ep.role}`, { ...ep.def.dragonfly, ...operatorRedisPropsOf(m, ep) });
    if (ep.def.redisOperator) redis[ep.role] = new SentinelRedis(base, `redis-${ep.role}`, { ...ep.def.redisOperator, ...operatorRedisPropsOf(m, ep) });
  }
  if (m.postgres) new CloudnativePgCluster(base, 'postgres', { model: m, id });
  if (m.downtimeUpgrade) new UpgradeAccess(base, 'upgrade-access', { model: m, id });
  new ServiceAccounts(base, 'service-accounts', { model: m, id });
  if (m.def.traffic.ingress?.controllerConfig && m.ingressController?.kind === 'ingress-nginx') new NginxControllerConfig(base, 'ingress-controller', { model: m, id });
  if (m.def.traffic.networkPolicies) new JobPolicies(base, 'policies', { model: m, id });

  const app = scopes.app;
  const web = new WebService(app, 'web', webServicePropsOf(m, environment, media?.claimName));
  const streaming = new StreamingService(app, 'streaming', streamingServicePropsOf(m, environment));
  const groups = m.sidekiqGroups.map((group) => ({ group, construct: new SidekiqGroup(app, `sidekiq-${group.name}`, sidekiqGroupPropsOf(m, group, environment, media?.claimName)) }));
  const traffic = { model: m, id, webService: web.serviceName, streamingService: streaming.serviceName };
  const ingress = m.def.traffic.ingress ? new MastodonIngress(app, 'ingress', ingressPropsOf(m, m.def.traffic.ingress, traffic)) : undefined;
  if (m.def.traffic.gateway) new GatewayRoutes(app, 'gateway', traffic);
  if (m.def.traffic.networkPolicies) new ProcessPolicies(app, 'policies', { model: m, id });
  if (m.def.metrics.serviceMonitors || m.def.metrics.alerts) new Monitoring(app, 'monitoring', { model: m, id });
  new Maintenance(app, 'maintenance', { model: m, environment, id, mediaClaim: media?.claimName });

  const jobProps = { model: m, environment, id };
  const pre = scopes.preDeploy;
  const post = scopes.postDeploy;
  if (m.downtimeUpgrade) {
    const downtime = {
      ...jobProps,
      components: ['web', 'streaming', ...m.sidekiqGroups.map((g) => `sidekiq-${g.name}`)],
      autoscaled: [
        ...(m.def.web.maxReplicas ? [{ name: web.name, replicas: m.def.web.replicas }] : []),
        ...(m.def.streaming.maxReplicas ? [{ name: streaming.name, replicas: m.def.streaming.replicas }] : []),
        ...groups.filter(({ group }) => group.maxReplicas).map(({ group, construct }) => ({ name: construct.name, replicas: group.replicas })),
      ],
    };
    downtimeMigration(pre, downtime);
    if (downtime.autoscaled.length) new ScaleUpJob(post, 'scale-up', downtime);
  } else {
    preDeployMigration(pre, jobProps);
  }
  postDeployMigration(post, jobProps);
  if (m.searchDeployArgs) searchDeploy(post, jobProps, m.searchDeployArgs);
  if (m.def.admin) createAdmin(post, jobProps, m.def.admin);

  return { environment, web, streaming, sidekiqGroups: Object.fromEntries(groups.map(({ group, construct }) => [group.name, construct])), ingress, redis };
}

export const ARGOCD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/**
 * Argo CD: every object of a stage in the stage's sync wave, in apply order from `firstWave`. A wave starts
 * once every object of the waves before is healthy (a Job: completed), so no hooks are needed.
 */
export function addSyncWaves(stages: readonly IConstruct[], firstWave: number): void {
  stages.forEach((stage, i) => {
    for (const obj of stage.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject)) {
      obj.metadata.addAnnotation(ARGOCD_SYNC_WAVE, String(firstWave + i));
      // Jobs are immutable: a changed Job is replaced, as Flux's force does
      if (obj.kind === 'Job') obj.metadata.addAnnotation('argocd.argoproj.io/sync-options', 'Force=true,Replace=true');
    }
  });
}

/** The definition's own labels and annotations on every object (selectors and pods keep theirs). */
export function addDefinitionMetadata(scopes: readonly IConstruct[], m: InstanceModel): void {
  for (const scope of scopes) {
    for (const obj of scope.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject)) {
      for (const [k, v] of Object.entries(m.def.labels)) obj.metadata.addLabel(k, v);
      for (const [k, v] of Object.entries(m.def.annotations)) obj.metadata.addAnnotation(k, v);
    }
  }
}

/** The definition, as a cdk8s user writes it in code: the same fields and defaults as instances/<name>.yaml (schema/instance.schema.json). */
export type MastodonInstanceProps = InstanceInput;

/**
 * A whole Mastodon instance inside any construct, e.g. an existing Chart. Defaults are applied here
 * (a copy of the props is validated against the definition schema); the definition's checks, the
 * policy rules and the Kubernetes 1.28/1.36 and CRD schema checks run at `app.synth()` as construct
 * validations, reported with this construct's path and the field. Objects are the CLI's, in four child
 * constructs named after its apply stages (`Base`, `PreDeploy`, `App`, `PostDeploy`): in one Chart they are
 * applied together, so the migration Jobs run alongside the new processes (the CLI orders them instead), unless
 * the `argocd` section gives each stage its sync wave and Argo CD applies the Chart's output.
 * The `flux` section is refused: its pipeline applies the CLI's dist/ folders.
 */
export class MastodonInstance extends Construct {
  /** the validated model (defaults applied, derived facts); undefined when the props were refused @default - */
  readonly model?: InstanceModel;
  /** one child construct per apply stage */
  readonly stages?: InstanceStageScopes;
  /** the instance's constructs; undefined when the props were refused (app.synth() reports why) */
  readonly parts?: InstanceParts;
  /**
   * what the CLI prints as warnings, `field: message`; also emitted as Node warnings (type MastodonCdk8sWarning)
   * when the app is synthesized, and kept as construct metadata (mastodon-cdk8s:warning)
   */
  readonly warnings: readonly string[] = [];

  constructor(scope: Construct, id: string, props: MastodonInstanceProps) {
    super(scope, id);
    const checked = checkDefinition(props);
    if (!checked.instance) {
      refuse(this, checked.problems);
      return;
    }
    if (checked.instance.flux) {
      refuse(this, [{ path: ['flux'], message: "the Flux pipeline applies the CLI's dist/ folders; in a cdk8s app leave flux out and apply the Chart your own way (or use the CLI)" }]);
      return;
    }
    try {
      this.model = buildModel(checked.instance);
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      refuse(this, e.problems);
      return;
    }
    this.warnings = warn(this, this.model.warnings);
    this.stages = {
      base: new Construct(this, 'Base'),
      preDeploy: new Construct(this, 'PreDeploy'),
      app: new Construct(this, 'App'),
      postDeploy: new Construct(this, 'PostDeploy'),
    };
    this.parts = addInstance(this.stages, this.model);
    if (this.model.def.argocd) addSyncWaves([this.stages.base, this.stages.preDeploy, this.stages.app, this.stages.postDeploy], this.model.def.argocd.firstWave);
    addDefinitionMetadata([this], this.model);
    // the same checks the CLI runs on every object, over the objects as they will be synthesized (user patches included)
    checkObjects(this);
  }
}
