/**
 * The generated alert rules evaluated by Prometheus's own rule engine: `promtool check rules` on every
 * PrometheusRule (dist/ and an in-process synthesis), and `promtool test rules` with synthetic series named
 * as Mastodon's exporters and kube-state-metrics name them: each alert fires when it should and stays silent
 * when it should. Needs promtool (bash test/promtool/build.sh); skips with one line otherwise.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import releases from '../fixtures/mastodon-releases.json';
import { definition, synth } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
const PROMTOOL = path.join(ROOT, '.cluster/bin/promtool');
const missing = fs.existsSync(PROMTOOL) ? undefined : `${path.relative(ROOT, PROMTOOL)} is not built (bash test/promtool/build.sh)`;
if (missing) console.log(`promtool alert tests skipped: ${missing}`);

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}
interface RuleObject {
  readonly source: string;
  readonly namespace: string;
  /** the Mastodon instance (app.kubernetes.io/instance) */
  readonly instance: string;
  readonly spec: { groups: { name: string; rules: Rule[] }[] };
}

/** every PrometheusRule in dist/ */
function distRules(): RuleObject[] {
  const out: RuleObject[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.yaml')) {
        for (const doc of parseAllDocuments(fs.readFileSync(p, 'utf8'))) {
          const o = doc.toJS();
          if (o?.kind === 'PrometheusRule') out.push({ source: path.relative(ROOT, p), namespace: o.metadata.namespace, instance: o.metadata.labels['app.kubernetes.io/instance'], spec: o.spec });
        }
      }
    }
  };
  // a copy without the reference instances has no dist/: the in-process synthesis still covers every alert
  if (fs.existsSync(path.join(ROOT, 'dist'))) walk(path.join(ROOT, 'dist'));
  return out;
}

/** an instance named and namespaced unlike the bundled ones, with every alert */
function synthesizedRules(): RuleObject[] {
  const def = definition({ name: 'viral', namespace: 'fedi', metrics: { prometheus: true, serviceMonitors: true, alerts: true } });
  return synth(def)
    .filter((o) => o.kind === 'PrometheusRule')
    .map((o: any) => ({ source: `synthesized ${o.metadata.name}`, namespace: o.metadata.namespace, instance: o.metadata.labels['app.kubernetes.io/instance'], spec: o.spec }));
}

interface Series {
  readonly series: string;
  readonly values: string;
}
interface Case {
  readonly what: string;
  readonly series: Series[];
  readonly evalTime: string;
  /** labels of each firing alert besides the rule's own (none: the alert stays silent) */
  readonly fires: { labels: Record<string, string>; summary?: string }[];
}

/** metric names as they come out of the exporters (the release facts hold Mastodon's; kube-state-metrics' are its own) */
const SIDEKIQ_LATENCY = 'sidekiq_queue_latency_seconds';
const HTTP_REQUESTS = 'ruby_http_requests_total';
const REPLICAS_AVAILABLE = 'kube_deployment_status_replicas_available';
const RESTARTS = 'kube_pod_container_status_restarts_total';

