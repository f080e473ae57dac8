import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, synth } from '../helpers';

describe('Streaming', () => {
  const objects = synth(definition({ streaming: { replicas: 3, maxReplicas: 6, dbPool: 7 } }));
  const dep = find(objects, 'Deployment', 'test-streaming');
  const c = container(dep);

  it('runs the streaming image of the same version with its own DB pool on port 4000', () => {
    expect(c.image).toBe('ghcr.io/mastodon/mastodon-streaming:v4.5.6');
    expect(c.args).toBeUndefined();
    expect(envOf(c)).toMatchObject({ DB_POOL: '7', PORT: '4000' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 4000, protocol: 'TCP' }]);
  });

  it('probes the streaming health endpoint', () => {
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) expect(probe.httpGet.path).toBe('/api/v1/streaming/health');
  });

  it('gives WebSocket clients time to be closed gracefully', () => {
    // keeps serving while its endpoints are withdrawn, then has the rest of the grace period to close connections
    const [sleep, seconds, ...rest] = c.lifecycle.preStop.exec.command;
    expect({ sleep, rest }).toEqual({ sleep: 'sleep', rest: [] });
    expect(Number(seconds)).toBeGreaterThanOrEqual(5);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds - Number(seconds)).toBeGreaterThanOrEqual(30);
    // a rollout never takes a streaming pod away before its replacement is ready
    expect(dep.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
  });

  it('gets no Rails secrets, only the database and main Redis credentials', () => {
    const env = envOf(c);
    expect(env.SECRET_KEY_BASE).toBeUndefined();
    expect(env.DB_PASS).toEqual({ secretKeyRef: { name: 'db', key: 'password' } });
  });

  it('autoscales and has a disruption budget', () => {
    expect(find(objects, 'HorizontalPodAutoscaler', 'test-streaming').spec).toMatchObject({ minReplicas: 3, maxReplicas: 6, scaleTargetRef: { kind: 'Deployment', name: 'test-streaming' } });
    expect(dep.spec.replicas).toBeUndefined();
    // the budget covers exactly the streaming pods and lets a drain take fewer than all of them
    const pdb = find(objects, 'PodDisruptionBudget', 'test-streaming').spec;
    expect(pdb.selector).toEqual(dep.spec.selector);
    expect(dep.spec.template.metadata.labels).toMatchObject(pdb.selector.matchLabels);
    expect(pdb.maxUnavailable ?? 3 - pdb.minAvailable).toBeLessThan(3);
    expect(pdb.maxUnavailable ?? 3 - pdb.minAvailable).toBeGreaterThan(0);
  });
});
