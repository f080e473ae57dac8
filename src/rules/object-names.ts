import { Check, dns1035Label, dnsLabel, dnsSubdomain } from './kubernetes-syntax';
import { Finding, Rule } from './rule';

/** How the API server checks metadata.name, by kind (anything else: a DNS subdomain). */
const NAME_CHECKS: Record<string, Check> = {
  Service: dns1035Label,
  Namespace: dnsLabel,
  // a Job's pods carry its name as a label value; a CronJob's Jobs add 11 characters to it
  Job: (v) => dnsSubdomain(v) ?? (v.length <= 63 ? undefined : 'a name of at most 63 characters (its pods carry it as a label)'),
  CronJob: (v) => dnsSubdomain(v) ?? (v.length <= 52 ? undefined : 'a name of at most 52 characters (its Jobs add 11)'),
};

export const ObjectNames: Rule = {
  id: 'ObjectNames',
  description: 'names, namespaces and class references are what the API server accepts for the kind',
  check: (obj) => {
    const findings: Finding[] = [];
    const expect = (what: string, value: unknown, check: Check) => {
      if (typeof value !== 'string') return;
      const expected = check(value);
      if (expected) findings.push({ message: `${what}: expected ${expected}, found ${JSON.stringify(value)}`, culprit: value });
    };
    const meta = obj.metadata as { name?: string; namespace?: string } | undefined;
    expect('metadata.name', meta?.name, NAME_CHECKS[obj.kind] ?? dnsSubdomain);
    expect('metadata.namespace', meta?.namespace, dnsLabel);
    const spec = (obj as { spec?: { storageClassName?: string; ingressClassName?: string } }).spec;
    if (obj.kind === 'PersistentVolumeClaim') expect('spec.storageClassName', spec?.storageClassName, dnsSubdomain);
    if (obj.kind === 'Ingress') expect('spec.ingressClassName', spec?.ingressClassName, dnsSubdomain);
    return findings;
  },
};
