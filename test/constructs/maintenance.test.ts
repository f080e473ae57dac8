import { describe, expect, it } from 'vitest';
import { container, definition, find, problems, synth } from '../helpers';

describe('maintenance CronJobs', () => {
  it('removes cached remote media daily by default, and nothing else', () => {
    const cronJobs = synth(definition()).filter((o) => o.kind === 'CronJob');
    expect(cronJobs.map((c) => c.metadata?.name)).toEqual(['test-media-remove']);
    const cj = cronJobs[0] as any;
    expect(cj.spec).toMatchObject({ schedule: '30 3 * * *', timeZone: 'Etc/UTC', concurrencyPolicy: 'Forbid', startingDeadlineSeconds: 3600 });
    expect(cj.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 7200 });
    expect(container(cj.spec.jobTemplate).args).toEqual(['bin/tootctl', 'media', 'remove', '--days=7']);
  });

  it('runs each enabled task with its schedule, retention and deadline, on the direct database connection', () => {
    const objects = synth(
      definition({
        database: { pooler: { host: 'pgbouncer', maxClientConnections: 500 } },
        maintenance: {
          mediaRemove: { enabled: false },
          profileMediaRemove: { enabled: true, days: 60 },
          previewCardsRemove: { enabled: true, days: 30, schedule: '@weekly' },
          statusesRemove: { enabled: true },
          accountsPrune: { enabled: true },
          mediaRemoveOrphans: { enabled: true, deadlineSeconds: 86400 },
        },
      }),
    );
    const args = (name: string) => container(find(objects, 'CronJob', name).spec.jobTemplate).args.slice(1);
    expect(objects.filter((o) => o.kind === 'CronJob').map((o) => o.metadata?.name).sort()).toEqual(
      ['test-accounts-prune', 'test-cards-remove', 'test-media-orphans', 'test-profiles-prune', 'test-statuses-remove'],
    );
    expect(args('test-profiles-prune')).toEqual(['media', 'remove', '--prune-profiles', '--days=60']);
    expect(args('test-cards-remove')).toEqual(['preview_cards', 'remove', '--days=30']);
    expect(args('test-statuses-remove')).toEqual(['statuses', 'remove', '--days=90']);
    expect(args('test-accounts-prune')).toEqual(['accounts', 'prune']);
    expect(args('test-media-orphans')).toEqual(['media', 'remove-orphans']);
    expect(find(objects, 'CronJob', 'test-cards-remove').spec.schedule).toBe('@weekly');
    expect(find(objects, 'CronJob', 'test-media-orphans').spec.jobTemplate.spec.activeDeadlineSeconds).toBe(86400);
    // statuses remove builds indices CONCURRENTLY: never through a transaction-mode pooler
    const env = Object.fromEntries(container(find(objects, 'CronJob', 'test-statuses-remove').spec.jobTemplate).env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({ DB_HOST: 'db.internal', PREPARED_STATEMENTS: 'true' });
  });

  it('mounts local media, next to the processes on a ReadWriteOnce volume', () => {
    const volume = { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } };
    const pod = find(synth(definition({ storage: volume })), 'CronJob', 'test-media-remove').spec.jobTemplate.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'media', persistentVolumeClaim: { claimName: 'test-media' } });
    expect(pod.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchLabels).toEqual({ 'mastodon.cdk8s/media-volume': 'test-media' });
  });

  it('refuses a schedule that is not cron and a name Kubernetes would reject', () => {
    expect(problems(definition({ maintenance: { mediaRemove: { schedule: 'daily' } } })).join()).toMatch(/maintenance\.mediaRemove\.schedule/);
    const long = 'a'.repeat(39);
    expect(problems(definition({ name: long, maintenance: { statusesRemove: { enabled: true } } }))).toEqual([
      expect.stringMatching(new RegExp(`CronJob name ${long}-statuses-remove is 55 characters`)),
    ]);
  });
});

describe('Job placement', () => {
  it('places and sizes every Job and CronJob pod as the definition says, so tainted clusters still run migrations', () => {
    const jobs = { resources: { cpu: '1', memory: '2Gi', memoryLimit: '3Gi' }, nodeSelector: { pool: 'batch' }, tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }], priorityClassName: 'batch-low' };
    const objects = synth(definition({ jobs, version: '4.6.6', upgrade: { from: '4.5.6', strategy: 'downtime' }, web: { maxReplicas: 4 } }));
    const pods = [
      ...objects.filter((o) => o.kind === 'Job').map((j: any) => j.spec.template.spec),
      ...objects.filter((o) => o.kind === 'CronJob').map((c: any) => c.spec.jobTemplate.spec.template.spec),
    ];
    expect(pods.length).toBeGreaterThanOrEqual(4);
    // the definition's tolerations first, then the generated node-loss ones (test/constructs/workload.test.ts)
    for (const pod of pods) expect(pod).toMatchObject({ nodeSelector: { pool: 'batch' }, tolerations: [...jobs.tolerations, expect.objectContaining({ key: 'node.kubernetes.io/not-ready' }), expect.objectContaining({ key: 'node.kubernetes.io/unreachable' })], priorityClassName: 'batch-low' });
    const migrate = container(find(objects, "Job", "test-db-migrate-downtime-4-6-6"));
    expect(migrate.resources).toEqual({ requests: { cpu: '1', memory: '2Gi', 'ephemeral-storage': '256Mi' }, limits: { memory: '3Gi', 'ephemeral-storage': '2Gi' } });
  });
});
