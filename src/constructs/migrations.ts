/**
 * Versioned Jobs of an upgrade: pre-deployment migrations, post-deployment migrations, the search
 * index, and the downtime flow. A Job is named after the Mastodon version, so a new version is a new
 * Job (Jobs are immutable) and re-applying the same version changes nothing. The finished Job stays
 * (no TTL unless the definition asks): a deleted one would be created, and run, again by the next
 * reconcile; Flux prunes it when the next release's Job takes its place.
 */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { PatchesLast } from './objects';
import { k8s } from 'cdk8s-plus-28';
import { InstanceModel } from '../model/model';
import { formatVersion } from '../model/versions';
import { CONTAINER_SECURITY, HELPER_RESOURCES, InstanceIdentity, POD_SECURITY, metadata, resourceRequirements, scratchVolumes } from './common';
import { MEDIA_PATH, MastodonEnvironment, PRE_DEPLOY_ENV, adminEnv } from './environment';
import { RAILS_SCRATCH, addToPod, extraEnvOf, mastodonContainer, mediaVolumeAffinity, seedTmpContainer, typedPlacement } from './workload';

/** Flux replaces a Job whose spec changed instead of failing on immutable fields. */
export const FLUX_FORCE = { 'kustomize.toolkit.fluxcd.io/force': 'enabled' };

/** On the pre-deployment Job of an upgrade whose source came from the committed output (src/output/deployed.ts). */
export const UPGRADE_FROM_ANNOTATION = 'mastodon-cdk8s/upgrade-from';

export type MastodonJobKind = 'db-migrate-pre' | 'db-migrate-post' | 'db-migrate-downtime' | 'search-deploy' | 'create-admin';

export function jobName(model: InstanceModel, kind: MastodonJobKind | 'scale-up'): string {
  return `${model.name}-${kind}-${model.tag.replace(/^v/, '').replace(/\./g, '-')}`;
}

/** What the pod of a one-off Rails task runs. */
interface RailsTaskProps {
  readonly model: InstanceModel;
  readonly environment: MastodonEnvironment;
  readonly args: string[];
  /** @default {} */
  readonly extraEnv?: k8s.EnvVar[];
  /** containers run before the main one, in order @default [] */
  readonly initContainers?: k8s.Container[];
  /** @default - the definition's jobs.serviceAccount, else no token mounted */
  readonly serviceAccountName?: string;
}

export interface MastodonJobProps extends RailsTaskProps {
  readonly id: InstanceIdentity;
  readonly kind: MastodonJobKind;
  /**
   * Delete the finished Job after the definition's `upgrade.jobTtlSeconds`, when it sets one. Flux
   * then creates it again on its next reconcile (test/cluster/flux.test.ts), which re-runs it: false
   * for Jobs that must never run twice.
   * @default true
   */
  readonly ttl?: boolean;
  /** @default - `<instance>-<kind>-<version>` */
  readonly name?: string;
  /** @default - only Flux's force annotation */
  readonly annotations?: Record<string, string>;
}

export interface MastodonJobPodProps extends RailsTaskProps {
  readonly labels: Record<string, string>;
  readonly containerName: string;
  /** local media, for the tasks that remove files @default - not mounted */
  readonly mediaClaim?: string;
}

/**
 * The pod of every one-off Rails task (Jobs and CronJobs): hardened like the processes, the direct
 * database connection, placed and sized by the definition's `jobs` section.
 */
export function mastodonJobPod(props: MastodonJobPodProps): k8s.PodTemplateSpec {
  const m = props.model;
  const jobs = m.def.jobs;
  const scratch = scratchVolumes(RAILS_SCRATCH, jobs.resources.ephemeralStorageLimit);
  const extra = props.environment.processVolumes('job');
  const media: { volumes: k8s.Volume[]; mounts: k8s.VolumeMount[] } = props.mediaClaim
    ? { volumes: [{ name: 'media', persistentVolumeClaim: { claimName: props.mediaClaim } }], mounts: [{ name: 'media', mountPath: MEDIA_PATH }] }
    : { volumes: [], mounts: [] };
  const pinned = m.mediaPinnedToOneNode ? props.mediaClaim : undefined;
  const image = m.images.rails;
  return {
    metadata: { labels: { ...jobs.podLabels, ...props.labels }, annotations: jobs.podAnnotations ? { ...jobs.podAnnotations } : undefined },
    spec: {
      restartPolicy: 'Never',
      // the downtime flow's own account (it scales Deployments) or the definition's
      automountServiceAccountToken: props.serviceAccountName !== undefined || (jobs.serviceAccount?.automountToken ?? false),
      serviceAccountName: props.serviceAccountName ?? jobs.serviceAccount?.name,
      enableServiceLinks: false,
      securityContext: POD_SECURITY,
      ...typedPlacement(jobs, m.def.scheduling),
      affinity: pinned ? mediaVolumeAffinity(pinned) : undefined,
      imagePullSecrets: m.def.image.pullSecrets.length ? m.def.image.pullSecrets.map((name) => ({ name })) : undefined,
      initContainers: [...(props.initContainers ?? []), seedTmpContainer(image, m.def.image.pullPolicy)],
      containers: [
        mastodonContainer({
          name: props.containerName,
          image,
          pullPolicy: m.def.image.pullPolicy,
          args: props.args,
          env: [...(props.extraEnv ?? []), ...props.environment.env('job'), ...extraEnvOf(jobs).env],
          envFrom: [...props.environment.envFrom(), ...extraEnvOf(jobs).envFrom],
          resources: resourceRequirements(jobs.resources),
          volumeMounts: [...scratch.volumeMounts, ...extra.mounts, ...media.mounts],
        }),
      ],
      volumes: [...scratch.volumes, ...extra.volumes, ...media.volumes],
    },
  };
}

