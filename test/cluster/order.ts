/**
 * The order an upgrade must follow, checked on samples of the cluster taken while Flux applies it.
 * Pure functions over plain objects, so test/cluster/unit/ can prove they catch a wrong order.
 */

/** whether an image is the given Mastodon release */
export const at = (version: string) => (image: string) => image.endsWith(`:v${version}`);

/** the instance's Jobs, ReplicaSets and Deployments at one moment */
export interface Sample {
  readonly t: number;
  readonly jobs: any[];
  readonly replicaSets: any[];
  readonly deployments: any[];
}

export const mastodonImage = (template: any): string => template.spec.containers[0].image;
export const rolledOut = (d: any, version: string) =>
  at(version)(mastodonImage(d.spec.template)) &&
  (d.status?.observedGeneration ?? 0) >= d.metadata.generation &&
  ['updatedReplicas', 'readyReplicas', 'availableReplicas'].every((f) => (d.status?.[f] ?? 0) === d.spec.replicas) &&
  !d.status?.unavailableReplicas;
export const succeeded = (job: any) => (job?.status?.succeeded ?? 0) > 0;
export const condition = (o: any, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type);

/**
 * What the stages promise, checked on every sample and on the API server's own timestamps:
 * the migration Job completed before any ReplicaSet of the new version existed, and the
 * post-deployment Job was created only once every Deployment had rolled out.
 */
export function checkOrder(samples: readonly Sample[], version: string, preJob: string, postJob: string | undefined): { violations: string[]; timeline: string[] } {
  const violations: string[] = [];
  for (const s of samples) {
    const fresh = s.replicaSets.filter((rs) => at(version)(mastodonImage(rs.spec.template)));
    if (fresh.length && !succeeded(s.jobs.find((j) => j.metadata.name === preJob)))
      violations.push(`${new Date(s.t).toISOString()}: ${fresh.map((rs) => rs.metadata.name).join(', ')} exist before ${preJob} completed`);
    if (postJob && s.jobs.some((j) => j.metadata.name === postJob)) {
      const behind = s.deployments.filter((d) => !rolledOut(d, version)).map((d) => d.metadata.name);
      if (behind.length) violations.push(`${new Date(s.t).toISOString()}: ${postJob} exists while ${behind.join(', ')} not rolled out`);
    }
  }
  const last = samples[samples.length - 1];
  const pre = last.jobs.find((j) => j.metadata.name === preJob);
  const fresh = last.replicaSets.filter((rs) => at(version)(mastodonImage(rs.spec.template)));
  const firstReplicaSet = fresh.map((rs) => rs.metadata.creationTimestamp as string).sort()[0];
  if (!(pre?.status?.completionTime <= firstReplicaSet)) violations.push(`${preJob} completed at ${pre?.status?.completionTime}, first new ReplicaSet at ${firstReplicaSet}`);
  const timeline: [string, string][] = [
    [pre?.metadata.creationTimestamp, `${preJob} created`],
    [pre?.status?.completionTime, `${preJob} complete`],
    ...fresh.map((rs): [string, string] => [rs.metadata.creationTimestamp, `ReplicaSet ${rs.metadata.name} created`]),
    ...last.deployments.map((d): [string, string] => [condition(d, 'Progressing')?.lastUpdateTime, `Deployment ${d.metadata.name} rolled out (${condition(d, 'Progressing')?.reason})`]),
  ];
  if (postJob) {
    const post = last.jobs.find((j) => j.metadata.name === postJob);
    const lastRollout = last.deployments.map((d) => condition(d, 'Progressing')?.lastUpdateTime as string).sort().at(-1)!;
    if (!(post?.metadata.creationTimestamp >= lastRollout)) violations.push(`${postJob} created at ${post?.metadata.creationTimestamp}, last rollout at ${lastRollout}`);
    timeline.push([post?.metadata.creationTimestamp, `${postJob} created`], [post?.status?.completionTime, `${postJob} complete`]);
  }
  return { violations, timeline: timeline.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([t, what]) => `  - ${t}  ${what}`) };
}

