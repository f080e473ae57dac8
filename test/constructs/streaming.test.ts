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
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    expect(c.lifecycle.preStop.exec.command[0]).toBe('sleep');
  });

  it('gets no Rails secrets, only the database and main Redis credentials', () => {
    const env = envOf(c);
    expect(env.SECRET_KEY_BASE).toBeUndefined();
    expect(env.DB_PASS).toEqual({ secretKeyRef: { name: 'db', key: 'password' } });
  });

  it('autoscales and has a disruption budget', () => {
    expect(find(objects, 'HorizontalPodAutoscaler', 'test-streaming').spec).toMatchObject({ minReplicas: 3, maxReplicas: 6 });
    expect(find(objects, 'PodDisruptionBudget', 'test-streaming')).toBeDefined();
  });
});
