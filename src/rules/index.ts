import { KubeObject } from '../output/schema-gate';
import { ContainerHardening } from './container-hardening';
import { ContainerResources } from './container-resources';
import { ContainerSpec } from './container-spec';
import { ListKeys } from './list-keys';
import { MetadataSyntax } from './metadata-syntax';
import { NoPlainSecrets } from './no-plain-secrets';
import { ObjectNames } from './object-names';
import { ObjectSize } from './object-size';
import { PodConsistency } from './pod-consistency';
import { PodHardening } from './pod-hardening';
import { Finding, Rule } from './rule';
import { StandardLabels } from './standard-labels';
import { VolumeSources } from './volume-sources';

export { ContainerHardening, ContainerResources, ContainerSpec, ListKeys, MetadataSyntax, NoPlainSecrets, ObjectNames, ObjectSize, PodConsistency, PodHardening, StandardLabels, VolumeSources };
export type { Finding, Rule };

export const RULES: readonly Rule[] = [ContainerResources, ContainerHardening, PodHardening, NoPlainSecrets, StandardLabels, ObjectNames, MetadataSyntax, PodConsistency, ContainerSpec, VolumeSources, ListKeys, ObjectSize];

/** Every rule violation of one object, its message prefixed with the rule id. */
export function ruleFindings(obj: KubeObject, rules: readonly Rule[] = RULES): Finding[] {
  return rules.flatMap((r) => r.check(obj).map((f) => (typeof f === 'string' ? { message: `${r.id}: ${f}` } : { ...f, message: `${r.id}: ${f.message}` })));
}

/** Every rule violation of one object as text, prefixed with the rule id. */
export function checkRules(obj: KubeObject, rules: readonly Rule[] = RULES): string[] {
  return ruleFindings(obj, rules).map((f) => f.message);
}
