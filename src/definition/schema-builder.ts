/**
 * A small JSON Schema builder whose TypeScript types are inferred from the schema itself, so the
 * instance schema (what editors and ajv see) and the TypeScript types (what the code sees) cannot
 * drift apart. Each schema carries two phantom types:
 * - `In`: what a user may write (fields with a default are optional);
 * - `Out`: what the code receives after ajv applied the defaults (those fields are present).
 */

export interface Schema<In, Out = In> {
  readonly json: Record<string, unknown>;
  /** phantom: never set at runtime */
  readonly __in?: In;
  readonly __out?: Out;
}

export type InOf<S> = S extends Schema<infer I, unknown> ? I : never;
export type OutOf<S> = S extends Schema<unknown, infer O> ? O : never;

/** A property: required, optional, or optional with a default (present after defaulting). */
export interface Prop<S extends Schema<unknown, unknown>, Kind extends 'req' | 'opt' | 'def'> {
  readonly schema: S;
  readonly kind: Kind;
  readonly defaultValue?: unknown;
}

type AnyProp = Prop<Schema<unknown, unknown>, 'req' | 'opt' | 'def'>;
type Props = Record<string, AnyProp>;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type KeysOf<P extends Props, K extends string> = { [N in keyof P]: P[N]['kind'] extends K ? N : never }[keyof P];

type ObjIn<P extends Props> = Simplify<
  { readonly [N in KeysOf<P, 'req'>]: InOf<P[N]['schema']> } & {
    readonly [N in KeysOf<P, 'opt' | 'def'>]?: InOf<P[N]['schema']>;
  }
>;
type ObjOut<P extends Props> = Simplify<
  { readonly [N in KeysOf<P, 'req' | 'def'>]: OutOf<P[N]['schema']> } & {
    readonly [N in KeysOf<P, 'opt'>]?: OutOf<P[N]['schema']>;
  }
>;

function withDoc(json: Record<string, unknown>, description?: string): Record<string, unknown> {
  return description ? { description, ...json } : json;
}

export const s = {
  string(description?: string, extra: Record<string, unknown> = {}): Schema<string> {
    return { json: withDoc({ type: 'string', ...extra }, description) };
  },
  integer(description?: string, extra: { minimum?: number; maximum?: number } = {}): Schema<number> {
    return { json: withDoc({ type: 'integer', ...extra }, description) };
  },
  boolean(description?: string): Schema<boolean> {
    return { json: withDoc({ type: 'boolean' }, description) };
  },
  enum<const T extends readonly string[]>(values: T, description?: string): Schema<T[number]> {
    return { json: withDoc({ type: 'string', enum: [...values] }, description) };
  },
  array<S extends Schema<unknown, unknown>>(
    item: S,
    description?: string,
    extra: { minItems?: number; uniqueItems?: boolean } = {},
  ): Schema<readonly InOf<S>[], readonly OutOf<S>[]> {
    return { json: withDoc({ type: 'array', items: item.json, ...extra }, description) };
  },
  /** string keys (optionally constrained) to values of one schema */
  record<S extends Schema<unknown, unknown>>(
    value: S,
    description?: string,
    keyPattern?: string,
  ): Schema<Readonly<Record<string, InOf<S>>>, Readonly<Record<string, OutOf<S>>>> {
    const json: Record<string, unknown> = { type: 'object', additionalProperties: value.json };
    if (keyPattern) json.propertyNames = { pattern: keyPattern };
    return { json: withDoc(json, description) };
  },
  object<P extends Props>(props: P, description?: string): Schema<ObjIn<P>, ObjOut<P>> {
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    for (const [name, prop] of Object.entries(props)) {
      const json = { ...prop.schema.json };
      if (prop.kind === 'def') json.default = prop.defaultValue;
      properties[name] = json;
      if (prop.kind === 'req') required.push(name);
    }
    const json: Record<string, unknown> = { type: 'object', properties, additionalProperties: false };
    if (required.length) json.required = required;
    return { json: withDoc(json, description) };
  },
  req<S extends Schema<unknown, unknown>>(schema: S): Prop<S, 'req'> {
    return { schema, kind: 'req' };
  },
  opt<S extends Schema<unknown, unknown>>(schema: S): Prop<S, 'opt'> {
    return { schema, kind: 'opt' };
  },
  /**
   * A Kubernetes API structure (Container, Affinity, Volume, ...) taken as written: it reaches the
   * output unchanged, where the strict Kubernetes schema gate checks it field by field.
   */
  kube<T>(kind: string, description?: string): Schema<T> {
    return { json: withDoc({ type: 'object', 'x-expected': `a Kubernetes ${kind} object` }, description) };
  },
  /** optional for the user; ajv fills in `value` so the code always sees it */
  def<S extends Schema<unknown, unknown>>(schema: S, value: InOf<S>): Prop<S, 'def'> {
    return { schema, kind: 'def', defaultValue: value };
  },
};
