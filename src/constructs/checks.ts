/**
 * The CLI's checks as construct validations, so `app.synth()` in a user's app reports what the CLI would
 * refuse, with the construct path in place of file:line: problems of the props (the definition's schema
 * and cross-field checks), and the policy rules and the Kubernetes/CRD schema gate over the objects as
 * they will be synthesized (user patches included). Warnings never fail the synthesis: they are kept on
 * the construct and emitted as Node warnings when the app is synthesized.
 */
import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { FieldPath, formatPath } from '../definition/problems';
import { checkRules } from '../rules';
import { SchemaGate } from '../output/schema-gate';
import { VENDOR_DIR } from '../paths';

/** How the construct-level warnings reach a user: `process.on('warning')` sees this type. */
export const WARNING_TYPE = 'MastodonCdk8sWarning';
/** The construct metadata type of each warning (`construct.node.metadata`). */
export const WARNING_METADATA = 'mastodon-cdk8s:warning';

/** Props refused: each problem becomes a validation error `field: message`. */
export function refuse(scope: IConstruct, problems: readonly { readonly path: FieldPath; readonly message: string }[]): void {
  if (problems.length) scope.node.addValidation({ validate: () => problems.map((p) => `${formatPath(p.path)}: ${p.message}`) });
}

/**
 * Context key the CLI sets on its App: it runs these checks itself, locating each problem in the definition
 * file, and prints the warnings, so the construct validations stand aside.
 */
export const CHECKED_BY_CLI = 'mastodon-cdk8s:checked-by-cli';

/** Constructs whose validation covers every object below them. */
const CHECKED = new WeakSet<IConstruct>();
let sharedGate: SchemaGate | undefined;

/** A construct above this one checks (and warns about) what is below it: a part of a MastodonInstance. */
function coveredAbove(scope: IConstruct): boolean {
  return scope.node.tryGetContext(CHECKED_BY_CLI) === true || scope.node.scopes.some((s) => s !== scope && CHECKED.has(s));
}

/**
 * The rules and the schema gate over every object below `scope`, unless a construct above it checks them
 * already (a SidekiqGroup inside a MastodonInstance is reported once, by the instance).
 */
export function checkObjects(scope: Construct): void {
  CHECKED.add(scope);
  scope.node.addValidation({
    validate: () => {
      if (coveredAbove(scope)) return [];
      const gate = (sharedGate ??= new SchemaGate(VENDOR_DIR));
      const errors: string[] = [];
      for (const obj of scope.node.findAll().filter((n): n is ApiObject => n instanceof ApiObject)) {
        const json = obj.toJson();
        for (const message of [...gate.validate(json), ...checkRules(json)]) errors.push(`${json.kind} ${json.metadata?.name} (${obj.node.path}): ${message}`);
      }
      gate.save();
      return errors;
    },
  });
}

/**
 * Warnings of a construct's props (`field: message`), kept as construct metadata and emitted once, as Node
 * warnings of WARNING_TYPE, when the app is synthesized (validated), unless a construct above reports them
 * (a MastodonInstance's model holds the warnings of its parts). Returns them as text.
 */
export function warn(scope: Construct, warnings: readonly { readonly path: FieldPath; readonly message: string }[]): string[] {
  const texts = warnings.map((w) => `${formatPath(w.path)}: ${w.message}`);
  for (const text of texts) scope.node.addMetadata(WARNING_METADATA, text);
  let emitted = false;
  if (texts.length) {
    scope.node.addValidation({
      validate: () => {
        if (!emitted && !coveredAbove(scope)) for (const text of texts) process.emitWarning(`[${scope.node.path}] ${text}`, { type: WARNING_TYPE });
        emitted = true;
        return [];
      },
    });
  }
  return texts;
}
