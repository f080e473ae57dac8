import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, model, problems, synth } from '../helpers';

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

  it('turns on the detailed metrics the Sidekiq and web alerts are computed from', () => {
    expect(envOf(container(find(objects, 'Deployment', 'test-sidekiq-all'))).MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS).toBe('true');
    expect(envOf(container(find(objects, 'Deployment', 'test-web'))).MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS).toBe('true');
    const plain = synth(definition({ metrics: { prometheus: true } }));
    expect(envOf(container(find(plain, 'Deployment', 'test-sidekiq-all'))).MASTODON_PROMETHEUS_EXPORTER_SIDEKIQ_DETAILED_METRICS).toBeUndefined();
    const detailed = synth(definition({ metrics: { prometheus: true, detailed: true } }));
    expect(envOf(container(find(detailed, 'Deployment', 'test-web'))).MASTODON_PROMETHEUS_EXPORTER_WEB_DETAILED_METRICS).toBe('true');
  });

  it('emits only alerts whose metrics someone reports, and says which were left out', () => {
    for (const metrics of [{ alerts: true }, { prometheus: true, alerts: true, detailed: false }]) {
      const def = definition({ metrics });
      const rules = find(synth(def), 'PrometheusRule', 'test-alerts').spec.groups[0].rules;
      expect(rules.map((r: any) => r.alert)).toEqual(['MastodonStreamingDown', 'MastodonWebDown', 'MastodonPodRestarting']);
      expect(model(def).warnings.map((w) => w.message).join()).toMatch(/detailed Prometheus metrics/);
    }
  });

  it('is off by default', () => {
    expect(synth(definition()).some((o) => o.kind === 'PodMonitor' || o.kind === 'PrometheusRule')).toBe(false);
  });
});

describe('exporter port', () => {
  it('moves every exporter, its container port and the NetworkPolicy to metrics.exporterPort', () => {
    const objects = synth(definition({ metrics: { prometheus: true, exporterPort: 9400 } }));
    const web = find(objects, 'Deployment', 'test-web').spec.template.spec.containers;
    expect(web.find((c: any) => c.name === 'exporter').ports).toEqual([{ name: 'metrics', containerPort: 9400, protocol: 'TCP' }]);
    expect(envOf(web[0]).PROMETHEUS_EXPORTER_PORT).toBe('9400');
    expect(envOf(container(find(objects, 'Deployment', 'test-sidekiq-all'))).MASTODON_PROMETHEUS_EXPORTER_PORT).toBe('9400');
    expect(find(objects, 'NetworkPolicy', 'test-web').spec.ingress[1].ports[0].port).toBe(9400);
    expect(problems(definition({ metrics: { prometheus: true, exporterPort: 3000 } })).join()).toMatch(/other than web's 3000/);
  });
});
