/**
 * Writes dist/ so that readers never see a half-written instance, and removed instances disappear.
 * Only folders this tool wrote are ever replaced or removed: an output folder holding anything else is refused.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CliError, describeFsError, displayPath as shown } from '../cli';
import { GENERATED_MARK, RenderedInstance } from './render';

export interface WriteOptions {
  /** remove generated instance folders that have no definition (a whole-folder run) */
  readonly removeOthers: boolean;
  /** with no definition at all, remove every instance (otherwise refused: an empty or wrong --instances folder) @default false */
  readonly removeAll?: boolean;
}

/** An instance folder this tool wrote: its kustomization.yaml opens with the generated header. */
function isGeneratedInstance(dir: string): boolean {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path.join(dir, 'kustomization.yaml'), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    if (!fs.fstatSync(fd).isFile()) return false;
    const head = Buffer.alloc(GENERATED_MARK.length);
    fs.readSync(fd, head, 0, head.length, 0);
    return head.toString('utf8') === GENERATED_MARK;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * The instance folders already in the output folder. Anything else there (a file, a folder this tool did
 * not write) makes the output folder unusable: replacing or pruning it could destroy the user's work.
 */
export function generatedInstances(outDir: string): string[] {
  let entries: fs.Dirent[];
  try {
    if (!fs.statSync(outDir).isDirectory()) throw new CliError(`the output folder ${shown(outDir)} is a file, expected a folder`);
    entries = fs.readdirSync(outDir, { withFileTypes: true });
  } catch (e) {
    if (e instanceof CliError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CliError(describeFsError(e, `the output folder ${shown(outDir)}`));
  }
  const visible = entries.filter((e) => !e.name.startsWith('.'));
  const foreign = visible.filter((e) => !(e.isDirectory() && isGeneratedInstance(path.join(outDir, e.name)))).map((e) => e.name).sort();
  if (foreign.length) {
    const list = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
    throw new CliError(
      `the output folder ${shown(outDir)} holds ${list}, which mastodon-cdk8s did not write; it writes only into a folder of its own (one generated folder per instance), so give another --out or move ${foreign.length > 1 ? 'them' : 'it'} away`,
    );
  }
  return visible.map((e) => e.name).sort();
}

/**
 * Replace each instance folder in one rename, after its new content is complete on disk. Folders
 * whose content would not change are left alone (writing thousands of files dominates large runs).
 */
export function writeDist(outDir: string, all: readonly RenderedInstance[], options: WriteOptions): { written: string[]; removed: string[] } {
  const existing = generatedInstances(outDir);
  const wanted = new Set(all.map((i) => i.name));
  const orphans = options.removeOthers ? existing.filter((name) => !wanted.has(name)) : [];
  if (all.length === 0 && orphans.length > 0 && !options.removeAll) {
    throw new CliError(`no instance definitions were found, so every instance in ${shown(outDir)} (${orphans.join(', ')}) would be removed; check --instances, or pass --remove-all if that is what you want`);
  }
  const instances = all.filter((inst) => staleEntries(outDir, [inst], false).length > 0);
  let staging: string | undefined;
  try {
    fs.mkdirSync(outDir, { recursive: true });
    if (instances.length === 0 && orphans.length === 0) return { written: [], removed: [] };
    staging = fs.mkdtempSync(path.join(outDir, '.staging-'));
    for (const inst of instances) {
      for (const [file, content] of inst.files) {
        const target = path.join(staging, inst.name, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      }
    }
    for (const inst of instances) {
      const final = path.join(outDir, inst.name);
      if (fs.existsSync(final)) fs.renameSync(final, path.join(staging, `.old-${inst.name}`));
      fs.renameSync(path.join(staging, inst.name), final);
    }
    for (const name of orphans) fs.rmSync(path.join(outDir, name), { recursive: true, force: true });
  } catch (e) {
    throw new CliError(describeFsError(e, `cannot write ${shown(outDir)}`));
  } finally {
    if (staging) fs.rmSync(staging, { recursive: true, force: true });
  }
  return { written: instances.map((i) => i.name), removed: orphans };
}

/** What differs between dist/ and a synthesis: files to change or delete, folders without a definition. */
export function staleEntries(outDir: string, all: readonly RenderedInstance[], includeOrphans: boolean): string[] {
  const stale: string[] = [];
  for (const inst of all) {
    const committed = readTree(path.join(outDir, inst.name));
    for (const [file, content] of inst.files) if (committed.get(file) !== content) stale.push(`${inst.name}/${file}`);
    for (const file of committed.keys()) if (!inst.files.has(file)) stale.push(`${inst.name}/${file} (should not exist)`);
  }
  if (includeOrphans) {
    const names = new Set(all.map((r) => r.name));
    for (const d of generatedInstances(outDir)) if (!names.has(d)) stale.push(`${d}/ (no definition)`);
  }
  return stale;
}

/** Files under dir (relative paths → content), for comparing a synthesis with what is committed. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    if (!fs.existsSync(d)) return;
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.set(path.relative(dir, p).split(path.sep).join('/'), fs.readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

