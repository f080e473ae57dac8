/**
 * Reads an instance definition: YAML → JSON Schema validation (with defaults) → typed `Instance`.
 * Every problem is reported at once, each with file, line:column, field path, expected and found.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { Document, LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, Node } from 'yaml';
import { DefinitionError, FieldPath, LocatedProblem, Problem, show } from './problems';
import { Instance, instanceJsonSchema } from './schema';
import { Schema } from './schema-builder';
import { cachedValidators } from '../ajv-cache';
import { describeFsError } from '../cli';

/** A parsed definition file that can turn a field path into a line and column. */
export class DefinitionSource {
  constructor(
    readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  locate(problem: Problem): LocatedProblem {
    const offset = this.offsetOf(problem.path);
    const pos = this.lines.linePos(offset);
    return { ...problem, file: this.file, line: pos.line, column: pos.col };
  }

  /** Offset of the deepest node that exists along the path (the key itself for map entries). */
  private offsetOf(fieldPath: FieldPath): number {
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const part of fieldPath) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === part);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number' && node.items[part]) {
        node = node.items[part];
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        break;
      }
    }
    return offset;
  }
}

let validator: ValidateFunction | undefined;

/** The definition's validator (compiled ahead by the build, src/ajv-cache.ts). */
export function instanceValidator(): ValidateFunction {
  if (!validator) {
    const schema = instanceJsonSchema();
    validator = cachedValidators({
      key: `instance:${createHash('sha256').update(JSON.stringify(schema)).digest('hex')}`,
      build: () => {
        const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, code: { source: true } });
        ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
        ajv.addKeyword({ keyword: 'x-sensitive', schemaType: 'boolean' });
        ajv.addSchema(schema, 'instance');
        return { ajv, refs: { instance: 'instance' } };
      },
    }).instance;
  }
  return validator;
}

export interface LoadedDefinition {
  readonly instance: Instance;
  readonly source: DefinitionSource;
}

/** A definition is a few kilobytes; anything near the API server's object size limit is not one. */
export const MAX_DEFINITION_BYTES = 1024 * 1024;

/** Load and validate one definition file; throws DefinitionError listing every problem. */
export function loadDefinition(file: string, displayName = file): LoadedDefinition {
  const fileProblem = (message: string) => new DefinitionError([{ file: displayName, line: 0, column: 0, path: [], message }]);
  let text: string;
  try {
    // stat first: opening a FIFO would wait for a writer forever
    const st = fs.statSync(file);
    if (st.isDirectory()) throw fileProblem('is a folder, expected a definition file');
    if (!st.isFile()) throw fileProblem('is not a regular file (a FIFO, socket or device), expected a definition file');
    if (st.size > MAX_DEFINITION_BYTES) throw fileProblem(`is ${(st.size / 1024 / 1024).toFixed(1)} MiB, expected a definition of at most 1 MiB`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof DefinitionError) throw e;
    throw fileProblem(describeFsError(e, 'cannot read the file'));
  }
  return parseDefinition(text, displayName, path.basename(file).replace(/\.ya?ml$/, ''));
}

export function parseDefinition(text: string, file: string, expectedName?: string): LoadedDefinition {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = new DefinitionSource(file, doc, lines);

  // tags are refused, not dropped: a `!vault` or `!!js/function` value would otherwise become a plain string
  const invalid = [
    ...doc.errors.map((e) => ({ at: e.pos[0], message: `invalid YAML: ${e.message.split('\n')[0]}` })),
    ...doc.warnings.map((w) => ({ at: w.pos[0], message: w.code === 'TAG_RESOLVE_FAILED' ? `unsupported YAML tag: ${w.message.split('\n')[0]}; a definition is plain YAML (write the value itself, or reference a Secret)` : `invalid YAML: ${w.message.split('\n')[0]}` })),
  ];
  if (invalid.length > 0) {
    throw new DefinitionError(
      invalid.map(({ at, message }) => {
        const pos = lines.linePos(at);
        return { file, line: pos.line, column: pos.col, path: [], message };
      }),
    );
  }
  let data: unknown;
  try {
    // a copy: an alias must not share its object with the anchor, or the defaults ajv fills into one land in both
    data = JSON.parse(JSON.stringify(doc.toJS({ maxAliasCount: 100 })) ?? "null");
  } catch (e) {
    // yaml refuses documents whose aliases expand without bound (a "billion laughs" document)
    throw new DefinitionError([{ file, line: 1, column: 1, path: [], message: `cannot read the YAML: ${(e as Error).message}` }]);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new DefinitionError([source.locate({ path: [], message: `expected a mapping of fields, found ${show(data)}` })]);
  }

  const checked = checkDefinition(data);
  if (!checked.instance) throw new DefinitionError(dedupe(checked.problems.map((p) => source.locate(p))));
  const instance = checked.instance;
  if (expectedName !== undefined && instance.name !== expectedName) {
    throw new DefinitionError([
      source.locate({
        path: ['name'],
        message: `expected the file name "${expectedName}", found ${show(instance.name)} (one file per instance, named after it)`,
      }),
    ]);
  }
  return { instance, source };
}

