/** prometheus-operator resources: PodMonitors for every process, and the alerts that take an instance down. */
import { Construct } from 'constructs';
import * as L1 from './objects';
import { PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrule-monitoring.coreos.com';
import { InstanceModel } from '../model/model';
import { InstanceIdentity, PORT_NAMES, metadata } from './common';

export class Monitoring extends Construct {
  constructor(scope: Construct, id: string, props: { readonly model: InstanceModel; readonly id: InstanceIdentity }) {
    super(scope, id);
    const m = props.model;
    const instanceSelector = { matchLabels: { 'app.kubernetes.io/name': 'mastodon', 'app.kubernetes.io/instance': m.name } };
    if (m.def.metrics.serviceMonitors) {
      new L1.PodMonitor(this, 'rails', {
        metadata: metadata(props.id, `${m.name}-rails`, 'monitoring'),
        spec: { selector: instanceSelector, podMetricsEndpoints: [{ port: PORT_NAMES.metrics, path: '/metrics', interval: '30s' }] },
      });
      new L1.PodMonitor(this, 'streaming', {
        metadata: metadata(props.id, `${m.name}-streaming`, 'monitoring'),
        spec: {
          selector: { matchLabels: { ...instanceSelector.matchLabels, 'app.kubernetes.io/component': 'streaming' } },
          podMetricsEndpoints: [{ port: PORT_NAMES.http, path: '/metrics', interval: '30s' }],
        },
      });
      // CloudNativePG's exporters (port "metrics" of its instance and PgBouncer pods)
      const pg = m.postgres;
      if (pg) {
        new L1.PodMonitor(this, 'postgres', {
          metadata: metadata(props.id, pg.clusterName, 'monitoring'),
          spec: { selector: { matchLabels: { 'cnpg.io/cluster': pg.clusterName, 'cnpg.io/podRole': 'instance' } }, podMetricsEndpoints: [{ port: 'metrics', interval: '30s' }] },
        });
        if (pg.poolerName) {
          new L1.PodMonitor(this, 'postgres-pooler', {
            metadata: metadata(props.id, pg.poolerName, 'monitoring'),
            spec: { selector: { matchLabels: { 'cnpg.io/poolerName': pg.poolerName } }, podMetricsEndpoints: [{ port: 'metrics', interval: '30s' }] },
          });
        }
      }
    }
    if (m.def.metrics.alerts) {
      const rules = mastodonAlerts(m, m.namespace).filter((a) => a.needs !== 'detailed' || m.detailedMetrics);
      new L1.PrometheusRule(this, 'alerts', {
        metadata: metadata(props.id, `${m.name}-alerts`, 'monitoring'),
        spec: {
          groups: [
            {
              name: `${m.name}.mastodon`,
              rules: rules.map((a) => ({
                alert: a.alert,
                expr: PrometheusRuleSpecGroupsRulesExpr.fromString(a.expr),
                for: a.for,
                labels: { severity: a.severity },
                annotations: { summary: a.summary },
              })),
            },
          ],
        },
      });
    }
  }
}

interface Alert {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly severity: 'warning' | 'critical';
  readonly summary: string;
  /**
   * detailed: prometheus_exporter metrics Mastodon reports only with MASTODON_PROMETHEUS_EXPORTER_*_DETAILED_METRICS;
   * kube-state-metrics: the cluster's
   */
  readonly needs: 'detailed' | 'kube-state-metrics';
}

/** The alerts that matter, each with the metric source it depends on (an alert on a metric nobody reports never fires). */
function mastodonAlerts(m: InstanceModel, namespace: string): Alert[] {
  const sel = `namespace="${namespace}"`;
  return [
    { alert: 'MastodonSidekiqBacklog', expr: `max by (queue) (sidekiq_queue_latency_seconds{${sel}}) > 300`, for: '10m', severity: 'warning', summary: 'Sidekiq queue {{ $labels.queue }} is more than 5 minutes behind', needs: 'detailed' },
    { alert: 'MastodonWebErrors', expr: `sum(rate(ruby_http_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(ruby_http_requests_total{${sel}}[5m])) > 0.05`, for: '10m', severity: 'critical', summary: 'More than 5% of web requests fail', needs: 'detailed' },
    { alert: 'MastodonStreamingDown', expr: `kube_deployment_status_replicas_available{${sel},deployment="${m.name}-streaming"} < 1`, for: '5m', severity: 'critical', summary: 'No streaming pod is available', needs: 'kube-state-metrics' },
    { alert: 'MastodonWebDown', expr: `kube_deployment_status_replicas_available{${sel},deployment="${m.name}-web"} < 1`, for: '2m', severity: 'critical', summary: 'No web pod is available', needs: 'kube-state-metrics' },
    { alert: 'MastodonPodRestarting', expr: `increase(kube_pod_container_status_restarts_total{${sel},pod=~"${m.name}-.*"}[15m]) > 2`, for: '0m', severity: 'warning', summary: 'Pod {{ $labels.pod }} restarted more than twice in 15 minutes', needs: 'kube-state-metrics' },
  ];
}