const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(', ')}}`;

/** Per alert: when it must fire and when it must not, for an instance `name` in namespace `ns`. */
const CASES: Record<string, (ns: string, name: string) => Case[]> = {
  MastodonSidekiqBacklog: (ns, name) => {
    const pod = { namespace: ns, pod: `${name}-sidekiq-all-7d4b9-x2x1z`, container: 'sidekiq' };
    return [
      {
        what: 'a queue 400 s behind for 15 minutes',
        series: [
          { series: `${SIDEKIQ_LATENCY}${sel({ ...pod, queue: 'push' })}`, values: '400x20' },
          { series: `${SIDEKIQ_LATENCY}${sel({ ...pod, queue: 'default' })}`, values: '3x20' },
        ],
        evalTime: '15m',
        fires: [{ labels: { queue: 'push' }, summary: 'Sidekiq queue push is more than 5 minutes behind' }],
      },
      { what: 'a queue 400 s behind for only 5 minutes (for: 10m)', series: [{ series: `${SIDEKIQ_LATENCY}${sel({ ...pod, queue: 'push' })}`, values: '400x20' }], evalTime: '5m', fires: [] },
      { what: 'a queue 200 s behind', series: [{ series: `${SIDEKIQ_LATENCY}${sel({ ...pod, queue: 'push' })}`, values: '200x20' }], evalTime: '15m', fires: [] },
      {
        what: 'another namespace backed up',
        series: [{ series: `${SIDEKIQ_LATENCY}${sel({ ...pod, namespace: `${ns}-other`, queue: 'push' })}`, values: '900x20' }],
        evalTime: '15m',
        fires: [],
      },
    ];
  },
  MastodonWebErrors: (ns, name) => {
    const web = { namespace: ns, pod: `${name}-web-5f6c7-abcde`, controller: 'api/v1/timelines/home', action: 'show' };
    const traffic = (errorsPerMinute: number): Series[] => [
      { series: `${HTTP_REQUESTS}${sel({ ...web, status: '200' })}`, values: '0+600x30' },
      { series: `${HTTP_REQUESTS}${sel({ ...web, status: '502' })}`, values: `0+${errorsPerMinute}x30` },
    ];
    return [
      { what: '10% of requests failing for 20 minutes', series: traffic(66), evalTime: '20m', fires: [{ labels: {}, summary: 'More than 5% of web requests fail' }] },
      { what: '10% failing for only 8 minutes (for: 10m)', series: traffic(66), evalTime: '8m', fires: [] },
      { what: '2% of requests failing', series: traffic(12), evalTime: '20m', fires: [] },
    ];
  },
  MastodonStreamingDown: (ns, name) => {
    const d = { namespace: ns, deployment: `${name}-streaming` };
    return [
      { what: 'no streaming replica for 10 minutes', series: [{ series: `${REPLICAS_AVAILABLE}${sel(d)}`, values: '0x10' }], evalTime: '10m', fires: [{ labels: d, summary: 'No streaming pod is available' }] },
      { what: 'no streaming replica for 3 minutes (for: 5m)', series: [{ series: `${REPLICAS_AVAILABLE}${sel(d)}`, values: '2 2 2 2 2 2 2 0 0 0 0' }], evalTime: '10m', fires: [] },
      { what: 'one streaming replica left', series: [{ series: `${REPLICAS_AVAILABLE}${sel(d)}`, values: '1x10' }], evalTime: '10m', fires: [] },
      { what: 'web down (another Deployment)', series: [{ series: `${REPLICAS_AVAILABLE}${sel({ ...d, deployment: `${name}-web` })}`, values: '0x10' }], evalTime: '10m', fires: [] },
    ];
  },
  MastodonWebDown: (ns, name) => {
    const d = { namespace: ns, deployment: `${name}-web` };
    return [
      { what: 'no web replica for 3 minutes', series: [{ series: `${REPLICAS_AVAILABLE}${sel(d)}`, values: '0x10' }], evalTime: '3m', fires: [{ labels: d, summary: 'No web pod is available' }] },
      { what: 'no web replica for 1 minute (for: 2m)', series: [{ series: `${REPLICAS_AVAILABLE}${sel(d)}`, values: '3 3 3 3 3 3 3 3 3 0 0' }], evalTime: '10m', fires: [] },
      { what: 'one web replica left', series: [{ series: `${REPLICAS_AVAILABLE}${sel(d)}`, values: '1x10' }], evalTime: '10m', fires: [] },
      { what: 'the same Deployment name in another namespace', series: [{ series: `${REPLICAS_AVAILABLE}${sel({ ...d, namespace: `${ns}-other` })}`, values: '0x10' }], evalTime: '10m', fires: [] },
    ];
  },
  MastodonPodRestarting: (ns, name) => {
    const c = { namespace: ns, pod: `${name}-sidekiq-all-7d4b9-x2x1z`, container: 'sidekiq' };
    return [
      { what: 'three restarts within 15 minutes', series: [{ series: `${RESTARTS}${sel(c)}`, values: '0 0 0 1 2 3 3 3 3 3' }], evalTime: '8m', fires: [{ labels: c, summary: `Pod ${c.pod} restarted more than twice in 15 minutes` }] },
      { what: 'one restart', series: [{ series: `${RESTARTS}${sel(c)}`, values: '0 0 0 1 1 1 1 1 1 1' }], evalTime: '8m', fires: [] },
      { what: 'three restarts spread over 40 minutes', series: [{ series: `${RESTARTS}${sel(c)}`, values: '0x10 1x15 2x15 3x5' }], evalTime: '42m', fires: [] },
      { what: "another instance's pod restarting", series: [{ series: `${RESTARTS}${sel({ ...c, pod: `other${name}-web-5f6c7-abcde` })}`, values: '0 0 0 1 2 3 3 3 3 3' }], evalTime: '8m', fires: [] },
    ];
  },
};

function promtool(args: string[], cwd: string) {
  const r = spawnSync(PROMTOOL, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'promtool-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe.skipIf(missing)('alert rules under promtool', () => {
  const objects = [...distRules(), ...synthesizedRules()];

  it('finds the PrometheusRules to test (dist/ has at least one when it exists, the synthesis has every alert)', () => {
    if (fs.existsSync(path.join(ROOT, 'dist'))) expect(objects.filter((o) => o.source.startsWith('dist/')).length).toBeGreaterThan(0);
    const synthesized = objects.filter((o) => o.source.startsWith('synthesized'));
    expect(synthesized.flatMap((o) => o.spec.groups.flatMap((g) => g.rules.map((r) => r.alert))).sort()).toEqual(Object.keys(CASES).sort());
  });

  it('uses the metric names Mastodon reports (release facts), with the alert reading each of them', () => {
    for (const name of [SIDEKIQ_LATENCY, HTTP_REQUESTS]) expect(Object.keys(releases.metrics)).toContain(name);
    // the prefixed name exists only behind a separate prometheus_exporter server, which Sidekiq does not use here
    expect(releases.metrics.sidekiq_queue_latency_seconds.env.MASTODON_PROMETHEUS_EXPORTER_LOCAL).toBe('true');
    const exprs = objects.flatMap((o) => o.spec.groups.flatMap((g) => g.rules.map((r) => r.expr))).join('\n');
    for (const name of [SIDEKIQ_LATENCY, HTTP_REQUESTS, REPLICAS_AVAILABLE, RESTARTS]) expect(exprs).toMatch(new RegExp(`\\b${name}\\{`));
  });

  for (const [i, o] of objects.entries()) {
    describe(o.source, () => {
      const rulesFile = path.join(work, `rules-${i}.yaml`);
      fs.writeFileSync(rulesFile, stringify({ groups: o.spec.groups }));

      it('passes promtool check rules', () => {
        const r = promtool(['check', 'rules', rulesFile], work);
        expect(r.output).toMatch(/SUCCESS: \d+ rules found/);
        expect(r.status, r.output).toBe(0);
      });

      for (const rule of o.spec.groups.flatMap((g) => g.rules)) {
        it(`${rule.alert} fires when it should and stays silent otherwise (promtool test rules)`, () => {
          const cases = CASES[rule.alert]?.(o.namespace, o.instance);
          expect(cases, `no unit tests for ${rule.alert}`).toBeDefined();
          const tests = cases!.map((c) => ({
            name: `${rule.alert}: ${c.what}`,
            interval: '1m',
            input_series: c.series,
            alert_rule_test: [
              {
                eval_time: c.evalTime,
                alertname: rule.alert,
                exp_alerts: c.fires.map((f) => ({
                  exp_labels: { ...f.labels, ...rule.labels },
                  ...(f.summary ? { exp_annotations: { summary: f.summary } } : {}),
                })),
              },
            ],
          }));
          // the firing cases must really fire and the silent ones must really stay silent
          expect(cases!.some((c) => c.fires.length) && cases!.some((c) => !c.fires.length)).toBe(true);
          const testFile = path.join(work, `test-${i}-${rule.alert}.yaml`);
          fs.writeFileSync(testFile, stringify({ rule_files: [rulesFile], evaluation_interval: '1m', tests }));
          const r = promtool(['test', 'rules', testFile], work);
          expect(r.status, r.output).toBe(0);
          expect(r.output).toMatch(/SUCCESS/);
        });
      }
    });
  }
});
