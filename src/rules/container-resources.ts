import { Rule, allContainers, podSpec } from './rule';

export const ContainerResources: Rule = {
  id: 'ContainerResources',
  description: 'every container requests CPU and memory and has a memory limit',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    return allContainers(spec).flatMap((c) => {
      const missing = [
        c.resources?.requests?.cpu === undefined && 'a CPU request',
        c.resources?.requests?.memory === undefined && 'a memory request',
        c.resources?.limits?.memory === undefined && 'a memory limit',
      ].filter(Boolean);
      return missing.length ? [`container ${c.name} has no ${missing.join(', ')}`] : [];
    });
  },
};
