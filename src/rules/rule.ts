/** A policy rule: a pure function over one synthesized object, returning what is wrong (empty: compliant). */
import { KubeObject } from '../output/schema-gate';

export interface Rule {
  readonly id: string;
  /** the compliant condition, in one line */
  readonly description: string;
  readonly check: (obj: KubeObject) => string[];
}

interface PodTemplateHolder {
  spec?: { template?: { spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { spec?: PodSpecLike } } } };
}

export interface ContainerLike {
  name: string;
  env?: { name: string; value?: string }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; runAsNonRoot?: boolean; capabilities?: { drop?: string[] } };
}

export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
}

/** The pod spec of a workload object, if it has one. */
export function podSpec(obj: KubeObject): PodSpecLike | undefined {
  const o = obj as unknown as PodTemplateHolder;
  return o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
}

export function allContainers(spec: PodSpecLike): ContainerLike[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}
