/**
 * Ready pods per component, kept from a watch of the instance's pods: every change the API server
 * sends is counted, not samples of it. A pod counts when it is Ready, not being deleted, and on a
 * node that is still alive: the API server keeps a lost node's pods Ready for as long as the node
 * controller has not noticed (its node-monitor grace period), which is no service at all.
 * Pure over plain objects, so test/cluster/unit/ can prove what it counts.
 */
import type { WatchEvent } from './harness';

export class ReadyTracker {
  private readonly pods = new Map<string, any>();
  private readonly dead = new Set<string>();
  /** lowest ready count seen per component */
  readonly worst: Record<string, number>;
  /** since when each component has been at its minimum (undefined: below it now) */
  private readonly fullSince: Record<string, number | undefined> = {};
  private error?: Error;
  events = 0;

  constructor(private readonly minimum: Record<string, number>, pods: readonly any[], private readonly now = () => Date.now()) {
    for (const p of pods) this.pods.set(p.metadata.uid, p);
    this.worst = this.ready();
    this.record();
  }

  /** pods on these nodes count for nothing from now on */
  lose(nodes: readonly string[]): void {
    for (const n of nodes) this.dead.add(n);
    this.record();
  }

  apply(e: WatchEvent): void {
    if (e.type === 'BOOKMARK') return;
    this.events++;
    if (e.type === 'DELETED') this.pods.delete(e.object.metadata.uid);
    else this.pods.set(e.object.metadata.uid, e.object);
    this.record();
  }

  fail(e: Error): void {
    this.error ??= e;
  }

  /** throws when the watch broke: the counts would be stale */
  assertWatching(): void {
    if (this.error) throw this.error;
  }

  ready(): Record<string, number> {
    const ready: Record<string, number> = Object.fromEntries(Object.keys(this.minimum).map((c) => [c, 0]));
    for (const p of this.pods.values()) {
      const c = p.metadata.labels?.['app.kubernetes.io/component'];
      if (!(c in ready) || p.metadata.deletionTimestamp || !p.spec?.nodeName || this.dead.has(p.spec.nodeName)) continue;
      if (p.status?.conditions?.some((x: any) => x.type === 'Ready' && x.status === 'True')) ready[c]++;
    }
    return ready;
  }

  /** components below their minimum now, as `name ready/minimum` */
  short(): string[] {
    const ready = this.ready();
    return Object.keys(this.minimum).filter((c) => ready[c] < this.minimum[c]).map((c) => `${c} ${ready[c]}/${this.minimum[c]}`);
  }

  /** seconds from `t` until each component was back at its minimum for good (0: it never dropped below) */
  fullStrengthAfter(t: number): Record<string, number> {
    return Object.fromEntries(Object.keys(this.minimum).map((c) => {
      const since = this.fullSince[c];
      if (since === undefined) throw new Error(`${c} is below its minimum`);
      return [c, Math.max(0, Math.round((since - t) / 1000))];
    }));
  }

  private record(): void {
    const ready = this.ready();
    const now = this.now();
    for (const c of Object.keys(this.minimum)) {
      this.worst[c] = Math.min(this.worst[c] ?? ready[c], ready[c]);
      if (ready[c] < this.minimum[c]) this.fullSince[c] = undefined;
      else this.fullSince[c] ??= now;
    }
  }
}
