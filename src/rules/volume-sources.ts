import { quantityValue } from '../model/quantity';
import { DOWNWARD_VOLUME_FIELDS, isDownwardField, relativePath } from './container-spec';
import { dataKey } from './kubernetes-syntax';
import { Finding, Rule, podSpec } from './rule';

type Item = { key?: string; path?: string; mode?: number; fieldRef?: { fieldPath?: string } };
type Source = Record<string, unknown> & {
  items?: Item[];
  defaultMode?: number;
  sources?: Record<string, (Source & { expirationSeconds?: number; path?: string }) | undefined>[];
  driver?: string;
  volumeClaimTemplate?: unknown;
  sizeLimit?: unknown;
};

const MODE_MAX = 0o777;

export const VolumeSources: Rule = {
  id: 'VolumeSources',
  description: 'no pod volume has two sources, and its items, modes, projections and sizes are what the API server accepts',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    const findings: Finding[] = [];
    for (const v of (spec.volumes ?? []) as ({ name: string } & Record<string, unknown>)[]) {
      const bad = (message: string, culprit?: string) => findings.push({ message: `volume ${v.name}: ${message}`, culprit: culprit ?? v.name });
      const types = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined);
      // no source at all is an emptyDir (the API server's default)
      if (types.length > 1) bad(`expected one volume source, found ${types.join(' and ')}`);
      if (types.length !== 1) continue;
      const type = types[0];
      const src = (v[type] ?? {}) as Source;
      const items = (list: Item[] | undefined, where: string, downward = false) => {
        for (const item of list ?? []) {
          if (item.path === undefined || item.path === '' || relativePath(item.path)) bad(`${where} path: expected ${item.path ? relativePath(item.path) : 'a file name'}, found ${JSON.stringify(item.path)}`, item.path);
          if (!downward && (item.key === undefined || dataKey(item.key))) bad(`${where} key: expected ${dataKey(String(item.key ?? ''))}, found ${JSON.stringify(item.key)}`, item.key);
          if (downward && item.fieldRef && !isDownwardField(String(item.fieldRef.fieldPath), DOWNWARD_VOLUME_FIELDS)) bad(`${where} fieldRef.fieldPath: expected one of ${DOWNWARD_VOLUME_FIELDS.join(', ')}, found ${JSON.stringify(item.fieldRef.fieldPath)}`, item.fieldRef.fieldPath);
          if (item.mode !== undefined && !(Number.isInteger(item.mode) && item.mode >= 0 && item.mode <= MODE_MAX)) bad(`${where} mode: expected 0 to 0777, found ${item.mode}`);
        }
      };
      if (src.defaultMode !== undefined && !(Number.isInteger(src.defaultMode) && src.defaultMode >= 0 && src.defaultMode <= MODE_MAX)) bad(`defaultMode: expected 0 to 0777, found ${src.defaultMode}`);
      if (type === 'configMap' || type === 'secret') items(src.items, `${type} item`);
      if (type === 'downwardAPI') items(src.items, 'downwardAPI item', true);
      if (type === 'projected') {
        for (const [i, projection] of (src.sources ?? []).entries()) {
          const kinds = Object.keys(projection).filter((k) => projection[k] !== undefined);
          if (kinds.length !== 1) {
            bad(`projected source ${i}: expected exactly one of configMap, secret, downwardAPI, serviceAccountToken, clusterTrustBundle, found ${kinds.length}`);
            continue;
          }
          const p = projection[kinds[0]];
          if (!p) continue;
          if (kinds[0] === 'serviceAccountToken') {
            if (p.expirationSeconds !== undefined && (p.expirationSeconds < 600 || p.expirationSeconds > 2 ** 32)) bad(`projected serviceAccountToken expirationSeconds: expected at least 600 (10 minutes), found ${p.expirationSeconds}`);
            if (!p.path || relativePath(p.path)) bad(`projected serviceAccountToken path: expected a relative path, found ${JSON.stringify(p.path)}`, p.path);
          } else items(p.items, `projected ${kinds[0]} item`, kinds[0] === 'downwardAPI');
        }
      }
      if (type === 'csi' && !src.driver) bad('csi: a driver is required');
      if (type === 'ephemeral' && src.volumeClaimTemplate === undefined) bad('ephemeral: a volumeClaimTemplate is required');
      if (type === 'emptyDir') {
        if (src.sizeLimit !== undefined) {
          const size = quantityValue(src.sizeLimit);
          if (size === undefined || size < 0) bad(`emptyDir sizeLimit: expected a size such as 1Gi, found ${JSON.stringify(src.sizeLimit)}`, String(src.sizeLimit));
        }
      }
    }
    return findings;
  },
};
