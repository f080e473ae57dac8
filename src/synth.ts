/**
 * The whole pipeline for a folder of definitions: load → model → charts → files → schema gate.
 * Nothing is written here; the caller writes dist/ only when every instance passed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DefinitionSource, loadDefinition } from './definition/load';
import { Instance } from './definition/schema';
import { DefinitionError, LocatedProblem, formatPath, formatProblem } from './definition/problems';
import { InstanceModel, ModelError, buildModel } from './model/model';
import { RenderedInstance, renderInstance } from './output/render';
import { SchemaGate } from './output/schema-gate';
import { ruleFindings } from './rules';
import { definitionPathOf } from './output/provenance';
import { deployedUpgradeFrom, deployedVersion } from './output/deployed';
import { PROJECT_ROOT, VENDOR_DIR } from './paths';
import { CliError, MAX_PROBLEMS_PER_FILE, describeFsError, displayPath } from './cli';

export { PROJECT_ROOT };

export interface InstanceSummary {
  readonly name: string;
  readonly objects: number;
  readonly files: number;
  readonly warnings: number;
  readonly milliseconds: number;
  readonly model: InstanceModel;
}

export interface SynthResult {
  readonly rendered: RenderedInstance[];
  readonly summaries: InstanceSummary[];
  /** printable error lines; synthesis failed when not empty */
  readonly errors: string[];
  readonly warnings: string[];
}

/** The definition files of a folder (every *.yaml / *.yml entry: loading says what is wrong with one that is no file). */
export function definitionFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!fs.statSync(dir).isDirectory()) throw new CliError(`the instances folder ${displayPath(dir)} is a file, expected a folder of definitions`);
    names = fs.readdirSync(dir);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(describeFsError(e, `the instances folder ${displayPath(dir)}`));
  }
  return names
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export interface SynthOptions {
  /** the committed output: each instance's running version is read from it @default - none (every instance a fresh install unless upgrade.from) */
  readonly outDir?: string;
}

export function synthesize(files: readonly string[], gate = new SchemaGate(VENDOR_DIR), options: SynthOptions = {}): SynthResult {
  const result: SynthResult = { rendered: [], summaries: [], errors: [], warnings: [] };
  const display = displayPath;
  const accepted: { rendered: RenderedInstance; instance: Instance; source: DefinitionSource }[] = [];
  for (const file of files) {
    const started = process.hrtime.bigint();
    const shown = display(file);
    const errors: string[] = [];
    try {
      const { instance, source } = loadDefinition(file, shown);
      let model: InstanceModel;
      try {
        const deployed = options.outDir ? deployedVersion(options.outDir, instance.name) : undefined;
        const deployedFrom = deployed && options.outDir ? deployedUpgradeFrom(options.outDir, instance.name, deployed) : undefined;
        model = buildModel(instance, { deployedVersion: deployed, deployedUpgradeFrom: deployedFrom });
      } catch (e) {
        if (e instanceof ModelError) throw new DefinitionError(e.problems.map((p) => source.locate(p)));
        throw e;
      }
      const warnings: LocatedProblem[] = model.warnings.map((w) => source.locate(w));
      result.warnings.push(...warnings.map((w) => formatProblem(w, 'warning')));
      const rendered = renderInstance(model, `instances/${path.basename(file)}`);
      for (const { file: out, object } of rendered.objects) {
        const findings = [...gate.validate(object).map((message) => ({ message, culprit: schemaCulprit(object, message) })), ...ruleFindings(object)];
        for (const f of findings) {
          const where = source.locate({ path: definitionPathOf(model.def, object, f.culprit), message: `dist/${model.name}/${out} (${object.kind} ${object.metadata?.name}): ${f.message}` });
          errors.push(formatProblem(where));
        }
      }
      if (errors.length === 0) {
        result.rendered.push(rendered);
        accepted.push({ rendered, instance: model.def, source });
        result.summaries.push({
          name: model.name,
          objects: rendered.objects.length,
          files: rendered.files.size,
          warnings: warnings.length,
          milliseconds: Number(process.hrtime.bigint() - started) / 1e6,
          model,
        });
      }
    } catch (e) {
      if (e instanceof DefinitionError) errors.push(...e.problems.map((p) => formatProblem(p)));
      else throw e;
    }
    // a garbage file must not bury the terminal: the first problems say enough
    result.errors.push(...errors.slice(0, MAX_PROBLEMS_PER_FILE));
    if (errors.length > MAX_PROBLEMS_PER_FILE) result.errors.push(`${shown}: ... and ${errors.length - MAX_PROBLEMS_PER_FILE} more error(s) in this file`);
  }
  result.errors.push(...crossInstanceConflicts(accepted));
  gate.save();
  return result;
}

/** The string value a schema problem is about (`CRD: spec.parentRefs[0].sectionName: must match ...`), which locates the definition field that wrote it. */
function schemaCulprit(object: unknown, message: string): string | undefined {
  const at = /^(?:Kubernetes [0-9.]+|CRD): ([^:\s]+): /.exec(message)?.[1];
  if (!at || at === '(root)') return undefined;
  const value = (at.match(/[^.[\]]+/g) ?? []).reduce<unknown>((node, k) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[k] : undefined), object);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Two instances must never emit the same object (shared namespace, same Flux namespace, ...): said once per pair, at the second one's field. */
function crossInstanceConflicts(instances: readonly { rendered: RenderedInstance; instance: Instance; source: DefinitionSource }[]): string[] {
  const owners = new Map<string, string>();
  const clashes = new Map<string, { first: string; count: number; where: string }>();
  for (const { rendered, instance, source } of instances) {
    for (const { object } of rendered.objects) {
      const key = `${object.apiVersion} ${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
      const owner = owners.get(key);
      owners.set(key, rendered.name);
      if (!owner || owner === rendered.name) continue;
      const pair = `${owner} ${rendered.name}`;
      const seen = clashes.get(pair);
      if (seen) seen.count++;
      else {
        const at = source.locate({ path: definitionPathOf(instance, object, object.metadata?.namespace ?? object.metadata?.name), message: '' });
        clashes.set(pair, { first: key, count: 1, where: `${at.file}:${at.line}:${at.column}: error: ${formatPath(at.path)}: instances ${owner} and ${rendered.name} both emit` });
      }
    }
  }
  return [...clashes.values()].map((c) => `${c.where} ${c.first}${c.count > 1 ? ` (and ${c.count - 1} more objects)` : ''}; give them different names or namespaces`);
}
