/**
 * A small YAML writer for Kubernetes objects (plain JSON data). Deterministic, and an order of
 * magnitude faster than a general YAML library, which dominated synth time. Strings are written
 * plain only when no YAML 1.1 or 1.2 reader could take them for anything else; otherwise
 * double-quoted (JSON escapes are valid YAML) or, when multi-line, as a literal block.
 */

const PLAIN = /^[A-Za-z_/$][A-Za-z0-9_./:@$()%+=-]*( [A-Za-z0-9_./:@$()%+=,-]+)*$/;
const YAML_WORDS = /^(y|yes|n|no|true|false|on|off|null|nan|inf)$/i;

function scalarString(s: string): string {
  if (PLAIN.test(s) && !YAML_WORDS.test(s) && !s.endsWith(':') && !s.includes(': ') && !s.includes(' #')) return s;
  return JSON.stringify(s);
}

function blockLiteral(s: string, indent: string): string | undefined {
  if (!s.includes('\n') || /[\r\t]/.test(s) || /^ /.test(s) || / \n| $/.test(s)) return undefined;
  const chomp = s.endsWith('\n') ? (s.endsWith('\n\n') ? undefined : '|') : '|-';
  if (!chomp) return undefined;
  const body = (chomp === '|' ? s.slice(0, -1) : s).split('\n');
  return `${chomp}\n${body.map((l) => (l ? indent + l : '')).join('\n')}`;
}

function scalar(v: unknown, indent: string): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return blockLiteral(v, indent) ?? scalarString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as YAML`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new Error(`cannot write a ${typeof v} as YAML`);
}

/** A non-empty array or object (written as a block); an object counts its own enumerable keys, as Object.keys does. */
function isCollection(v: unknown): v is object {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.length > 0;
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) return true;
  return false;
}

function emptyCollection(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  return Array.isArray(v) ? '[]' : '{}';
}

/** Keys repeat in every object (name, metadata, containers...): their written form is computed once per run. */
const KEYS = new Map<string, string>();

function keyString(key: string): string {
  let k = KEYS.get(key);
  if (k === undefined) {
    k = scalarString(key);
    if (KEYS.size < 10_000) KEYS.set(key, k);
  }
  return k;
}

/**
 * Appends the lines of `value` at `indent` to `out`. `first` replaces the indentation of the first line: a
 * collection that is a list item begins on the dash's line (`- name: x`, `- - a`).
 */
function write(value: unknown, indent: string, out: string[], first?: string): void {
  let lead = first ?? indent;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isCollection(item)) {
        const before = out.length;
        write(item, indent + '  ', out, `${lead}- `);
        if (out.length === before) throw new Error('cannot write a list item whose fields are all undefined');
      } else {
        // emptyCollection is only reached for values that are not non-empty collections
        out.push(`${lead}- ${typeof item === 'object' && item !== null ? emptyCollection(item) : scalar(item, indent + '  ')}`);
      }
      lead = indent;
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (v === undefined) continue;
    const k = keyString(key);
    if (isCollection(v)) {
      out.push(`${lead}${k}:`);
      write(v, indent + '  ', out);
    } else {
      out.push(`${lead}${k}: ${typeof v === 'object' && v !== null ? emptyCollection(v) : scalar(v, indent + '  ')}`);
    }
    lead = indent;
  }
}

/** One YAML document for a JSON-like value (objects keep their key order). */
export function toYaml(value: object): string {
  const out: string[] = [];
  write(value, '', out);
  return out.join('\n') + '\n';
}
