import { KubeObject } from '../output/schema-gate';
import { ContainerHardening } from './container-hardening';
import { ContainerResources } from './container-resources';
import { NoPlainSecrets } from './no-plain-secrets';
import { PodHardening } from './pod-hardening';
import { Rule } from './rule';
import { StandardLabels } from './standard-labels';

export { ContainerHardening, ContainerResources, NoPlainSecrets, PodHardening, StandardLabels };
export type { Rule };

export const RULES: readonly Rule[] = [ContainerResources, ContainerHardening, PodHardening, NoPlainSecrets, StandardLabels];

/** Every rule violation of one object, prefixed with the rule id. */
export function checkRules(obj: KubeObject, rules: readonly Rule[] = RULES): string[] {
  return rules.flatMap((r) => r.check(obj).map((p) => `${r.id}: ${p}`));
}
