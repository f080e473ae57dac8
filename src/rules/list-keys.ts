import { Finding, Rule, allContainers, podSpec } from './rule';

/**
 * Server-side apply (what Flux uses) merges lists by their keys and refuses an object whose list holds two
 * entries with the same key, even where a plain create would accept it: ports by number and protocol,
 * environment by name, host aliases by IP, pull secrets by name, Service ports by port and protocol.
 */
export const ListKeys: Rule = {
  id: 'ListKeys',
  description: 'no list that server-side apply merges by key holds two entries with the same key (container ports, env, host aliases, pull secrets, Service ports)',
  check: (obj) => {
    const findings: Finding[] = [];
    const unique = (what: string, keys: { key: string; culprit: string }[]) => {
      const seen = new Set<string>();
      for (const { key, culprit } of keys) {
        if (seen.has(key)) findings.push({ message: `${what}: two entries for ${key}; server-side apply refuses duplicate keys`, culprit });
        seen.add(key);
      }
    };
    const spec = podSpec(obj) as (ReturnType<typeof podSpec> & { imagePullSecrets?: { name?: string }[] }) | undefined;
    if (spec) {
      for (const c of allContainers(spec)) {
        const ports = (c.ports ?? []) as { containerPort?: number; protocol?: string; name?: string }[];
        unique(`container ${c.name} ports`, ports.map((p) => ({ key: `${p.containerPort}/${p.protocol ?? 'TCP'}`, culprit: p.name ?? c.name })));
        unique(`container ${c.name} env`, (c.env ?? []).map((e) => ({ key: e.name, culprit: e.name })));
      }
      unique('hostAliases', (spec.hostAliases ?? []).map((h) => ({ key: String(h.ip), culprit: String(h.ip) })));
      unique('imagePullSecrets', (spec.imagePullSecrets ?? []).map((s) => ({ key: String(s.name), culprit: String(s.name) })));
    }
    if (obj.kind === 'Service') {
      const ports = ((obj as { spec?: { ports?: { port?: number; protocol?: string; name?: string }[] } }).spec?.ports ?? []);
      unique('Service ports', ports.map((p) => ({ key: `${p.port}/${p.protocol ?? 'TCP'}`, culprit: p.name ?? String(p.port) })));
    }
    return findings;
  },
};
