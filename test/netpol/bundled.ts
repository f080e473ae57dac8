/**
 * The bundled instances' committed output and the flow matrix each must satisfy. The expected reach of
 * every process is written here by hand from instances/<name>.yaml (every server there is a DNS name,
 * so its port is open to every address but the metadata ones).
 */
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../../src/paths';
import { KubeObject } from '../../src/output/schema-gate';
import { Destination, Flow, PORTS, Peer, Reach, expectedEgress } from './flows';

export interface BundledExpectation {
  readonly namespace: string;
  /** reach by pod component (Rails Jobs by their own component) */
  readonly reach: Record<string, Reach>;
  /** where web and streaming are reached from, and Prometheus (unset: no metrics ports) */
  readonly controllerNamespace: string;
  /** labels of the controller pods; other pods of its namespace are refused ({}: every pod is the gateway's) */
  readonly controllerPodLabels: Record<string, string>;
  readonly prometheusNamespace?: string;
  readonly exporterPort?: number;
}

const jobs = (reach: Reach, components: string[]) => Object.fromEntries(components.map((c) => [c, reach]));

export const BUNDLED: Record<string, BundledExpectation> = {
  // postgres 5432, redis 6379, search http 9200, SMTP 587 (Sidekiq), local media (no S3)
  small: {
    namespace: 'small',
    controllerNamespace: 'ingress-nginx',
    controllerPodLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    reach: {
      web: { anywhere: [5432, 6379, 9200], internet: true },
      streaming: { anywhere: [5432, 6379] },
      'sidekiq-all': { anywhere: [587, 5432, 6379, 9200], internet: true },
      ...jobs({ anywhere: [5432, 6379, 9200] }, ['db-migrate-pre', 'db-migrate-post', 'maintenance']),
    },
  },
  // postgres 5432, redis TLS 6380, search https 9200, S3 endpoint https 443, SMTP 587
  ha: {
    namespace: 'ha',
    controllerNamespace: 'ingress-nginx',
    controllerPodLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    reach: {
      web: { anywhere: [443, 5432, 6380, 9200], internet: true },
      streaming: { anywhere: [5432, 6380] },
      ...Object.fromEntries(['scheduler', 'default', 'federation', 'background'].map((g) => [`sidekiq-${g}`, { anywhere: [443, 587, 5432, 6380, 9200], internet: true }])),
      ...jobs({ anywhere: [443, 5432, 6380, 9200] }, ['db-migrate-pre', 'db-migrate-post', 'maintenance']),
    },
  },
  // postgres 5432, Redis + Sentinel of the OT operator in the namespace, search 9200, AWS S3 443, SES 587; Gateway API
  cosocial: {
    namespace: 'cosocial',
    controllerNamespace: 'gateway-system',
    controllerPodLabels: {},
    prometheusNamespace: 'monitoring',
    exporterPort: 9394,
    reach: {
      web: { anywhere: [443, 5432, 9200], ownNamespace: [6379, 26379], internet: true },
      streaming: { anywhere: [5432], ownNamespace: [6379, 26379] },
      ...Object.fromEntries(['scheduler', 'main'].map((g) => [`sidekiq-${g}`, { anywhere: [443, 587, 5432, 9200], ownNamespace: [6379, 26379], internet: true }])),
      ...jobs({ anywhere: [443, 5432, 9200], ownNamespace: [6379, 26379] }, ['db-migrate-pre', 'db-migrate-post', 'search-deploy', 'maintenance']),
    },
  },
  // direct server 25060 (Jobs), pooler 25061 (processes), three Dragonfly roles in the namespace, search 25060, S3 443, SMTP 587
  large: {
    namespace: 'large',
    controllerNamespace: 'ingress-nginx',
    controllerPodLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
    prometheusNamespace: 'monitoring',
    exporterPort: 9394,
    reach: {
      web: { anywhere: [443, 25060, 25061], ownNamespace: [6379], internet: true },
      streaming: { anywhere: [25061], ownNamespace: [6379] },
      ...Object.fromEntries(['scheduler', 'default', 'push', 'ingress', 'pull'].map((g) => [`sidekiq-${g}`, { anywhere: [443, 587, 25060, 25061], ownNamespace: [6379], internet: true }])),
      ...jobs({ anywhere: [443, 25060], ownNamespace: [6379] }, ['db-migrate-pre', 'db-migrate-post', 'maintenance']),
    },
  },
};

