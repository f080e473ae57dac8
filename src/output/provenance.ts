/**
 * Which definition field an emitted object's problem comes from, so that errors found on the output point
 * at the line to change: the object's component names its section of the definition, and an offending name
 * or value found in that section (or anywhere in the definition) names the field itself.
 */
import { FieldPath } from '../definition/problems';
import { Instance } from '../definition/schema';
import { KubeObject } from './schema-gate';

const SECTIONS: Record<string, FieldPath> = {
  web: ['web'],
  streaming: ['streaming'],
  media: ['storage', 'volume'],
  config: ['env'],
  secrets: ['secrets', 'sources'],
  flux: ['flux'],
  monitoring: ['metrics'],
  'ingress-controller': ['traffic', 'ingress'],
  namespace: ['namespace'],
  maintenance: ['maintenance'],
};

function section(def: Instance, obj: KubeObject): FieldPath {
  const labels = (obj.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  const component = labels['app.kubernetes.io/component'];
  if (component === undefined) return [];
  if (SECTIONS[component]) return SECTIONS[component];
  if (component.startsWith('redis-')) return ['redis', component.slice('redis-'.length)];
  if (component.startsWith('sidekiq-')) {
    const i = def.sidekiq.groups.findIndex((g) => `sidekiq-${g.name}` === component);
    if (i >= 0) return ['sidekiq', 'groups', i];
  }
  // the Jobs (migrations, search index, admin, downtime flow)
  return ['jobs'];
}

/** Path of the first key or string value equal to `value` under `node` (depth first), if any. */
function find(node: unknown, value: string, at: FieldPath): FieldPath | undefined {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) {
      const found = n === value ? [...at, i] : find(n, value, [...at, i]);
      if (found) return found;
    }
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === value || v === value) return [...at, k];
      const found = find(v, value, [...at, k]);
      if (found) return found;
    }
  }
  return undefined;
}

export function definitionPathOf(def: Instance, obj: KubeObject, culprit?: string): FieldPath {
  const at = section(def, obj);
  if (culprit === undefined) return at;
  const sub = at.reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Record<string | number, unknown>)[k] : undefined), def);
  return find(sub, culprit, at) ?? find(def, culprit, []) ?? at;
}
