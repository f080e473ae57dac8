/**
 * The Ingress certificates issued by cert-manager itself: its controllers (built from the pinned module,
 * test/cluster/cert-manager: the Ingress shim, the certificates controllers, the CertificateRequest approver
 * and selfsigned signer, the Issuer and ClusterIssuer controllers) on the suite's API server, with its own CRDs
 * and a selfsigned ClusterIssuer (and Issuer) named as the definitions name them. Each definition is
 * synthesized and every object applied server-side; cert-manager must create exactly one Certificate per Secret
 * the generated Ingresses ask it for, get it Ready, and write a Secret whose certificate names exactly the hosts
 * the Ingress rules serve with that Secret: web, alternate domains, streaming and the webfinger host. A second
 * apply of the same objects changes nothing. No webhook runs (the CRDs' schemas judge the objects).
 * A Markdown report with the timings goes to .cluster/report-cert-manager.md.
 */
import { X509Certificate, createPrivateKey } from 'crypto';
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Json, definition, synth } from '../helpers';
import { BIN, Cluster, ROOT, missingComponents, waitFor } from './harness';

const CERT_MANAGER = ['cert-manager-controller', 'cert-manager-crds'];
const missing =
  missingComponents(['etcd', 'kube-apiserver']) ??
  (CERT_MANAGER.some((c) => !fs.existsSync(path.join(BIN, c))) ? `missing ${CERT_MANAGER.join(', ')} (bash test/cluster/build.sh builds them)` : undefined);
if (missing) console.log(`cert-manager test skipped: ${missing}`);

const FIELD_MANAGER = 'mastodon-cluster-test';
const CLUSTER_ISSUER = 'selfsigned-cluster';
const ISSUER = 'selfsigned-local';

interface Case {
  readonly name: string;
  /** what the definition's hosts are, for the report */
  readonly what: string;
  readonly def: Json;
  /** Secret → the DNS names its certificate must have, in any order ({}: cert-manager must issue nothing) */
  readonly certificates: Record<string, string[]>;
  readonly issuerRef?: { readonly kind: 'ClusterIssuer' | 'Issuer'; readonly name: string };
}

const CASES: readonly Case[] = [
  {
    name: 'split',
    what: 'account domain ≠ web domain (webfinger Ingress), an alternate domain, a streaming host; ClusterIssuer',
    def: definition({ name: 'split', domain: 'example.social', webDomain: 'social.example.com', alternateDomains: ['example.org'], traffic: { streamingHost: 'streaming.example.social', ingress: { clusterIssuer: CLUSTER_ISSUER } } }),
    certificates: { 'split-tls': ['social.example.com', 'example.org', 'streaming.example.social', 'example.social'] },
    issuerRef: { kind: 'ClusterIssuer', name: CLUSTER_ISSUER },
  },
  {
    name: 'own',
    what: 'streaming host on its own certificate (traffic.ingress.streaming.tlsSecret), an alternate domain; ClusterIssuer',
    def: definition({ name: 'own', domain: 'own.example', alternateDomains: ['www.own.example'], traffic: { streamingHost: 'streaming.own.example', ingress: { clusterIssuer: CLUSTER_ISSUER, streaming: { tlsSecret: 'own-streaming-tls' } } } }),
    certificates: { 'own-tls': ['own.example', 'www.own.example'], 'own-streaming-tls': ['own.example', 'streaming.own.example'] },
    issuerRef: { kind: 'ClusterIssuer', name: CLUSTER_ISSUER },
  },
  {
    name: 'local',
    what: 'one domain; a namespaced Issuer (traffic.ingress.issuer)',
    def: definition({ name: 'local', domain: 'local.example', traffic: { ingress: { clusterIssuer: undefined, issuer: ISSUER } } }),
    certificates: { 'local-tls': ['local.example'] },
    issuerRef: { kind: 'Issuer', name: ISSUER },
  },
  {
    name: 'byo',
    what: 'an existing TLS Secret (traffic.ingress.tlsSecret): cert-manager must not be asked',
    def: definition({ name: 'byo', domain: 'byo.example', webDomain: 'social.byo.example', traffic: { ingress: { clusterIssuer: undefined, tlsSecret: 'byo-cert' } } }),
    certificates: {},
  },
];

