/** What can be built ahead ships built: a synthesis loads the validators the build compiled and compiles none. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compiledAtRunTime } from '../../src/ajv-cache';
import { SchemaGate } from '../../src/output/schema-gate';
import { VENDOR_DIR } from '../../src/paths';
import { synthesize } from '../../src/synth';
import { everything } from '../everything';

describe('validators compiled by the build', () => {
  it('a synthesis of a definition using every feature, validated object by object, compiles no validator', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prebuilt-'));
    const file = path.join(dir, 'test.yaml');
    // test files share a module registry: only what this synthesis compiles counts
    const before = compiledAtRunTime.length;
    fs.writeFileSync(file, stringify(everything('4.5.6')));
    // no memory of earlier passes: every object goes through its validator
    const result = synthesize([file], new SchemaGate(VENDOR_DIR, path.join(dir, 'cache'), false));
    expect(result.errors).toEqual([]);
    const kinds = new Set(result.rendered[0].objects.map((o) => o.object.kind));
    expect(kinds.size).toBeGreaterThan(10);
    expect(compiledAtRunTime.slice(before)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
