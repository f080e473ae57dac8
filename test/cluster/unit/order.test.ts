// The order checks of the Flux upgrade test (../order.ts) on hand-made samples: they pass a correct
// upgrade and catch each wrong order, so a green cluster run means the order was really checked.
import { describe, expect, it } from 'vitest';
import { Sample, checkOrder } from '../order';

const T = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}Z`;
const job = (name: string, created: number, completed?: number) => ({
  metadata: { name, creationTimestamp: T(created) },
  status: completed === undefined ? {} : { succeeded: 1, completionTime: T(completed) },
});
const template = (version: string) => ({ spec: { containers: [{ image: `ghcr.io/mastodon/mastodon:v${version}` }] } });
const replicaSet = (name: string, version: string, created: number) => ({ metadata: { name, creationTimestamp: T(created) }, spec: { template: template(version) } });
const deployment = (name: string, version: string, rolledOutAt: number, ready = 2) => ({
  metadata: { name, generation: 2 },
  spec: { replicas: 2, template: template(version) },
  status: {
    observedGeneration: 2,
    updatedReplicas: ready,
    readyReplicas: ready,
    availableReplicas: ready,
    conditions: [{ type: 'Progressing', reason: 'NewReplicaSetAvailable', lastUpdateTime: T(rolledOutAt) }],
  },
});
const sample = (t: number, s: Partial<Sample>): Sample => ({ t: Date.parse(T(t)), jobs: [], replicaSets: [], deployments: [], ...s });

const PRE = 'i-db-migrate-pre-4-6-6';
const POST = 'i-db-migrate-post-4-6-6';
const good: Sample[] = [
  sample(1, { jobs: [job(PRE, 1)], deployments: [deployment('i-web', '4.5.6', 0)] }),
  sample(3, { jobs: [job(PRE, 1, 2)], deployments: [deployment('i-web', '4.5.6', 0)] }),
  sample(5, { jobs: [job(PRE, 1, 2)], replicaSets: [replicaSet('i-web-new', '4.6.6', 4)], deployments: [deployment('i-web', '4.6.6', 5, 1)] }),
  sample(8, { jobs: [job(PRE, 1, 2), job(POST, 7, 8)], replicaSets: [replicaSet('i-web-new', '4.6.6', 4)], deployments: [deployment('i-web', '4.6.6', 6)] }),
];

describe('checkOrder', () => {
  it('passes an upgrade in the promised order and lists its timeline', () => {
    const { violations, timeline } = checkOrder(good, '4.6.6', PRE, POST);
    expect(violations).toEqual([]);
    expect(timeline.map((l) => l.replace(/^.*Z {2}/, ''))).toEqual([
      `${PRE} created`,
      `${PRE} complete`,
      'ReplicaSet i-web-new created',
      'Deployment i-web rolled out (NewReplicaSetAvailable)',
      `${POST} created`,
      `${POST} complete`,
    ]);
  });

  it('catches a new ReplicaSet seen before the migration Job completed', () => {
    const early = [sample(1, { jobs: [job(PRE, 1)], replicaSets: [replicaSet('i-web-new', '4.6.6', 1)], deployments: [deployment('i-web', '4.5.6', 0)] }), ...good.slice(1)];
    expect(checkOrder(early, '4.6.6', PRE, POST).violations).toEqual([expect.stringMatching(/i-web-new exist before i-db-migrate-pre-4-6-6 completed/)]);
  });

  it('catches, on the server timestamps alone, a new ReplicaSet created before the migration Job completed', () => {
    const last = sample(9, { jobs: [job(PRE, 1, 3), job(POST, 7, 8)], replicaSets: [replicaSet('i-web-new', '4.6.6', 2)], deployments: [deployment('i-web', '4.6.6', 6)] });
    expect(checkOrder([last], '4.6.6', PRE, POST).violations).toEqual([expect.stringMatching(/completed at .*:03Z, first new ReplicaSet at .*:02Z/)]);
  });

  it('catches a post-deployment Job that exists while a Deployment is still rolling out', () => {
    const early = [...good.slice(0, 2), sample(5, { jobs: [job(PRE, 1, 2), job(POST, 5)], replicaSets: [replicaSet('i-web-new', '4.6.6', 4)], deployments: [deployment('i-web', '4.6.6', 6, 1)] }), ...good.slice(3)];
    expect(checkOrder(early, '4.6.6', PRE, POST).violations).toEqual([expect.stringMatching(/i-db-migrate-post-4-6-6 exists while i-web not rolled out/)]);
  });

  it('catches, on the server timestamps alone, a post-deployment Job created before the last rollout', () => {
    const last = sample(9, { jobs: [job(PRE, 1, 2), job(POST, 5, 8)], replicaSets: [replicaSet('i-web-new', '4.6.6', 4)], deployments: [deployment('i-web', '4.6.6', 6)] });
    expect(checkOrder([last], '4.6.6', PRE, POST).violations).toEqual([expect.stringMatching(/created at .*:05Z, last rollout at .*:06Z/)]);
  });
});
