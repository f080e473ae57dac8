/**
 * The whole pipeline for a folder of definitions: load → model → charts → files → schema gate.
 * Nothing is written here; the caller writes dist/ only when every instance passed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadDefinition } from './definition/load';
import { DefinitionError, LocatedProblem, formatProblem } from './definition/problems';
import { InstanceModel, ModelError, buildModel } from './model/model';
import { RenderedInstance, renderInstance } from './output/render';
import { SchemaGate } from './output/schema-gate';
import { checkRules } from './rules';
import { PROJECT_ROOT, VENDOR_DIR } from './paths';

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

export function definitionFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) throw new Error(`no instance folder at ${dir}`);
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

export function synthesize(files: readonly string[], gate = new SchemaGate(VENDOR_DIR)): SynthResult {
  const result: SynthResult = { rendered: [], summaries: [], errors: [], warnings: [] };
  const display = (f: string) => path.relative(process.cwd(), f) || f;
  for (const file of files) {
    const started = process.hrtime.bigint();
    const shown = display(file);
    try {
      const { instance, source } = loadDefinition(file, shown);
      let model: InstanceModel;
      try {
        model = buildModel(instance);
      } catch (e) {
        if (e instanceof ModelError) throw new DefinitionError(e.problems.map((p) => source.locate(p)));
        throw e;
      }
      const warnings: LocatedProblem[] = model.warnings.map((w) => source.locate(w));
      result.warnings.push(...warnings.map((w) => formatProblem(w, 'warning')));
      const rendered = renderInstance(model, `instances/${path.basename(file)}`);
      let invalid = 0;
      for (const { file: out, object } of rendered.objects) {
        for (const problem of [...gate.validate(object), ...checkRules(object)]) {
          invalid++;
          result.errors.push(`${shown}: error: dist/${model.name}/${out} (${object.kind} ${object.metadata?.name}): ${problem}`);
        }
      }
      if (invalid) continue;
      result.rendered.push(rendered);
      result.summaries.push({
        name: model.name,
        objects: rendered.objects.length,
        files: rendered.files.size,
        warnings: warnings.length,
        milliseconds: Number(process.hrtime.bigint() - started) / 1e6,
        model,
      });
    } catch (e) {
      if (e instanceof DefinitionError) result.errors.push(...e.problems.map((p) => formatProblem(p)));
      else if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') result.errors.push(`${shown}: error: cannot read the file`);
      else throw e;
    }
  }
  result.errors.push(...crossInstanceConflicts(result.rendered));
  gate.save();
  return result;
}

/** Two instances must never emit the same object (shared namespace, same Flux namespace, ...). */
function crossInstanceConflicts(instances: readonly RenderedInstance[]): string[] {
  const owners = new Map<string, string>();
  const errors: string[] = [];
  for (const inst of instances) {
    for (const { object } of inst.objects) {
      const key = `${object.apiVersion} ${object.kind} ${object.metadata?.namespace ?? ''}/${object.metadata?.name}`;
      const owner = owners.get(key);
      if (owner && owner !== inst.name) errors.push(`error: instances ${owner} and ${inst.name} both emit ${key}; give them different names or namespaces`);
      owners.set(key, inst.name);
    }
  }
  return errors;
}
