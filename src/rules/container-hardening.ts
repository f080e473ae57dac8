import { Rule, allContainers, podSpec } from './rule';

export const ContainerHardening: Rule = {
  id: 'ContainerHardening',
  description: 'every container runs as non-root on a read-only root filesystem, with no privilege escalation and no capabilities',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    return allContainers(spec).flatMap((c) => {
      const sc = c.securityContext ?? {};
      const wrong = [
        sc.allowPrivilegeEscalation !== false && 'allowPrivilegeEscalation is not false',
        sc.readOnlyRootFilesystem !== true && 'the root filesystem is writable',
        sc.runAsNonRoot !== true && 'runAsNonRoot is not set',
        !(sc.capabilities?.drop ?? []).includes('ALL') && 'capabilities are not all dropped',
      ].filter(Boolean);
      return wrong.length ? [`container ${c.name}: ${wrong.join(', ')}`] : [];
    });
  },
};
