/** Kubernetes quantities as numbers, for arithmetic in checks. */

const MEMORY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };

export function memoryBytes(q: string): number {
  const m = /^([0-9.]+)([A-Za-z]*)$/.exec(q);
  if (!m || MEMORY_UNITS[m[2]] === undefined) throw new Error(`not a memory quantity: ${q}`);
  return Math.floor(Number(m[1]) * MEMORY_UNITS[m[2]]);
}

export function cpuCores(q: string): number {
  return q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q);
}
