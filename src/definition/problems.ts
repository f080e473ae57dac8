/** A problem found in an instance definition, located by its field path. */
import { printable } from '../cli';

export type FieldPath = readonly (string | number)[];

export interface Problem {
  readonly path: FieldPath;
  readonly message: string;
}

/** A problem with its position in the source file, ready to print. */
export interface LocatedProblem extends Problem {
  readonly file: string;
  /** 1-based; 0 for a problem of the whole file (it cannot be read) */
  readonly line: number;
  readonly column: number;
}

export function formatPath(path: FieldPath): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || '(top level)';
}

/** `file:line:column: error: field: message`; a problem of the whole file (line 0) is `file: error: message`. */
export function formatProblem(p: LocatedProblem, severity: 'error' | 'warning' = 'error'): string {
  if (p.line === 0) return printable(`${p.file}: ${severity}: ${p.message}`);
  return printable(`${p.file}:${p.line}:${p.column}: ${severity}: ${formatPath(p.path)}: ${p.message}`);
}

/** Thrown when an instance definition (or its synthesized output) is not acceptable. */
export class DefinitionError extends Error {
  constructor(readonly problems: readonly LocatedProblem[]) {
    super(problems.map((p) => formatProblem(p)).join('\n'));
    this.name = 'DefinitionError';
  }
}

/** Render a value found in a definition for an error message. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null (an empty value)';
  const json = JSON.stringify(value);
  return json.length > 60 ? json.slice(0, 57) + '...' : json;
}
