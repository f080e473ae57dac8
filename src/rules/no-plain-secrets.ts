import { Rule, allContainers, podSpec } from './rule';

const SECRET_NAME = /(PASSWORD|PASS|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|ENCRYPTION)/;
/** Names that look like credentials but hold none. */
const NOT_SECRET = new Set(['SKIP_POST_DEPLOYMENT_MIGRATIONS', 'CACHE_BUSTER_SECRET_HEADER']);

export const NoPlainSecrets: Rule = {
  id: 'NoPlainSecrets',
  description: 'no Secret carries data and no credential-like variable has a literal value',
  check: (obj) => {
    if (obj.kind === 'Secret' && ('data' in obj || 'stringData' in obj)) return ['a Secret with values would put credentials in git'];
    if (obj.kind === 'ConfigMap') {
      const data = (obj as { data?: Record<string, string> }).data ?? {};
      return Object.keys(data).filter((k) => SECRET_NAME.test(k) && !NOT_SECRET.has(k)).map((k) => `ConfigMap key ${k} looks like a credential`);
    }
    const spec = podSpec(obj);
    if (!spec) return [];
    return allContainers(spec).flatMap((c) =>
      (c.env ?? [])
        .filter((e) => e.value !== undefined && SECRET_NAME.test(e.name) && !NOT_SECRET.has(e.name) && !/^\$\(/.test(e.value))
        .map((e) => `container ${c.name}: ${e.name} has a literal value`),
    );
  },
};
