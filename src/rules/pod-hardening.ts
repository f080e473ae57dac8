import { Rule, podSpec } from './rule';

export const PodHardening: Rule = {
  id: 'PodHardening',
  description: 'pods use the RuntimeDefault seccomp profile and mount an API token only when they run under a dedicated service account',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    const problems: string[] = [];
    if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push('the pod has no RuntimeDefault seccomp profile');
    if (spec.automountServiceAccountToken !== false && !spec.serviceAccountName) problems.push('the pod mounts the default service account token');
    return problems;
  },
};