const sorted = (a: Iterable<string>) => [...a].sort();
const ready = (o: any) => o?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
/** the DNS names of a certificate (PEM), from its subjectAltName */
const dnsNames = (pem: string) => (new X509Certificate(pem).subjectAltName ?? '').split(', ').filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4));

/** Secret → the hosts of the rules of every Ingress whose tls section names that Secret */
function ruleHostsBySecret(objects: readonly any[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const ing of objects.filter((o) => o.kind === 'Ingress')) {
    for (const tls of ing.spec.tls ?? []) {
      const hosts = out.get(tls.secretName) ?? new Set<string>();
      for (const r of ing.spec.rules ?? []) hosts.add(r.host);
      out.set(tls.secretName, hosts);
    }
  }
  return out;
}

describe.skipIf(missing !== undefined)('cert-manager issues the Ingress certificates', () => {
  let cluster: Cluster;
  const report: string[] = [];
  const objects = new Map<string, any[]>();
  let appliedAt = 0;

  const apply = (items: readonly any[]) => cluster.k(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  const list = (kind: string, ns: string) => cluster.json(['get', kind, '-n', ns]).items as any[];
  /** uid and resourceVersion of every Ingress, Certificate, CertificateRequest and Secret of the instances */
  const snapshot = () => {
    const seen: Record<string, string> = {};
    for (const c of CASES) {
      for (const o of cluster.json(['get', 'ingresses,certificates.cert-manager.io,certificaterequests.cert-manager.io,secrets', '-n', c.name]).items as any[]) {
        seen[`${c.name}/${o.kind}/${o.metadata.name}`] = `${o.metadata.uid}@${o.metadata.resourceVersion}`;
      }
    }
    return seen;
  };

  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await Cluster.start({ apiServerOnly: true });
    cluster.log(`etcd and kube-apiserver ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    cluster.k(['apply', '--server-side', '-f', path.join(ROOT, 'vendor/crds'), '--recursive']);
    // cert-manager's CRDs from the module the controller is built from
    cluster.k(['apply', '--server-side', '-f', path.join(BIN, 'cert-manager-crds')]);
    cluster.k(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    for (const ns of ['flux-system', 'ingress-nginx', 'cert-manager']) cluster.k(['create', 'namespace', ns]);
    for (const c of CASES) objects.set(c.name, synth(c.def));

    const t1 = Date.now();
    cluster.run('cert-manager-controller', [`--kubeconfig=${cluster.kubeconfig}`, '--cluster-resource-namespace=cert-manager', '-v=2']);
    apply([{ apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: CLUSTER_ISSUER }, spec: { selfSigned: {} } }]);
    await waitFor(`the ClusterIssuer ${CLUSTER_ISSUER} to be Ready`, 60_000, () => {
      cluster.assertRunning();
      return ready(cluster.json(['get', 'clusterissuer', CLUSTER_ISSUER]));
    });
    cluster.log(`cert-manager started; ClusterIssuer ${CLUSTER_ISSUER} Ready ${((Date.now() - t1) / 1000).toFixed(1)} s after the start`);
    report.push(`- cert-manager's controllers started, selfsigned ClusterIssuer Ready: ${((Date.now() - t1) / 1000).toFixed(1)} s`);

    // every object of every stage of every instance, namespaces first, and the namespaced Issuer
    const all = CASES.flatMap((c) => objects.get(c.name)!);
    apply(all.filter((o) => o.kind === 'Namespace'));
    apply([{ apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: ISSUER, namespace: 'local' }, spec: { selfSigned: {} } }]);
    appliedAt = Date.now();
    apply(all.filter((o) => o.kind !== 'Namespace'));
    cluster.log(`${CASES.length} instances applied (${all.length} objects)`);
  }, 300_000);

  afterAll(() => {
    if (!cluster) return;
    fs.writeFileSync(path.join(BIN, '..', 'report-cert-manager.md'), ['# Ingress certificates issued by cert-manager', '', ...report, '', '## Events', '', '```', ...cluster.events, '```', ''].join('\n'));
    cluster.stop();
  });

  it('creates one Certificate per Secret the Ingresses ask for, each Ready with a Secret whose certificate names exactly the hosts the Ingress rules serve with it', async () => {
    const readyAt: Record<string, number> = {};
    await waitFor('every expected Certificate to be Ready with its Secret', 120_000, () => {
      cluster.assertRunning();
      for (const c of CASES) {
        for (const name of Object.keys(c.certificates)) {
          const key = `${c.name}/${name}`;
          if (readyAt[key]) continue;
          const crt = cluster.kubectl(['get', 'certificate.cert-manager.io', name, '-n', c.name, '-o', 'json']);
          const secret = cluster.kubectl(['get', 'secret', name, '-n', c.name, '-o', 'json']);
          if (crt.status === 0 && secret.status === 0 && ready(JSON.parse(crt.stdout)) && JSON.parse(secret.stdout).data?.['tls.crt']) readyAt[key] = Date.now();
        }
      }
      return CASES.every((c) => Object.keys(c.certificates).every((n) => readyAt[`${c.name}/${n}`]));
    });
    for (const c of CASES) {
      const generated = objects.get(c.name)!;
      const byRules = ruleHostsBySecret(generated);
      const certificates = list('certificates.cert-manager.io', c.name);
      // exactly the Certificates expected: none for a Secret the definition brings itself
      expect(sorted(certificates.map((o) => o.metadata.name))).toEqual(sorted(Object.keys(c.certificates)));
      if (!Object.keys(c.certificates).length) {
        expect(list('certificaterequests.cert-manager.io', c.name)).toEqual([]);
        expect(list('secrets', c.name).filter((s) => s.type === 'kubernetes.io/tls').map((s) => s.metadata.name)).toEqual([]);
        report.push(`- ${c.name} (${c.what}): no Certificate, no CertificateRequest, no TLS Secret created`);
        continue;
      }
      for (const [name, hosts] of Object.entries(c.certificates)) {
        const crt = certificates.find((o) => o.metadata.name === name);
        // the Ingress that asked: the one with the annotation whose tls section names the Secret
        const asking = generated.filter((o) => o.kind === 'Ingress' && (o.spec.tls ?? []).some((t: any) => t.secretName === name) && Object.keys(o.metadata.annotations ?? {}).some((k) => k.startsWith('cert-manager.io/')));
        expect(asking.map((o) => o.metadata.name)).toHaveLength(1);
        expect(crt.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Ingress', name: asking[0].metadata.name, controller: true })]);
        // the annotation names no group: cert-manager's own (the shim leaves group out, as upstream's webhook would not add it)
        expect(crt.spec.secretName).toBe(name);
        expect(crt.spec.issuerRef).toEqual(c.issuerRef);
        expect(sorted(crt.spec.dnsNames)).toEqual(sorted(hosts));
        const secret = cluster.json(['get', 'secret', name, '-n', c.name]);
        expect(secret.type).toBe('kubernetes.io/tls');
        const pem = Buffer.from(secret.data['tls.crt'], 'base64').toString();
        const cert = new X509Certificate(pem);
        // what a TLS client checks: the names, the validity, the key the Secret holds
        expect(sorted(dnsNames(pem))).toEqual(sorted(hosts));
        expect(sorted(dnsNames(pem))).toEqual(sorted(byRules.get(name) ?? []));
        expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now());
        expect(cert.checkPrivateKey(createPrivateKey(Buffer.from(secret.data['tls.key'], 'base64')))).toBe(true);
        const requests = list('certificaterequests.cert-manager.io', c.name).filter((r) => r.metadata.ownerReferences?.some((o: any) => o.kind === 'Certificate' && o.name === name));
        expect(requests.map((r) => ['Approved', 'Ready'].map((t) => r.status.conditions.find((x: any) => x.type === t)?.status))).toEqual([['True', 'True']]);
        report.push(`- ${c.name} (${c.what}): Certificate ${name} Ready ${((readyAt[`${c.name}/${name}`] - appliedAt) / 1000).toFixed(1)} s after the apply; ${c.issuerRef!.kind} ${c.issuerRef!.name}; tls.crt names ${sorted(dnsNames(pem)).join(', ')}`);
      }
      // every Secret the Ingresses name is one cert-manager issued
      expect(sorted(byRules.keys())).toEqual(sorted(Object.keys(c.certificates)));
    }
    // nothing else, anywhere: no Certificate outside the instances, no name outside their definitions
    const everywhere = cluster.json(['get', 'certificates.cert-manager.io', '--all-namespaces']).items as any[];
    expect(sorted(everywhere.map((o) => `${o.metadata.namespace}/${o.metadata.name}`))).toEqual(sorted(CASES.flatMap((c) => Object.keys(c.certificates).map((n) => `${c.name}/${n}`))));
    // no Warning event about what cert-manager handles (its BadConfig of an Ingress, a failed issuance), but the
    // selfsigned signer's about its own certificates: with no subject (the Ingresses ask for none, as public CAs issue
    // them now) a selfsigned certificate's issuer DN is empty too; a CA's or ACME issuer's DN is the CA's
    const selfsignedDN = (e: any) => e.involvedObject.kind === 'CertificateRequest' && e.reason === 'BadConfig' && e.message.includes('empty Issuer DN');
    const kinds = ['Ingress', 'Certificate', 'CertificateRequest', 'Issuer', 'ClusterIssuer', 'Secret'];
    const events = (cluster.json(['get', 'events', '--all-namespaces']).items as any[]).filter((e) => kinds.includes(e.involvedObject.kind));
    const warnings = events.filter((e) => e.type === 'Warning' && !selfsignedDN(e)).map((e) => `${e.involvedObject.namespace}/${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason} ${e.message}`);
    expect(warnings).toEqual([]);
    expect(events.filter(selfsignedDN)).toHaveLength(CASES.reduce((n, c) => n + Object.keys(c.certificates).length, 0));
    // nor an error in cert-manager's log (klog: lines starting with E)
    const errors = fs.readFileSync(path.join(cluster.dir, 'cert-manager-controller.log'), 'utf8').split('\n').filter((l) => l.startsWith('E'));
    expect(errors.map((l) => l.slice(0, 300))).toEqual([]);
  });

  it('a second server-side apply of the same objects changes nothing: no Ingress, Certificate, CertificateRequest or Secret updated or recreated', async () => {
    // settled: two snapshots 3 s apart agree (cert-manager finishes its status updates after Ready)
    let before = snapshot();
    await waitFor('cert-manager to settle', 60_000, async () => {
      await new Promise((r) => setTimeout(r, 3000));
      const now = snapshot();
      const same = JSON.stringify(now) === JSON.stringify(before);
      before = now;
      return same;
    }, 0);
    const all = CASES.flatMap((c) => objects.get(c.name)!);
    const diff = cluster.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: all }));
    expect({ status: diff.status, diff: diff.stdout }).toEqual({ status: 0, diff: '' });
    const t = Date.now();
    apply(all);
    // time for cert-manager to react to anything the apply changed
    await new Promise((r) => setTimeout(r, 10_000));
    cluster.assertRunning();
    expect(snapshot()).toEqual(before);
    report.push(`- second server-side apply of all ${all.length} objects: no diff; ${Object.keys(before).length} Ingresses, Certificates, CertificateRequests and Secrets unchanged 10 s later (checked in ${((Date.now() - t) / 1000).toFixed(0)} s)`);
  });
});
