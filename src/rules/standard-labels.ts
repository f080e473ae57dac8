import { Rule } from './rule';

export const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/version',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

export const VERSION_LABEL = 'app.kubernetes.io/version';

/**
 * The objects that run a release carry its version; the others (Services, budgets, policies, configuration)
 * do not, so that a version bump changes only what it really changes.
 */
export const VERSIONED_KINDS = ['Deployment', 'Job', 'CronJob'];

export const StandardLabels: Rule = {
  id: 'StandardLabels',
  description: 'every object carries the app.kubernetes.io labels, the version only the objects that run the release',
  check: (obj) => {
    const labels = (obj.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
    const versioned = VERSIONED_KINDS.includes(obj.kind);
    const missing = STANDARD_LABELS.filter((l) => !labels[l] && (versioned || l !== VERSION_LABEL));
    const problems = missing.length ? [`missing labels ${missing.join(', ')}`] : [];
    if (!versioned && labels[VERSION_LABEL]) problems.push(`a ${obj.kind} carries ${VERSION_LABEL}, which only objects that run the release carry`);
    return problems;
  },
};
