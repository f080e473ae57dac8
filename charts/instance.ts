/**
 * One instance as a cdk8s App with one Chart per apply stage. The stages are what Flux (or an
 * operator running kubectl) applies in order: base → pre-deploy → app → post-deploy.
 */
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { VERSIONED_KINDS, VERSION_LABEL } from '../src/rules/standard-labels';
import { InstanceModel } from '../src/model/model';
import { InstanceNamespace, MediaVolume } from '../src/constructs/base';
import { InstanceIdentity } from '../src/constructs/common';
import { MastodonEnvironment } from '../src/constructs/environment';
import { FluxPipeline, FluxStage } from '../src/constructs/flux';
import { ServiceAccounts } from '../src/constructs/identity';
import { ScaleUpJob, UpgradeAccess, createAdmin, downtimeMigration, postDeployMigration, preDeployMigration, searchDeploy } from '../src/constructs/migrations';
import { Maintenance } from '../src/constructs/maintenance';
import { Monitoring } from '../src/constructs/monitoring';
import { CloudnativePgCluster } from '../src/constructs/postgres';
import { DragonflyRedis, SentinelRedis } from '../src/constructs/redis';
import { SecretSource } from '../src/constructs/secrets';
import { SidekiqGroup } from '../src/constructs/sidekiq';
import { Streaming } from '../src/constructs/streaming';
import { GatewayRoutes, IngressPolicies, NginxControllerConfig, NginxIngress } from '../src/constructs/traffic';
import { Web } from '../src/constructs/web';

export interface Stage extends FluxStage {
  readonly chart: Chart;
}

export const STAGE_DIRS = { base: '00-base', preDeploy: '10-pre-deploy', app: '20-app', postDeploy: '30-post-deploy', flux: 'flux' } as const;

export class InstanceCharts {
  /** never synthesized to disk by cdk8s: src/output/render.ts reads each chart's toJson() */
  readonly app = new App({ outdir: 'unused' });
  /** apply stages in order */
  readonly stages: readonly Stage[];
  /** Flux objects that apply the stages, when the definition has a flux section */
  readonly flux?: Chart;

  constructor(readonly model: InstanceModel) {
    const m = model;
    const id: InstanceIdentity = { instance: m.name, namespace: m.namespace, version: m.tag };
    const chart = (dir: string) => new Chart(this.app, dir, { namespace: m.namespace, disableResourceNameHashes: true });
    const flux = m.def.flux;
    const appTimeout = flux?.appTimeout ?? '15m';
    const migrationTimeout = flux?.migrationTimeout ?? '60m';

    // base: everything the Jobs and processes need before they start
    const base = chart(STAGE_DIRS.base);
    new InstanceNamespace(base, 'namespace', { id });
    const environment = new MastodonEnvironment(base, 'environment', m, id);
    for (const name of Object.keys(m.def.secrets.sources).sort()) {
      new SecretSource(base, `secret-${name}`, { id, secretName: name, source: m.def.secrets.sources[name] });
    }
    const media = m.def.storage.volume ? new MediaVolume(base, 'media', { model: m, id }) : undefined;
    const spread = { zone: m.def.scheduling.zoneSpread, node: m.def.scheduling.nodeSpread };
    for (const ep of Object.values(m.redis)) {
      if (ep.inherited) continue;
      if (ep.backend === 'dragonfly') new DragonflyRedis(base, `redis-${ep.role}`, { id, endpoint: ep, spread });
      if (ep.backend === 'redisOperator') new SentinelRedis(base, `redis-${ep.role}`, { id, endpoint: ep, spread });
    }
    if (m.postgres) new CloudnativePgCluster(base, 'postgres', { model: m, id });
    if (m.downtimeUpgrade) new UpgradeAccess(base, 'upgrade-access', { model: m, id });
    new ServiceAccounts(base, 'service-accounts', { model: m, id });
    if (m.def.traffic.ingress?.controllerConfig) new NginxControllerConfig(base, 'ingress-controller', { model: m, id });

    // app: the long-running processes and how traffic reaches them
    const app = chart(STAGE_DIRS.app);
    const processProps = { model: m, environment, id, mediaClaim: media?.claimName };
    const web = new Web(app, 'web', processProps);
    const streaming = new Streaming(app, 'streaming', processProps);
    const groups = m.sidekiqGroups.map((group) => ({ group, construct: new SidekiqGroup(app, `sidekiq-${group.name}`, { ...processProps, group }) }));
    const traffic = { model: m, id, webService: web.serviceName, streamingService: streaming.serviceName };
    if (m.def.traffic.ingress) new NginxIngress(app, 'ingress', traffic);
    if (m.def.traffic.gateway) new GatewayRoutes(app, 'gateway', traffic);
    if (m.def.traffic.networkPolicies) new IngressPolicies(app, 'policies', { model: m, id });
    if (m.def.metrics.serviceMonitors || m.def.metrics.alerts) new Monitoring(app, 'monitoring', { model: m, id });
    new Maintenance(app, 'maintenance', { model: m, environment, id, mediaClaim: media?.claimName });

    // pre- and post-deploy: the versioned Jobs of an upgrade
    const jobProps = { model: m, environment, id };
    const pre = chart(STAGE_DIRS.preDeploy);
    const post = chart(STAGE_DIRS.postDeploy);
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
    if (m.def.admin) createAdmin(post, jobProps);

    this.stages = [
      { id: 'base', dir: STAGE_DIRS.base, chart: base, force: false, timeout: appTimeout },
      { id: 'pre-deploy', dir: STAGE_DIRS.preDeploy, chart: pre, force: true, timeout: migrationTimeout },
      { id: 'app', dir: STAGE_DIRS.app, chart: app, force: false, timeout: appTimeout },
      { id: 'post-deploy', dir: STAGE_DIRS.postDeploy, chart: post, force: true, timeout: migrationTimeout },
    ];
    if (flux) {
      this.flux = new Chart(this.app, STAGE_DIRS.flux, { disableResourceNameHashes: true });
      new FluxPipeline(this.flux, 'pipeline', { model: m, id, stages: this.stages });
    }
    // the definition's own labels and annotations on every object (selectors and pods keep theirs)
    for (const c of [...this.stages.map((s) => s.chart), ...(this.flux ? [this.flux] : [])]) {
      for (const obj of c.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject)) {
        if (!VERSIONED_KINDS.includes(obj.kind) && obj.metadata.getLabel(VERSION_LABEL) !== undefined) obj.addJsonPatch(JsonPatch.remove(`/metadata/labels/${VERSION_LABEL.replace('/', '~1')}`));
        for (const [k, v] of Object.entries(m.def.labels)) obj.metadata.addLabel(k, v);
        for (const [k, v] of Object.entries(m.def.annotations)) obj.metadata.addAnnotation(k, v);
      }
    }
  }
}
