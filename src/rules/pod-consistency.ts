import { quantityValue } from '../model/quantity';
import { Check, dataKey, dnsLabel, dnsSubdomain, envName, ipAddress, labelValue, portName, qualifiedName } from './kubernetes-syntax';
import { Finding, Rule, allContainers, inRange, podSpec } from './rule';

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
    for (const c of containers) {
      expect('container name', c.name, dnsLabel);
      if (!c.image) findings.push({ message: `container ${c.name} has no image`, culprit: c.name });
    }
    for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) {
      expect('nodeSelector key', k, qualifiedName);
      expect(`nodeSelector ${k}`, String(v), labelValue);
    }
    for (const t of spec.tolerations ?? []) {
      if (t.key) expect('toleration key', t.key, qualifiedName);
      if (t.value !== undefined) expect('toleration value', t.value, labelValue);
      if (t.operator === 'Exists' && t.value) findings.push({ message: `toleration ${t.key ?? ''}: operator Exists takes no value, found ${JSON.stringify(t.value)}`, culprit: t.value });
      if (!t.key && t.operator !== 'Exists') findings.push({ message: `a toleration without a key matches every taint and needs operator Exists, found ${JSON.stringify(t.operator ?? 'Equal')}`, culprit: t.operator ?? t.value });
      if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') findings.push({ message: `toleration ${t.key ?? ''}: tolerationSeconds needs effect NoExecute, found ${JSON.stringify(t.effect ?? 'any effect')}`, culprit: t.key || t.effect });
    }
    if (spec.priorityClassName !== undefined) expect('priorityClassName', spec.priorityClassName, dnsSubdomain);
    unique('containers', containers.map((c) => c.name));
    const ports = containers.flatMap((c) => (c.ports ?? []).map((p) => p.name).filter((n): n is string => n !== undefined));
    for (const p of ports) expect('port name', p, portName);
    unique('ports', ports);

    const volumes = (spec.volumes ?? []).map((v) => v.name);
    for (const v of volumes) expect('volume name', v, dnsLabel);
    for (const v of spec.volumes ?? []) {
      const ref = (v.configMap as { name?: string } | undefined)?.name ?? (v.secret as { secretName?: string } | undefined)?.secretName ?? (v.persistentVolumeClaim as { claimName?: string } | undefined)?.claimName;
      if (ref !== undefined) expect(`volume ${v.name}: the object it mounts`, ref, dnsSubdomain);
    }
    unique('volumes', volumes);
    for (const c of containers) {
      const paths = new Set<string>();
      for (const m of c.volumeMounts ?? []) {
        if (!m.mountPath) findings.push({ message: `container ${c.name} mounts volume ${m.name} at an empty path`, culprit: m.name });
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
    for (const h of spec.hostAliases ?? []) {
      if (typeof h.ip === 'string') expect('hostAliases ip', h.ip, ipAddress);
      for (const name of h.hostnames ?? []) expect('hostAliases host name', name, dnsSubdomain);
    }
    const preferred = [spec.affinity?.podAffinity, spec.affinity?.podAntiAffinity, spec.affinity?.nodeAffinity].flatMap((a) => (a?.preferredDuringSchedulingIgnoredDuringExecution ?? []) as { weight?: number }[]);
    for (const p of preferred) if (!inRange(p.weight, 1, 100)) findings.push({ message: `a preferred scheduling term has weight ${JSON.stringify(p.weight)}, expected 1 to 100`, culprit: String(p.weight) });
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required && !(required.nodeSelectorTerms ?? []).length) findings.push({ message: 'required node affinity has no nodeSelectorTerms (at least one is needed)', culprit: 'nodeSelectorTerms' });
    const terms = [spec.affinity?.podAffinity, spec.affinity?.podAntiAffinity].flatMap((a) => [
      ...(a?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
      ...(a?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => p.podAffinityTerm ?? {}),
    ]);
    for (const t of [...terms, ...(spec.topologySpreadConstraints ?? [])]) {
      if (!t.topologyKey) findings.push({ message: 'a pod affinity term or topology spread constraint has an empty topologyKey', culprit: 'topologyKey' });
      else expect('topologyKey', t.topologyKey, qualifiedName);
    }
    for (const t of terms) for (const ns of t.namespaces ?? []) expect('pod affinity term namespaces', ns, dnsLabel);
    return findings;
  },
};