/**
 * Validates a definition given as data (a cdk8s app's props, or parsed YAML) against the instance schema,
 * and returns a copy with every static default filled in; the input is not changed.
 */
export function checkDefinition(input: unknown): { readonly instance?: Instance; readonly problems: readonly Problem[] } {
  // a copy: ajv writes the defaults into the object it validates
  const data: unknown = input === undefined ? undefined : JSON.parse(JSON.stringify(input));
  const validate = instanceValidator();
  if (validate(data)) return { instance: data as Instance, problems: [] };
  const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames').map((e) => describeError(e, data));
  return { problems };
}

const partValidators = new Map<object, ValidateFunction>();

/**
 * Checks a part of a definition (a construct's props) against its piece of the instance schema and returns a copy
 * with that piece's defaults filled in: the constructs used on their own share the definition's rules and defaults.
 */
export function checkPart<T>(schema: Schema<unknown, T>, input: unknown, at: FieldPath = []): { readonly value?: T; readonly problems: readonly Problem[] } {
  let validate = partValidators.get(schema);
  if (!validate) {
    const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true });
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    ajv.addKeyword({ keyword: 'x-sensitive', schemaType: 'boolean' });
    validate = ajv.compile(schema.json);
    partValidators.set(schema, validate);
  }
  const data: unknown = input === undefined ? undefined : JSON.parse(JSON.stringify(input));
  if (validate(data)) return { value: data as T, problems: [] };
  const problems = (validate.errors ?? []).filter((e) => e.keyword !== 'propertyNames').map((e) => describeError(e, data));
  return { problems: problems.map((p) => ({ ...p, path: [...at, ...p.path] })) };
}

function dedupe(problems: LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toPath(pointer: string, data: unknown): (string | number)[] {
  const out: (string | number)[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      out.push(Number(part));
      node = node[Number(part)];
    } else {
      out.push(part);
      node = (node as Record<string, unknown> | undefined)?.[part];
    }
  }
  return out;
}

function describeError(e: ErrorObject, data: unknown): Problem {
  const at = toPath(e.instancePath, data);
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  // a value refused for holding credentials is not repeated in the error (nor in a CI log)
  const found = schema['x-sensitive'] ? 'a value that is not shown (it may hold a credential)' : show(e.data);
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    return { path: [...at, propertyName], message: `invalid key: expected ${String(schema['x-expected'] ?? `a key matching ${schema.pattern}`)}, found ${show(propertyName)}` };
  }
  switch (e.keyword) {
    case 'required':
      return { path: [...at, e.params.missingProperty], message: 'required field is missing' };
    case 'additionalProperties': {
      const allowed = Object.keys((schema.properties as object) ?? {});
      const name = String(e.params.additionalProperty);
      const hint = closest(name, allowed);
      return {
        path: [...at, name],
        message: `unknown field${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.join(', ')}`,
      };
    }
    case 'type':
      return { path: at, message: `expected ${e.params.type === 'object' ? 'a mapping' : e.params.type}, found ${found}` };
    case 'enum':
      return { path: at, message: `expected one of ${(e.params.allowedValues as string[]).join(', ')}, found ${found}` };
    case 'pattern':
      return { path: at, message: `expected ${String(schema['x-expected'] ?? `a string matching ${e.params.pattern}`)}, found ${found}` };
    case 'minimum':
    case 'maximum':
      return { path: at, message: `expected a number ${e.params.comparison} ${e.params.limit}, found ${found}` };
    case 'minItems':
      return { path: at, message: `expected at least ${e.params.limit} item(s), found ${(e.data as unknown[]).length}` };
    case 'minLength':
    case 'maxLength':
      return { path: at, message: `expected ${e.keyword === 'minLength' ? 'at least' : 'at most'} ${e.params.limit} characters, found ${found}` };
    case 'uniqueItems':
      return { path: at, message: `expected unique items, found a duplicate at positions ${e.params.j} and ${e.params.i}` };
    default:
      return { path: at, message: `${e.message ?? 'invalid value'}, found ${found}` };
  }
}

/** The allowed name closest to a misspelt one (edit distance ≤ 3), for "did you mean". */
function closest(name: string, options: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const option of options) {
    const d = editDistance(name.toLowerCase(), option.toLowerCase());
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}
