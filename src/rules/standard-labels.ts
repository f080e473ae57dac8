import { Rule } from './rule';

export const STANDARD_LABELS = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/component',
  'app.kubernetes.io/version',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
];

export const StandardLabels: Rule = {
  id: 'StandardLabels',
  description: 'every object carries the app.kubernetes.io labels',
  check: (obj) => {
    const labels = (obj.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
    const missing = STANDARD_LABELS.filter((l) => !labels[l]);
    return missing.length ? [`missing labels ${missing.join(', ')}`] : [];
  },
};
