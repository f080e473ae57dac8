import { describe, expect, it } from 'vitest';
import { ReadyTracker } from '../ready';

let uid = 0;
const pod = (component: string, node: string | undefined, ready: boolean, extra: { deleting?: boolean } = {}) => ({
  metadata: { uid: `u${++uid}`, labels: { 'app.kubernetes.io/component': component }, deletionTimestamp: extra.deleting ? '2026-01-01T00:00:00Z' : undefined },
  spec: { nodeName: node },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('ready pods per component, from a watch', () => {
  it('counts only Ready pods that are not being deleted, on nodes still alive', () => {
    const pods = [pod('web', 'a', true), pod('web', 'b', true), pod('web', 'b', false), pod('web', 'c', true, { deleting: true }), pod('web', undefined, true), pod('other', 'a', true)];
    const t = new ReadyTracker({ web: 2, streaming: 1 }, pods);
    expect(t.ready()).toEqual({ web: 2, streaming: 0 });
    expect(t.short()).toEqual(['streaming 0/1']);
    // the API server still says Ready: a lost node's pods count for nothing all the same
    t.lose(['a']);
    expect(t.ready()).toEqual({ web: 1, streaming: 0 });
    expect(t.worst).toEqual({ web: 1, streaming: 0 });
  });

  it('follows every event, and times each component back at its minimum for good', () => {
    let now = 1000;
    const [w1, w2] = [pod('web', 'a', true), pod('web', 'b', true)];
    const s1 = pod('sidekiq-scheduler', 'a', true);
    const t = new ReadyTracker({ web: 2, 'sidekiq-scheduler': 1 }, [w1, w2, s1], () => now);
    t.lose(['a']);
    now = 31_000;
    const w3 = pod('web', 'c', false);
    t.apply({ type: 'ADDED', object: w3 });
    t.apply({ type: 'MODIFIED', object: { ...w3, status: { conditions: [{ type: 'Ready', status: 'True' }] } } });
    now = 41_000;
    const s2 = pod('sidekiq-scheduler', 'c', true);
    t.apply({ type: 'ADDED', object: s2 });
    // a dip after the first recovery moves its time to the last recovery
    now = 50_000;
    t.apply({ type: 'MODIFIED', object: { ...s2, status: { conditions: [{ type: 'Ready', status: 'False' }] } } });
    now = 61_000;
    t.apply({ type: 'MODIFIED', object: s2 });
    t.apply({ type: 'DELETED', object: w1 });
    expect(t.short()).toEqual([]);
    expect(t.fullStrengthAfter(1000)).toEqual({ web: 30, 'sidekiq-scheduler': 60 });
    expect(t.worst).toEqual({ web: 1, 'sidekiq-scheduler': 0 });
    expect(t.events).toBe(6);
  });

  it('refuses a time to full strength for a component still below its minimum, and reports a broken watch', () => {
    const t = new ReadyTracker({ web: 1 }, []);
    expect(() => t.fullStrengthAfter(0)).toThrow(/web is below its minimum/);
    t.fail(new Error('watch ended'));
    expect(() => t.assertWatching()).toThrow(/watch ended/);
  });
});
