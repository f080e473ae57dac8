import { describe, expect, it } from 'vitest';
import { definition, find, synth } from '../helpers';

describe('monitoring', () => {
  const objects = synth(definition({ metrics: { prometheus: true, serviceMonitors: true, alerts: true } }));

  it('scrapes the Rails exporters and streaming pod by pod', () => {
    expect(find(objects, 'PodMonitor', 'test-rails').spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    expect(find(objects, 'PodMonitor', 'test-streaming').spec.selector.matchLabels['app.kubernetes.io/component']).toBe('streaming');
  });

  it('alerts on what takes an instance down: Sidekiq backlog, web errors, streaming and web down, restarts', () => {
    const rules = find(objects, 'PrometheusRule', 'test-alerts').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual(['MastodonSidekiqBacklog', 'MastodonWebErrors', 'MastodonStreamingDown', 'MastodonWebDown', 'MastodonPodRestarting']);
    for (const r of rules) expect(r.expr).toContain('namespace="test"');
  });

  it('is off by default', () => {
    expect(synth(definition()).some((o) => o.kind === 'PodMonitor' || o.kind === 'PrometheusRule')).toBe(false);
  });
});