/** The definition's `jobs` additions given as written (see addToPod). */
export function addToJobPod(obj: PatchesLast, podPath: string, model: InstanceModel, template: k8s.PodTemplateSpec): void {
  addToPod(obj, podPath, model.def.jobs, { affinity: template.spec?.affinity, hasInitContainers: true, hasVolumes: true, size: model.def.jobs.resources });
}

export class MastodonJob extends Construct {
  readonly name: string;

  constructor(scope: Construct, id: string, props: MastodonJobProps) {
    super(scope, id);
    const m = props.model;
    this.name = props.name ?? jobName(m, props.kind);
    const meta = metadata(props.id, this.name, props.kind, { annotations: { ...FLUX_FORCE, ...props.annotations } });
    const template = mastodonJobPod({ ...props, labels: meta.labels, containerName: props.kind });
    const job = new L1.KubeJob(this, 'Resource', {
      metadata: meta,
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: m.def.upgrade.migrationTimeoutSeconds,
        ttlSecondsAfterFinished: props.ttl === false ? undefined : m.def.upgrade.jobTtlSeconds,
        template,
      },
    });
    addToJobPod(job, '/spec/template/spec', m, template);
  }
}


/**
 * What migrates the database. Mastodon's safety checks (minimum PostgreSQL, zero-downtime floor) are
 * prerequisites of `db:migrate` only (lib/tasks/db.rake); `db:prepare` (Rails 7.1+, every supported
 * release) loads the schema into an empty database and otherwise migrates without those checks. So:
 * `db:prepare` for a fresh install, `db:migrate` for every upgrade.
 */
export function migrateTask(model: InstanceModel): string {
  return model.upgradeFrom ? 'db:migrate' : 'db:prepare';
}

/** Pre-deployment migrations with the new image, before any process rolls. */
export function preDeployMigration(scope: Construct, props: Omit<MastodonJobProps, 'kind' | 'args'>): MastodonJob {
  const m = props.model;
  return new MastodonJob(scope, 'db-migrate-pre', {
    // a source read from the output is recorded, so a second synthesis of this version repeats the same upgrade
    annotations: m.upgradeFromOutput && m.upgradeFrom ? { [UPGRADE_FROM_ANNOTATION]: formatVersion(m.upgradeFrom) } : undefined,
    ...props,
    kind: 'db-migrate-pre',
    args: ['bundle', 'exec', 'rails', migrateTask(props.model)],
    extraEnv: PRE_DEPLOY_ENV,
  });
}

/** Post-deployment migrations, once every process runs the new version. */
export function postDeployMigration(scope: Construct, props: Omit<MastodonJobProps, 'kind' | 'args'>): MastodonJob {
  return new MastodonJob(scope, 'db-migrate-post', { ...props, kind: 'db-migrate-post', args: ['bundle', 'exec', 'rails', 'db:migrate'] });
}

/** Creates or updates the search indices; can take hours, so it is never re-run by a TTL. */
export function searchDeploy(scope: Construct, props: Omit<MastodonJobProps, 'kind' | 'args'>, args: readonly string[]): MastodonJob {
  return new MastodonJob(scope, 'search-deploy', { ...props, kind: 'search-deploy', args: ['bin/tootctl', 'search', 'deploy', ...args], ttl: false });
}

/**
 * The Owner account of a fresh install. Not versioned (upgrades must not re-run it), idempotent (an
 * existing account only gets the Owner role), no TTL: the generated password is in the Job's log.
 */
