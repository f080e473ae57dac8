/** Flux Kustomizations that apply an instance's stages in order: each waits for the one before it. */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { KustomizationSpecSourceRefKind } from '../../imports/flux-kustomize-kustomize.toolkit.fluxcd.io';
import { InstanceModel } from '../model/model';
import { InstanceIdentity, standardLabels } from './common';

export interface FluxStage {
  /** short name, suffix of the Kustomization name */
  readonly id: string;
  /** folder under dist/<instance>/ */
  readonly dir: string;
  /** replace Jobs whose immutable fields changed */
  readonly force: boolean;
  readonly timeout: string;
}

export interface FluxPipelineProps {
  readonly model: InstanceModel;
  readonly id: InstanceIdentity;
  readonly stages: readonly FluxStage[];
  /** the definition's flux section */
  readonly flux: NonNullable<InstanceModel['def']['flux']>;
}

export function fluxKustomizationName(model: InstanceModel, stage: FluxStage): string {
  return `${model.name}-${stage.id}`;
}

export class FluxPipeline extends Construct {
  constructor(scope: Construct, id: string, props: FluxPipelineProps) {
    super(scope, id);
    const m = props.model;
    const flux = props.flux;
    const root = (flux.path ?? `./dist/${m.name}`).replace(/\/+$/, '');
    props.stages.forEach((stage, i) => {
      const previous = props.stages[i - 1];
      new L1.Kustomization(this, stage.id, {
        metadata: { name: fluxKustomizationName(m, stage), namespace: flux.namespace, labels: standardLabels(props.id, 'flux') },
        spec: {
          interval: flux.interval,
          retryInterval: '2m',
          path: `${root}/${stage.dir}`,
          prune: true,
          // wait: the next stage starts only when every object here is ready (Jobs: completed)
          wait: true,
          timeout: stage.timeout,
          force: stage.force || undefined,
          sourceRef: {
            kind: flux.sourceKind === 'GitRepository' ? KustomizationSpecSourceRefKind.GIT_REPOSITORY : KustomizationSpecSourceRefKind.OCI_REPOSITORY,
            name: flux.sourceName,
            namespace: flux.sourceNamespace,
          },
          dependsOn: previous ? [{ name: fluxKustomizationName(m, previous) }] : undefined,
        },
      });
    });
  }
}
