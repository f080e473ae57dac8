import { describe, expect, it } from 'vitest';
import { definition, find, problems, synth } from '../helpers';
import { BUNDLED, PRESENT, committedObjects, egressMatrix, ingressMatrix } from '../netpol/bundled';
import { destinations, evaluate, podsOf } from '../netpol/flows';
import { InstanceModel } from '../../src/model/model';

const policiesOf = (objects: any[]) => objects.filter((o) => o.kind === 'NetworkPolicy');
const failures = (policies: any[], rows: ReturnType<typeof egressMatrix>) => {
  const verdicts = evaluate(policies, rows.map((r) => r.flow));
  return rows.flatMap((r, i) => {
    const got = r.expected.ingress === undefined ? { egress: verdicts[i].egress } : verdicts[i];
    return JSON.stringify(got) === JSON.stringify(r.expected) ? [] : [`${r.label}: expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(got)}`];
  });
};

describe.each(PRESENT)('flow matrix of the bundled instance %s', (name) => {
  const exp = BUNDLED[name];
  const objects = committedObjects(name);
  const policies = policiesOf(objects);
  const pods = podsOf(objects);
  const m = { name, namespace: exp.namespace } as InstanceModel;

  it('selects every pod of the output with an Ingress and an Egress policy', () => {
    expect(pods.length).toBeGreaterThan(3);
    for (const pod of pods) {
      const types = policies.filter((np) => np.metadata.namespace === pod.namespace && evaluateSelects(np, pod.labels)).flatMap((np) => np.spec.policyTypes);
      expect([pod.object, [...new Set(types)].sort()]).toEqual([pod.object, ['Egress', 'Ingress']]);
    }
  });

  it('lets each process reach DNS and its servers only, the public internet only from web and Sidekiq, the metadata endpoints never', () => {
    const rows = egressMatrix(pods, destinations(m), exp);
    expect(rows.length).toBeGreaterThan(500);
    expect(failures(policies, rows)).toEqual([]);
  });

  it('admits the ingress controller to web and streaming and Prometheus to the metrics ports, nobody else', () => {
    expect(failures(policies, ingressMatrix(pods, exp))).toEqual([]);
  });
});

function evaluateSelects(np: any, labels: Record<string, string>): boolean {
  // a policy selects a pod exactly when it restricts the pod's ingress: probe with a flow no rule allows
  return evaluate([np], [{ from: { name: 'probe', ip: '192.0.2.1' }, to: { name: 'pod', namespace: np.metadata.namespace, podLabels: labels, ip: '10.42.0.10' }, port: 1, protocol: 'SCTP' as any }])[0].ingress === false;
}

describe('egress of a definition', () => {
  const egressOf = (objects: any[], name: string) => find(objects, 'NetworkPolicy', name).spec.egress;

  it('places a server by how it is written: an address, a Service in the cluster, hostCidrs for a DNS name', () => {
    const objects = synth(
      definition({
        database: { host: '10.1.2.3', pooler: { host: 'pgbouncer.db.svc.cluster.local', maxClientConnections: 100 } },
        redis: { main: { external: { host: 'redis' } } },
        search: { host: 'https://search.example.net', port: 9200 },
        traffic: { egress: { hostCidrs: { 'search.example.net': ['192.0.2.0/24'] } } },
      }),
    );
    const web = egressOf(objects, 'test-web');
    const to = (port: number) => web.filter((r: any) => r.ports?.some((p: any) => p.port === port)).map((r: any) => r.to);
    expect(to(6432)).toEqual([[{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'db' } } }]]);
    expect(to(6379)).toEqual([[{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'test' } } }]]);
    expect(to(9200)).toEqual([[{ ipBlock: { cidr: '192.0.2.0/24' } }]]);
    // the Jobs connect to the server directly, the processes through the pooler
    expect(to(5432)).toEqual([]);
    const jobs = egressOf(objects, 'test-jobs');
    expect(jobs.filter((r: any) => r.ports?.some((p: any) => p.port === 5432)).map((r: any) => r.to)).toEqual([[{ ipBlock: { cidr: '10.1.2.3/32' } }]]);
  });

  it('gives streaming no internet and no S3, search or SMTP', () => {
    const objects = synth(definition({ search: { host: 'search.internal' }, smtp: { server: 'smtp.internal', fromAddress: 'a@example.social' } }));
    const ports = egressOf(objects, 'test-streaming').flatMap((r: any) => (r.ports ?? [{ port: 'all' }]).map((p: any) => p.port));
    expect([...new Set(ports)].sort()).toEqual([53, 5432, 6379].sort());
    const sidekiq = egressOf(objects, 'test-sidekiq-all').flatMap((r: any) => (r.ports ?? [{ port: 'all' }]).map((p: any) => p.port));
    expect(sidekiq).toContain(587);
    expect(sidekiq).toContain('all');
  });

  it('leaves the internet out with internet: false, and all egress rules with enabled: false', () => {
    const closed = synth(definition({ traffic: { egress: { internet: false } } }));
    expect(egressOf(closed, 'test-web').every((r: any) => r.ports)).toBe(true);
    const open = synth(definition({ traffic: { egress: { enabled: false } } }));
    for (const np of policiesOf(open)) expect([np.metadata.name, np.spec.policyTypes]).toEqual([np.metadata.name, ['Ingress']]);
  });

  it('lets only the downtime flow\'s Jobs reach the API server', () => {
    const objects = synth(definition({ version: '4.5.6', upgrade: { from: '4.3.0', strategy: 'downtime' } }));
    const kube = find(objects, 'NetworkPolicy', 'test-kube-api');
    expect(kube.spec.podSelector.matchExpressions[0].values).toEqual(['db-migrate-downtime', 'scale-up']);
    expect(kube.spec.egress.at(-1).ports.map((p: any) => p.port)).toEqual([443, 6443]);
    expect(policiesOf(synth(definition())).map((np) => np.metadata.name)).not.toContain('test-kube-api');
  });

  it('refuses networks that are no CIDR, have host bits set, or are a metadata address', () => {
    expect(problems(definition({ traffic: { egress: { privateCidrs: ['10.0.0.1/8'] } } }))).toEqual([expect.stringContaining('expected the network address (host bits zero: 10.0.0.0/8)')]);
    expect(problems(definition({ traffic: { egress: { hostCidrs: { 'db.internal': ['169.254.169.254/32'] } } } }))).toEqual([expect.stringContaining('outside the cloud metadata networks')]);
    expect(problems(definition({ database: { host: '169.254.169.254' } }))).toEqual([expect.stringContaining('expected a server outside the cloud metadata networks')]);
    expect(problems(definition({ traffic: { egress: { dns: { cidrs: ['300.1.1.1/32'] } } } }))).toEqual([expect.stringContaining('expected a network in CIDR notation')]);
  });
});
