/**
 * One instance as a cdk8s App with one Chart per apply stage. The stages are what Flux (or an
 * operator running kubectl) applies in order: base → pre-deploy → app → post-deploy. The objects are
 * the library's (src/constructs/instance.ts): the CLI only chooses the Charts they go into.
 */
import { App, Chart } from 'cdk8s';
import { InstanceModel } from '../src/model/model';
import { InstanceIdentity } from '../src/constructs/common';
import { FluxPipeline, FluxStage } from '../src/constructs/flux';
import { InstanceParts, addDefinitionMetadata, addInstance, addSyncWaves } from '../src/constructs/instance';
import { CHECKED_BY_CLI } from '../src/constructs/checks';

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
  readonly parts: InstanceParts;

  constructor(readonly model: InstanceModel) {
    this.app.node.setContext(CHECKED_BY_CLI, true);
    const m = model;
    const id: InstanceIdentity = { instance: m.name, namespace: m.namespace, version: m.tag };
    const chart = (dir: string) => new Chart(this.app, dir, { namespace: m.namespace, disableResourceNameHashes: true });
    const flux = m.def.flux;
    const appTimeout = flux?.appTimeout ?? '15m';
    const migrationTimeout = flux?.migrationTimeout ?? '60m';

    const base = chart(STAGE_DIRS.base);
    const app = chart(STAGE_DIRS.app);
    const pre = chart(STAGE_DIRS.preDeploy);
    const post = chart(STAGE_DIRS.postDeploy);
    this.parts = addInstance({ base, preDeploy: pre, app, postDeploy: post }, m);

    this.stages = [
      { id: 'base', dir: STAGE_DIRS.base, chart: base, force: false, timeout: appTimeout },
      { id: 'pre-deploy', dir: STAGE_DIRS.preDeploy, chart: pre, force: true, timeout: migrationTimeout },
      { id: 'app', dir: STAGE_DIRS.app, chart: app, force: false, timeout: appTimeout },
      { id: 'post-deploy', dir: STAGE_DIRS.postDeploy, chart: post, force: true, timeout: migrationTimeout },
    ];
    if (flux) {
      this.flux = new Chart(this.app, STAGE_DIRS.flux, { disableResourceNameHashes: true });
      new FluxPipeline(this.flux, 'pipeline', { model: m, id, stages: this.stages, flux });
    }
    if (m.def.argocd) addSyncWaves(this.stages.map((s) => s.chart), m.def.argocd.firstWave);
    addDefinitionMetadata([...this.stages.map((s) => s.chart), ...(this.flux ? [this.flux] : [])], m);
  }
}
