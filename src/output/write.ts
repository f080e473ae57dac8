/** Writes dist/ so that readers never see a half-written instance, and removed instances disappear. */
import * as fs from 'fs';
import * as path from 'path';
import { RenderedInstance } from './render';

/**
 * Replace each instance folder in one rename, after its new content is complete on disk. Folders
 * whose content would not change are left alone (writing thousands of files dominates large runs).
 */
export function writeDist(outDir: string, all: readonly RenderedInstance[], removeOthers: boolean): { written: string[]; removed: string[] } {
  fs.mkdirSync(outDir, { recursive: true });
  const instances = all.filter((inst) => staleEntries(outDir, [inst], false).length > 0);
  const staging = fs.mkdtempSync(path.join(outDir, '.staging-'));
  const removed: string[] = [];
  try {
    for (const inst of instances) {
      for (const [file, content] of inst.files) {
        const target = path.join(staging, inst.name, file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
      }
    }
    const wanted = new Set(all.map((i) => i.name));
    for (const inst of instances) {
      const final = path.join(outDir, inst.name);
      const old = path.join(staging, `.old-${inst.name}`);
      if (fs.existsSync(final)) fs.renameSync(final, old);
      fs.renameSync(path.join(staging, inst.name), final);
    }
    for (const entry of removeOthers ? fs.readdirSync(outDir, { withFileTypes: true }) : []) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !wanted.has(entry.name)) {
        fs.rmSync(path.join(outDir, entry.name), { recursive: true, force: true });
        removed.push(entry.name);
      }
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return { written: instances.map((i) => i.name), removed: removed.sort() };
}

/** What differs between dist/ and a synthesis: files to change or delete, folders without a definition. */
export function staleEntries(outDir: string, all: readonly RenderedInstance[], includeOrphans: boolean): string[] {
  const stale: string[] = [];
  for (const inst of all) {
    const committed = readTree(path.join(outDir, inst.name));
    for (const [file, content] of inst.files) if (committed.get(file) !== content) stale.push(`${inst.name}/${file}`);
    for (const file of committed.keys()) if (!inst.files.has(file)) stale.push(`${inst.name}/${file} (should not exist)`);
  }
  if (includeOrphans && fs.existsSync(outDir)) {
    const names = new Set(all.map((r) => r.name));
    for (const d of fs.readdirSync(outDir)) if (!d.startsWith('.') && !names.has(d)) stale.push(`${d}/ (no definition)`);
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