/** The bundled instances this checkout has (a fork may drop the reference instances, and with them their dist/). */
export const PRESENT = Object.keys(BUNDLED).filter((name) => fs.existsSync(path.join(PROJECT_ROOT, 'instances', `${name}.yaml`)));

export function committedObjects(instance: string): KubeObject[] {
  const dir = path.join(PROJECT_ROOT, 'dist', instance);
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'));
  return files.sort().flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
}

export interface MatrixRow {
  readonly flow: Flow;
  readonly expected: { egress: boolean; ingress?: boolean };
  readonly label: string;
}

/** Every pod of the output to every probe destination on every probe port, and the expected verdicts. */
export function egressMatrix(pods: { component: string; labels: Record<string, string>; namespace: string }[], dests: Record<Destination, Peer>, exp: BundledExpectation): MatrixRow[] {
  const rows: MatrixRow[] = [];
  for (const pod of pods) {
    const reach = exp.reach[pod.component];
    if (!reach) throw new Error(`no expected reach for component ${pod.component}`);
    const from: Peer = { name: pod.component, namespace: pod.namespace, podLabels: pod.labels, ip: '10.42.0.10' };
    for (const [name, to] of Object.entries(dests) as [Destination, Peer][]) {
      for (const port of PORTS) {
        for (const protocol of port === 53 ? (['UDP', 'TCP'] as const) : (['TCP'] as const)) {
          rows.push({ flow: { from, to, port, protocol }, expected: { egress: expectedEgress(reach, name, port, protocol) }, label: `${pod.component} → ${name}:${port}/${protocol}` });
        }
      }
    }
  }
  return rows;
}

/** Who may connect to each pod: the controller to web/streaming, Prometheus to metrics ports, nobody else. */
export function ingressMatrix(pods: { component: string; labels: Record<string, string>; namespace: string }[], exp: BundledExpectation): MatrixRow[] {
  const sources: Peer[] = [
    { name: 'controller', namespace: exp.controllerNamespace, podLabels: { ...exp.controllerPodLabels, 'pod-template-hash': 'abc' }, ip: '10.42.1.1' },
    ...(Object.keys(exp.controllerPodLabels).length ? [{ name: 'controller-namespace-other', namespace: exp.controllerNamespace, podLabels: { app: 'other' }, ip: '10.42.1.5' }] : []),
    { name: 'monitoring', namespace: 'monitoring', podLabels: { app: 'prometheus' }, ip: '10.42.1.2' },
    { name: 'same-namespace', namespace: exp.namespace, podLabels: { app: 'other' }, ip: '10.42.1.3' },
    { name: 'other-namespace', namespace: 'other', podLabels: { app: 'other' }, ip: '10.42.1.4' },
    { name: 'public', ip: '203.0.113.10' },
  ];
  const rows: MatrixRow[] = [];
  for (const pod of pods) {
    const to: Peer = { name: pod.component, namespace: pod.namespace, podLabels: pod.labels, ip: '10.42.0.10' };
    for (const from of sources) {
      for (const port of [3000, 4000, 9394, 8080]) {
        const served = (pod.component === 'web' && port === 3000) || (pod.component === 'streaming' && port === 4000);
        const scraped = !!exp.prometheusNamespace && ((pod.component === 'streaming' && port === 4000) || ((pod.component === 'web' || pod.component.startsWith('sidekiq-')) && port === exp.exporterPort));
        const ingress = (served && from.name === 'controller') || (scraped && from.name === 'monitoring');
        rows.push({ flow: { from, to, port, protocol: 'TCP' }, expected: { egress: true, ingress }, label: `${from.name} → ${pod.component}:${port}` });
      }
    }
  }
  return rows;
}
