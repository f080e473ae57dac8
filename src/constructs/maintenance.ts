/**
 * Periodic clean-up with tootctl, one CronJob per task the definition enables. Runs never overlap
 * (Forbid), a missed run is skipped rather than caught up late, and schedules are in UTC whatever the
 * cluster's zone. The pod is the one-off task pod of migrations.ts, so it is placed, sized and
 * hardened like every Job.
 */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { InstanceModel, MAINTENANCE_TASKS, MaintenanceTask } from '../model/model';
import { InstanceIdentity, metadata } from './common';
import { MastodonEnvironment } from './environment';
import { addToJobPod, mastodonJobPod } from './migrations';

export interface MaintenanceProps {
  readonly model: InstanceModel;
  readonly environment: MastodonEnvironment;
  readonly id: InstanceIdentity;
  /** local media, which the tasks delete files from @default - media on object storage */
  readonly mediaClaim?: string;
}

export class Maintenance extends Construct {
  constructor(scope: Construct, id: string, props: MaintenanceProps) {
    super(scope, id);
    const tasks = props.model.def.maintenance;
    for (const task of Object.keys(MAINTENANCE_TASKS) as MaintenanceTask[]) {
      const settings = tasks[task];
      if (!settings.enabled) continue;
      const spec = MAINTENANCE_TASKS[task];
      const name = `${props.model.name}-${spec.suffix}`;
      const meta = metadata(props.id, name, 'maintenance');
      const template = mastodonJobPod({
        model: props.model,
        environment: props.environment,
        labels: meta.labels,
        containerName: spec.suffix,
        args: ['bin/tootctl', ...spec.args('days' in settings ? (settings.days as number) : undefined)],
        // every task deletes files (attachments of what it removes), on local media too
        mediaClaim: props.mediaClaim,
      });
      const cronJob = new L1.KubeCronJob(this, task, {
        metadata: meta,
        spec: {
          schedule: settings.schedule,
          timeZone: 'Etc/UTC',
          concurrencyPolicy: 'Forbid',
          startingDeadlineSeconds: 3600,
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 3,
          jobTemplate: {
            metadata: { labels: meta.labels },
            spec: {
              backoffLimit: 1,
              activeDeadlineSeconds: settings.deadlineSeconds,
              template,
            },
          },
        },
      });
      addToJobPod(cronJob, '/spec/jobTemplate/spec/template/spec', props.model, template);
    }
  }
}
