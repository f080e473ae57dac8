import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, synth } from '../helpers';

const layout = {
  database: { maxConnections: 400 },
  sidekiq: {
    shutdownTimeoutSeconds: 30,
    groups: [
      { name: 'scheduler', queues: ['scheduler'], concurrency: 5 },
      { name: 'federation', queues: ['push,6', 'ingress,4'], concurrency: 20, replicas: 2, maxReplicas: 6 },
      { name: 'rest', queues: ['default,8', 'mailers,2', 'pull', 'fasp'], concurrency: 12, replicas: 2 },
    ],
  },
};

describe('Sidekiq queue groups', () => {
  const objects = synth(definition(layout));

  it('emits one Deployment per group with its queues in order, weights kept', () => {
    const c = container(find(objects, 'Deployment', 'test-sidekiq-federation'));
    expect(c.args).toEqual(['bundle', 'exec', 'sidekiq', '-c', '20', '-t', '30', '-q', 'push,6', '-q', 'ingress,4']);
  });

  it('matches DB_POOL to the concurrency', () => {
    expect(envOf(container(find(objects, 'Deployment', 'test-sidekiq-rest'))).DB_POOL).toBe('12');
  });

  it('runs the scheduler group alone: one replica, Recreate, no HPA, no PDB', () => {
    const dep = find(objects, 'Deployment', 'test-sidekiq-scheduler');
    expect(dep.spec.replicas).toBe(1);
    expect(dep.spec.strategy).toEqual({ type: 'Recreate' });
    expect(objects.some((o) => o.metadata?.name === 'test-sidekiq-scheduler' && !['Deployment', 'NetworkPolicy'].includes(o.kind))).toBe(false);
  });

  it('rolls other groups without losing jobs: grace period longer than the shutdown timeout', () => {
    const dep = find(objects, 'Deployment', 'test-sidekiq-rest');
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    // Sidekiq stops fetching on SIGTERM and pushes unfinished jobs back after -t seconds: the kubelet must not kill it first
    expect(container(dep).args.slice(container(dep).args.indexOf('-t'), container(dep).args.indexOf('-t') + 2)).toEqual(['-t', '30']);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(30);
    // a drain evicts one pod of the group at a time: the budget selects exactly this group's pods
    const pdb = find(objects, 'PodDisruptionBudget', 'test-sidekiq-rest').spec;
    expect(pdb.selector).toEqual(dep.spec.selector);
    expect(dep.spec.template.metadata.labels).toMatchObject(pdb.selector.matchLabels);
    expect(objects.filter((o: any) => o.kind === 'Deployment' && o.metadata.name !== 'test-sidekiq-rest' && Object.entries(pdb.selector.matchLabels).every(([k, v]) => o.spec.template.metadata.labels[k] === v))).toEqual([]);
    expect(pdb.maxUnavailable ?? dep.spec.replicas - pdb.minAvailable).toBeLessThan(dep.spec.replicas);
    expect(find(objects, 'HorizontalPodAutoscaler', 'test-sidekiq-federation').spec).toMatchObject({ minReplicas: 2, maxReplicas: 6 });
  });

  it('can scale a group on its queue length with KEDA instead of CPU', () => {
    const objs = synth(definition(layout, { sidekiq: { groups: [layout.sidekiq.groups[0], { ...layout.sidekiq.groups[1], queueLengthPerReplica: 300 }, layout.sidekiq.groups[2]] }, redis: { main: { external: { host: 'r', passwordSecret: { name: 'redis', key: 'pw' } } } } }));
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata?.name === 'test-sidekiq-federation')).toBe(false);
    const so = find(objs, 'ScaledObject', 'test-sidekiq-federation');
    expect(so.spec).toMatchObject({ scaleTargetRef: { name: 'test-sidekiq-federation' }, minReplicaCount: 2, maxReplicaCount: 6 });
    expect(so.spec.triggers).toEqual([
      { type: 'redis', name: 'queue-push', metadata: { address: 'r:6379', listName: 'queue:push', listLength: '300' }, authenticationRef: { name: 'test-sidekiq-federation-redis', kind: 'TriggerAuthentication' } },
      { type: 'redis', name: 'queue-ingress', metadata: { address: 'r:6379', listName: 'queue:ingress', listLength: '300' }, authenticationRef: { name: 'test-sidekiq-federation-redis', kind: 'TriggerAuthentication' } },
    ]);
    expect(find(objs, 'TriggerAuthentication', 'test-sidekiq-federation-redis').spec.secretTargetRef).toEqual([{ parameter: 'password', name: 'redis', key: 'pw' }]);
    expect(find(objs, 'Deployment', 'test-sidekiq-federation').spec.replicas).toBeUndefined();
  });

  it('gives KEDA the Redis ACL user Sidekiq connects as (REDIS_USER), and no username without one', () => {
    const groups = { sidekiq: { groups: [layout.sidekiq.groups[0], { ...layout.sidekiq.groups[1], queueLengthPerReplica: 300 }, layout.sidekiq.groups[2]] } };
    const withUser = synth(definition(layout, groups, { redis: { main: { external: { host: 'r', user: 'mastodon', passwordSecret: { name: 'redis', key: 'pw' } } } } }));
    expect(envOf(container(find(withUser, 'Deployment', 'test-sidekiq-federation'))).REDIS_USER).toBe('mastodon');
    for (const t of find(withUser, 'ScaledObject', 'test-sidekiq-federation').spec.triggers) expect(t.metadata.username).toBe('mastodon');
    const without = synth(definition(layout, groups, { redis: { main: { external: { host: 'r', passwordSecret: { name: 'redis', key: 'pw' } } } } }));
    for (const t of find(without, 'ScaledObject', 'test-sidekiq-federation').spec.triggers) expect(t.metadata).not.toHaveProperty('username');
  });

  it('scales through Sentinel when Sidekiq uses the redis-operator backend', () => {
    const objs = synth(definition(layout, { sidekiq: { groups: [layout.sidekiq.groups[0], { ...layout.sidekiq.groups[1], queueLengthPerReplica: 300 }, layout.sidekiq.groups[2]] }, redis: { main: { external: undefined, redisOperator: {} } } }));
    expect(find(objs, 'ScaledObject', 'test-sidekiq-federation').spec.triggers[0]).toMatchObject({
      type: 'redis-sentinel',
      metadata: { addresses: 'test-redis-main-sentinel.test.svc:26379', sentinelMaster: 'mymaster', listName: 'queue:push' },
    });
  });

  it('is ready when the official image touches its ready file', () => {
    // Mastodon's Dockerfile: WORKDIR /opt/mastodon, ENV MASTODON_SIDEKIQ_READY_FILENAME=sidekiq_process_has_started_and_will_begin_processing_jobs;
    // config/initializers/sidekiq.rb (4.3+): on startup FileUtils.touch(Rails.root.join('tmp', ready_filename))
    const touched = '/opt/mastodon/tmp/sidekiq_process_has_started_and_will_begin_processing_jobs';
    for (const dep of objects.filter((o: any) => o.kind === 'Deployment' && o.metadata.name.startsWith('test-sidekiq-')) as any[]) {
      const c = container(dep);
      expect(c.readinessProbe.exec.command, dep.metadata.name).toEqual(['cat', touched]);
      // the file is on the tmp/ volume (read-only root), and the image's variable is not overridden
      expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/opt/mastodon/tmp' });
      expect(envOf(c).MASTODON_SIDEKIQ_READY_FILENAME).toBeUndefined();
    }
  });

  it('has a liveness check that matches every Sidekiq major and nothing else', () => {
    // run the check the Deployment carries against fake /proc entries with the process titles of Sidekiq 6, 7 and 8
    const [shell, flag, command] = container(find(objects, 'Deployment', 'test-sidekiq-rest')).livenessProbe.exec.command;
    expect([shell, flag]).toEqual(['sh', '-c']);
    expect(command).toContain('/proc/');
    const check = (title: string) => {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'proc-'));
      fs.mkdirSync(path.join(root, '7'));
      fs.writeFileSync(path.join(root, '7', 'cmdline'), `${title}\0`);
      const script = command.replace('/proc/', `${root}/`);
      try {
        execFileSync('sh', ['-c', script]);
        return true;
      } catch {
        return false;
      } finally {
        fs.rmSync(root, { recursive: true });
      }
    };
    expect(check('sidekiq 6.5.12 mastodon [0 of 25 busy]')).toBe(true);
    expect(check('sidekiq 7.3.9 mastodon [3 of 25 busy]')).toBe(true);
    expect(check('sidekiq 8.0.4 mastodon [25 of 25 busy] stopping')).toBe(true);
    expect(check('bundle exec sidekiq -c 25')).toBe(false);
    expect(check('puma 6.4.2 (tcp://0.0.0.0:3000)')).toBe(false);
  });
});
