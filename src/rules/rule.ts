/** A policy rule: a pure function over one synthesized object, returning what is wrong (empty: compliant). */
import { KubeObject } from '../output/schema-gate';

/** What is wrong, and the offending name or value when there is one: it locates the definition field that wrote it. */
export interface Finding {
  readonly message: string;
  readonly culprit?: string;
}

export interface Rule {
  readonly id: string;
  /** the compliant condition, in one line */
  readonly description: string;
  readonly check: (obj: KubeObject) => (string | Finding)[];
}

interface PodTemplateHolder {
  spec?: { template?: { metadata?: ObjectMetaLike; spec?: PodSpecLike }; jobTemplate?: { spec?: { template?: { metadata?: ObjectMetaLike; spec?: PodSpecLike } } } };
}

export interface ObjectMetaLike {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface ContainerLike {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { key: string }; configMapKeyRef?: { key: string } } }[];
  ports?: { name?: string; containerPort?: number; hostPort?: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  securityContext?: SecurityContextLike & { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; privileged?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
}

export interface PodAffinityTermLike {
  topologyKey?: string;
  namespaces?: string[];
}

export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  volumes?: ({ name: string; emptyDir?: { sizeLimit?: unknown } } & Record<string, unknown>)[];
  hostAliases?: { ip?: string; hostnames?: string[] }[];
  nodeSelector?: Record<string, string>;
  tolerations?: { key?: string; operator?: string; value?: string; effect?: string; tolerationSeconds?: number }[];
  priorityClassName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  affinity?: {
    podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermLike[]; preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm?: PodAffinityTermLike }[] };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTermLike[]; preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm?: PodAffinityTermLike }[] };
    nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] }; preferredDuringSchedulingIgnoredDuringExecution?: unknown[] };
  };
  topologySpreadConstraints?: { topologyKey?: string }[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  securityContext?: SecurityContextLike;
}

/** the fields pod and container security contexts share */
export interface SecurityContextLike {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seccompProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string };
}

/**
 * Kinds whose `spec.template` is a partial pod merged into the operator's own (CloudNativePG sets the
 * Pooler's image, security context and probes): not a pod the rules can judge.
 */
const OPERATOR_POD_PATCHES = ['postgresql.cnpg.io/v1/Pooler'];

/** The pod spec of a workload object, if it has one. */
export function podSpec(obj: KubeObject): PodSpecLike | undefined {
  if (OPERATOR_POD_PATCHES.includes(`${obj.apiVersion}/${obj.kind}`)) return undefined;
  const o = obj as unknown as PodTemplateHolder;
  return o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
}

/** The metadata of a workload object's pod template, if it has one. */
export function podMetadata(obj: KubeObject): ObjectMetaLike | undefined {
  const o = obj as unknown as PodTemplateHolder;
  return o.spec?.template?.metadata ?? o.spec?.jobTemplate?.spec?.template?.metadata;
}

export function allContainers(spec: PodSpecLike): ContainerLike[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

/** An integer from min to max (a field the API server range-checks). */
export function inRange(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}
