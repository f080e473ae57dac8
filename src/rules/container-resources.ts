import { Rule, allContainers, podSpec } from './rule';

export const ContainerResources: Rule = {
  id: 'ContainerResources',
  description: 'every container requests CPU, memory and ephemeral storage and limits memory and ephemeral storage; every emptyDir has a sizeLimit',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    const containers = allContainers(spec).flatMap((c) => {
      const missing = [
        c.resources?.requests?.cpu === undefined && 'a CPU request',
        c.resources?.requests?.memory === undefined && 'a memory request',
        c.resources?.limits?.memory === undefined && 'a memory limit',
        c.resources?.requests?.['ephemeral-storage'] === undefined && 'an ephemeral-storage request',
        c.resources?.limits?.['ephemeral-storage'] === undefined && 'an ephemeral-storage limit',
      ].filter(Boolean);
      return missing.length ? [`container ${c.name} has no ${missing.join(', ')}`] : [];
    });
    const volumes = (spec.volumes ?? [])
      .filter((v) => v.emptyDir !== undefined && (v.emptyDir as { sizeLimit?: unknown }).sizeLimit === undefined)
      .map((v) => ({ message: `emptyDir volume ${v.name} has no sizeLimit: a process writing to it could fill the node's disk`, culprit: v.name }));
    return [...containers, ...volumes];
  },
};
