import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { CRD_FILES } from '../src/output/schema-gate';
import { VENDOR_DIR } from '../src/paths';

describe('vendored schemas and CRDs', () => {
  const sums = fs
    .readFileSync(path.join(VENDOR_DIR, 'SHA256SUMS'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(/\s+/) as [string, string]);

  it('are unchanged copies of the recorded files', () => {
    for (const [sum, file] of sums) {
      expect(createHash('sha256').update(fs.readFileSync(path.join(VENDOR_DIR, file))).digest('hex'), file).toBe(sum);
    }
  });

  it('cover every custom resource the gate validates, each listed in SOURCES.md', () => {
    const listed = new Set(sums.map(([, f]) => f.replace(/^\.\//, '')));
    const sources = fs.readFileSync(path.join(VENDOR_DIR, 'SOURCES.md'), 'utf8');
    for (const file of Object.values(CRD_FILES)) {
      expect(listed.has(`crds/${file}`), file).toBe(true);
      expect(sources).toContain(path.dirname(file));
    }
  });
});
