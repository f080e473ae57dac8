/** prometheus-operator resources: PodMonitors for every process, and the alerts that take an instance down. */
import { Construct } from 'constructs';
import { PodMonitor } from '../../imports/podmonitor-monitoring.coreos.com';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { InstanceModel } from '../model/model';
import { InstanceIdentity, metadata } from './common';

export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const m = props.model;
    const instanceSelector = { matchLabels: { 'app.kubernetes.io/name': 'mastodon', 'app.kubernetes.io/instance': m.name } };
    if (m.def.metrics.serviceMonitors) {
      new PodMonitor(this, 'rails', {
        metadata: metadata(props.id, `${m.name}-rails`, 'monitoring'),
        spec: { selector: instanceSelector, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }] },
      });
      new PodMonitor(this, 'streaming', {
        metadata: metadata(props.id, `${m.name}-streaming`, 'monitoring'),
        spec: {
          selector: { matchLabels: { ...instanceSelector.matchLabels, 'app.kubernetes.io/component': 'streaming' } },
          podMetricsEndpoints: [{ port: 'http', path: '/metrics', interval: '30s' }],
        },
      });
    }
    if (m.def.metrics.alerts) {
      const ns = props.id.namespace;
      const sel = `namespace="${ns}"`;
      const rule = (alert: string, expr: string, forDuration: string, severity: string, summary: string) => ({
        alert,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(expr),
        for: forDuration,
        labels: { severity },
        annotations: { summary },
      });
      new PrometheusRule(this, 'alerts', {
        metadata: metadata(props.id, `${m.name}-alerts`, 'monitoring'),
        spec: {
          groups: [
            {
              name: `${m.name}.mastodon`,
              rules: [
                rule('MastodonSidekiqBacklog', `max by (queue) (ruby_sidekiq_queue_latency_seconds{${sel}}) > 300`, '10m', 'warning', 'Sidekiq queue {{ $labels.queue }} is more than 5 minutes behind'),
                rule('MastodonWebErrors', `sum(rate(ruby_http_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(ruby_http_requests_total{${sel}}[5m])) > 0.05`, '10m', 'critical', 'More than 5% of web requests fail'),
                rule('MastodonStreamingDown', `kube_deployment_status_replicas_available{${sel},deployment="${m.name}-streaming"} < 1`, '5m', 'critical', 'No streaming pod is available'),
                rule('MastodonWebDown', `kube_deployment_status_replicas_available{${sel},deployment="${m.name}-web"} < 1`, '2m', 'critical', 'No web pod is available'),
                rule('MastodonPodRestarting', `increase(kube_pod_container_status_restarts_total{${sel},pod=~"${m.name}-.*"}[15m]) > 2`, '0m', 'warning', 'Pod {{ $labels.pod }} restarted more than twice in 15 minutes'),
              ],
            },
          ],
        },
      });
    }
  }
}
