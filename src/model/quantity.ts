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

const SUFFIXES: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

/** Any Kubernetes quantity (as the API server parses it) as a number; undefined when it is none. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([numkMGTPE]|[KMGTPE]i)|[eE]([+-]?[0-9]+))?$/.exec(q);
  if (!m) return undefined;
  return Number(m[1]) * (m[3] !== undefined ? 10 ** Number(m[3]) : SUFFIXES[m[2] ?? '']);
}
