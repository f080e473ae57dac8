import { quantityValue } from '../model/quantity';
import { Check, dataKey, dnsLabel, envName, ipAddress, portName } from './kubernetes-syntax';
import { Finding, Rule, allContainers, podSpec } from './rule';

export const PodConsistency: Rule = {
  id: 'PodConsistency',
  description: 'container, port and volume names are valid and unique, every mount has its volume, and affinity, host aliases, keys and quantities are what the API server accepts',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    const findings: Finding[] = [];
    const expect = (what: string, value: string, check: Check) => {
      const expected = check(value);
      if (expected) findings.push({ message: `${what}: expected ${expected}, found ${JSON.stringify(value)}`, culprit: value });
    };
    const unique = (what: string, names: string[]) => {
      const seen = new Set<string>();
      for (const n of names) {
        if (seen.has(n)) findings.push({ message: `two ${what} are named ${JSON.stringify(n)}; names must be unique in a pod`, culprit: n });
        seen.add(n);
      }
    };
    const containers = allContainers(spec);
    for (const c of containers) expect('container name', c.name, dnsLabel);
    unique('containers', containers.map((c) => c.name));
    const ports = containers.flatMap((c) => (c.ports ?? []).map((p) => p.name).filter((n): n is string => n !== undefined));
    for (const p of ports) expect('port name', p, portName);
    unique('ports', ports);

    const volumes = (spec.volumes ?? []).map((v) => v.name);
    for (const v of volumes) expect('volume name', v, dnsLabel);
    unique('volumes', volumes);
    for (const c of containers) {
      const paths = new Set<string>();
      for (const m of c.volumeMounts ?? []) {
        if (!volumes.includes(m.name)) findings.push({ message: `container ${c.name} mounts volume ${JSON.stringify(m.name)}, which the pod does not have`, culprit: m.name });
        if (paths.has(m.mountPath)) findings.push({ message: `container ${c.name} mounts two volumes at ${m.mountPath}`, culprit: m.mountPath });
        paths.add(m.mountPath);
      }
      for (const e of c.env ?? []) {
        expect(`container ${c.name}: variable name`, e.name, envName);
        const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
        if (ref) expect(`container ${c.name}: ${e.name} key`, ref.key, dataKey);
      }
      for (const kind of ['requests', 'limits'] as const) {
        for (const [resource, q] of Object.entries(c.resources?.[kind] ?? {})) {
          if (quantityValue(q) === undefined) findings.push({ message: `container ${c.name}: ${kind}.${resource}: expected a quantity such as 500m or 1Gi, found ${JSON.stringify(q)}`, culprit: String(q) });
        }
      }
      for (const [resource, q] of Object.entries(c.resources?.requests ?? {})) {
        const limit = quantityValue(c.resources?.limits?.[resource]);
        const request = quantityValue(q);
        if (limit !== undefined && request !== undefined && request > limit) findings.push({ message: `container ${c.name}: the ${resource} request ${String(q)} is above its limit ${String(c.resources?.limits?.[resource])}`, culprit: String(q) });
      }
    }
    for (const h of spec.hostAliases ?? []) if (typeof h.ip === 'string') expect('hostAliases ip', h.ip, ipAddress);
    const terms = [spec.affinity?.podAffinity, spec.affinity?.podAntiAffinity].flatMap((a) => [
      ...(a?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => p.podAffinityTerm ?? {}),
    ]);
    for (const t of [...terms, ...(spec.topologySpreadConstraints ?? [])]) {
      if (!t.topologyKey) findings.push({ message: 'a pod affinity term or topology spread constraint has an empty topologyKey', culprit: 'topologyKey' });
    }
    return findings;
  },
};
