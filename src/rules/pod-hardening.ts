import { Rule, allContainers, podSpec } from './rule';

/** Volume types the Pod Security "restricted" profile allows. */
/** SELinux types Pod Security "baseline" (and so "restricted") allows */
const SELINUX_TYPES = ['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t'];
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

export const PodHardening: Rule = {
  id: 'PodHardening',
  description: 'pods meet Pod Security "restricted": RuntimeDefault seccomp, no host namespaces, ports or paths, no privileged containers or added capabilities, and an API token only under a dedicated service account',
  check: (obj) => {
    const spec = podSpec(obj);
    if (!spec) return [];
    const problems: { message: string; culprit?: string }[] = [];
    if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') problems.push({ message: 'the pod has no RuntimeDefault seccomp profile' });
    if (spec.automountServiceAccountToken !== false && !spec.serviceAccountName) problems.push({ message: 'the pod mounts the default service account token' });
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[field]) problems.push({ message: `the pod sets ${field}, which Pod Security "restricted" refuses`, culprit: field });
    for (const v of spec.volumes ?? []) {
      const type = Object.keys(v).find((k) => k !== 'name');
      if (type && !RESTRICTED_VOLUMES.includes(type)) problems.push({ message: `volume ${v.name} is a ${type} volume, which Pod Security "restricted" refuses (allowed: ${RESTRICTED_VOLUMES.join(', ')})`, culprit: v.name });
    }
    const contexts = [{ where: 'the pod', sc: spec.securityContext, culprit: undefined as string | undefined }, ...allContainers(spec).map((c) => ({ where: `container ${c.name}`, sc: c.securityContext, culprit: c.name }))];
    for (const { where, sc, culprit } of contexts) {
      if (sc?.runAsUser === 0) problems.push({ message: `${where} sets runAsUser 0 (root), which Pod Security "restricted" refuses`, culprit });
      const seccomp = sc?.seccompProfile?.type;
      if (seccomp !== undefined && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push({ message: `${where} sets seccomp profile ${seccomp}; Pod Security "restricted" allows RuntimeDefault or Localhost`, culprit });
      const selinux = sc?.seLinuxOptions;
      if (selinux && (selinux.user || selinux.role || (selinux.type !== undefined && !SELINUX_TYPES.includes(selinux.type)))) problems.push({ message: `${where} sets SELinux options Pod Security refuses (only type ${SELINUX_TYPES.join(', ')}, no user or role)`, culprit });
    }
    for (const c of allContainers(spec)) {
      if (c.securityContext?.privileged) problems.push({ message: `container ${c.name} is privileged`, culprit: c.name });
      const added = (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE');
      if (added.length) problems.push({ message: `container ${c.name} adds capabilities ${added.join(', ')} (only NET_BIND_SERVICE may be added)`, culprit: c.name });
      for (const p of c.ports ?? []) if (p.hostPort) problems.push({ message: `container ${c.name} uses host port ${p.hostPort}`, culprit: c.name });
    }
    return problems;
  },
};
