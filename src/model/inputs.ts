/**
 * Checks of single inputs that the schema cannot express and Kubernetes or Mastodon would refuse later:
 * where the instance lives, which proxies it trusts, and container sizes.
 */
import { isIP } from 'net';
import { FieldPath, show } from '../definition/problems';
import { Instance } from '../definition/schema';
import { cpuCores, memoryBytes } from './quantity';

type Report = (path: FieldPath, message: string) => void;

/** Namespaces of the cluster itself: an instance there would share them with the control plane. */
const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'];

export function checkNamespace(def: Instance, error: Report, warn: Report): void {
  const namespace = def.namespace ?? def.name;
  const path: FieldPath = def.namespace !== undefined ? ['namespace'] : ['name'];
  if (SYSTEM_NAMESPACES.includes(namespace)) error(path, `expected a namespace of the instance's own, found the system namespace ${namespace} (the instance would be applied, pruned and secured together with the control plane)`);
  else if (namespace === 'default') warn(path, 'the instance lives in the default namespace, which it then labels and shares with whatever else runs there; a namespace of its own is safer');
}

/** TRUSTED_PROXY_IP as Mastodon parses it (config/application.rb: IPAddr.new of each entry). */
export function checkTrustedProxies(def: Instance, error: Report): void {
  (def.trustedProxyIps ?? []).forEach((entry, i) => {
    const path: FieldPath = ['trustedProxyIps', i];
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || rest.length) {
      error(path, `expected an IP address or a network such as 10.0.0.0/8 or fd00::/8, found ${show(entry)}`);
    } else if (prefix !== undefined && Number(prefix) === 0 && !def.trustEveryProxy) {
      error(path, `${entry} trusts every client's X-Forwarded-For, so anyone can choose the address Mastodon sees (rate limits, IP blocks); list your proxies' networks, or set trustEveryProxy: true if every request really comes through a proxy that overwrites the header`);
    }
  });
}

/** The API server refuses a container whose request is above its limit. */
export function checkResources(def: Instance, error: Report): void {
  const walk = (node: unknown, path: FieldPath) => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, [...path, i]));
      return;
    }
    const r = node as { cpu?: unknown; memory?: unknown; memoryLimit?: unknown; cpuLimit?: unknown; ephemeralStorage?: unknown; ephemeralStorageLimit?: unknown };
    if (typeof r.memory === 'string' && typeof r.memoryLimit === 'string') {
      if (memoryBytes(r.memory) > memoryBytes(r.memoryLimit)) error([...path, 'memory'], `expected a memory request at most the memoryLimit ${r.memoryLimit}, found ${r.memory}`);
      if (typeof r.cpu === 'string' && typeof r.cpuLimit === 'string' && cpuCores(r.cpu) > cpuCores(r.cpuLimit)) error([...path, 'cpu'], `expected a CPU request at most the cpuLimit ${r.cpuLimit}, found ${r.cpu}`);
      if (typeof r.ephemeralStorage === 'string' && typeof r.ephemeralStorageLimit === 'string' && memoryBytes(r.ephemeralStorage) > memoryBytes(r.ephemeralStorageLimit)) {
        error([...path, 'ephemeralStorage'], `expected an ephemeral-storage request at most the ephemeralStorageLimit ${r.ephemeralStorageLimit}, found ${r.ephemeralStorage}`);
      }
      return;
    }
    for (const [k, v] of Object.entries(node)) if (path[0] !== 'secrets') walk(v, [...path, k]);
  };
  walk(def, []);
}