export function createAdmin(scope: Construct, props: Omit<MastodonJobProps, 'kind' | 'args'>, admin: NonNullable<InstanceModel['def']['admin']>): MastodonJob {
  return new MastodonJob(scope, 'create-admin', {
    ...props,
    kind: 'create-admin',
    name: `${props.model.name}-create-admin`,
    ttl: false,
    extraEnv: adminEnv(admin),
    args: [
      'sh',
      '-c',
      // --approve: registrations start closed (approval required), which would leave the Owner pending
      'bin/tootctl accounts create "$ADMIN_USERNAME" --email "$ADMIN_EMAIL" --confirmed --approve --role Owner || bin/tootctl accounts modify "$ADMIN_USERNAME" --approve --role Owner',
    ],
  });
}

export interface DowntimeUpgradeProps {
  readonly model: InstanceModel;
  readonly environment: MastodonEnvironment;
  readonly id: InstanceIdentity;
  /** components of every Deployment (web, streaming, sidekiq-<group>) */
  readonly components: readonly string[];
  /** Deployments whose replica count belongs to an HPA, with their minimum */
  readonly autoscaled: readonly { readonly name: string; readonly replicas: number }[];
}

/** RBAC the downtime flow needs to scale the instance's Deployments, and nothing more. */
export class UpgradeAccess extends Construct {
  static serviceAccountName(model: InstanceModel): string {
    return `${model.name}-upgrade`;
  }

  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const name = UpgradeAccess.serviceAccountName(props.model);
    const meta = metadata(props.id, name, 'upgrade');
    new L1.KubeServiceAccount(this, 'sa', { metadata: meta, automountServiceAccountToken: false });
    new L1.KubeRole(this, 'role', {
      metadata: meta,
      rules: [
        { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'list', 'patch', 'update'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    new L1.KubeRoleBinding(this, 'binding', {
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: props.id.namespace }],
    });
  }
}

function kubectlContainer(model: InstanceModel, name: string, args: string[]): k8s.Container {
  return {
    name,
    image: model.def.upgrade.kubectlImage,
    imagePullPolicy: 'IfNotPresent',
    args,
    resources: resourceRequirements(HELPER_RESOURCES),
    securityContext: CONTAINER_SECURITY,
  };
}

/**
 * Downtime upgrade, pre stage: stop every process, wait for the pods to go, then run all migrations
 * at once. The app stage then applies the new Deployments, which brings the processes back.
 */
export function downtimeMigration(scope: Construct, props: DowntimeUpgradeProps): MastodonJob {
  const ns = props.model.namespace;
  const instanceSelector = `app.kubernetes.io/instance=${props.model.name},app.kubernetes.io/part-of=mastodon`;
  const podSelector = `app.kubernetes.io/instance=${props.model.name},app.kubernetes.io/component in (${props.components.join(',')})`;
  return new MastodonJob(scope, 'db-migrate-downtime', {
    model: props.model,
    environment: props.environment,
    id: props.id,
    kind: 'db-migrate-downtime',
    args: ['bundle', 'exec', 'rails', migrateTask(props.model)],
    serviceAccountName: UpgradeAccess.serviceAccountName(props.model),
    // re-running this after a TTL would stop the instance again: it stays until the flow is removed
    ttl: false,
    initContainers: [
      kubectlContainer(props.model, 'scale-down', ['scale', 'deployment', '--namespace', ns, '--selector', instanceSelector, '--replicas=0']),
      kubectlContainer(props.model, 'wait-for-stop', ['wait', 'pod', '--namespace', ns, '--selector', podSelector, '--for=delete', '--timeout=600s']),
    ],
  });
}

/**
 * Downtime upgrade, post stage: Deployments managed by an HPA carry no replica count, and an HPA does
 * not scale up from zero, so they are brought back to their minimum here.
 */
export class ScaleUpJob extends Construct {
  constructor(scope: Construct, id: string, props: DowntimeUpgradeProps) {
    super(scope, id);
    const name = jobName(props.model, 'scale-up');
    const meta = metadata(props.id, name, 'scale-up', { annotations: FLUX_FORCE });
    const ns = props.model.namespace;
    const steps = props.autoscaled.map((d, i) =>
      kubectlContainer(props.model, `scale-${i}`, ['scale', 'deployment', d.name, '--namespace', ns, `--replicas=${d.replicas}`]),
    );
    new L1.KubeJob(this, 'Resource', {
      metadata: meta,
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 600,
        // no TTL: re-running would reset autoscaled Deployments to their minimum
        template: {
          metadata: { labels: meta.labels },
          spec: {
            restartPolicy: 'Never',
            serviceAccountName: UpgradeAccess.serviceAccountName(props.model),
            automountServiceAccountToken: true,
            securityContext: POD_SECURITY,
            ...typedPlacement(props.model.def.jobs, props.model.def.scheduling),
            initContainers: steps.length > 1 ? steps.slice(0, -1) : undefined,
            containers: steps.slice(-1),
          },
        },
      },
    });
  }
}
