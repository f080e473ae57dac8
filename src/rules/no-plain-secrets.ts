import { isCredentialName, isCredentialValue } from '../model/credentials';
import { Rule, allContainers, podSpec } from './rule';

export const NoPlainSecrets: Rule = {
  id: 'NoPlainSecrets',
  description: 'no Secret carries data and no credential-like variable has a literal value',
  check: (obj) => {
    if (obj.kind === 'Secret' && ('data' in obj || 'stringData' in obj)) return ['a Secret with values would put credentials in git'];
    if (obj.kind === 'ConfigMap') {
      const data = (obj as { data?: Record<string, string> }).data ?? {};
      return Object.keys(data).filter(isCredentialName).map((k) => `ConfigMap key ${k} looks like a credential`);
    }
    const spec = podSpec(obj);
    if (!spec) return [];
    return allContainers(spec).flatMap((c) =>
      (c.env ?? [])
        .filter((e) => e.value !== undefined && e.value !== '' && isCredentialValue(e.name, e.value) && !/^\$\(/.test(e.value))
        .map((e) => `container ${c.name}: ${e.name} has a literal value`),
    );
  },
};
