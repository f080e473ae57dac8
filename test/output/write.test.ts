/** The output folder: only folders this tool wrote are replaced or removed; anything else there is refused. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli';
import { RenderedInstance, GENERATED_MARK } from '../../src/output/render';
import { readTree, staleEntries, writeDist } from '../../src/output/write';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'out-'));
const rendered = (name: string, body = 'kind: ConfigMap\n'): RenderedInstance => ({
  name,
  objects: [],
  files: new Map([
    ['kustomization.yaml', `${GENERATED_MARK} from instances/${name}.yaml.\nresources: []\n`],
    ['00-base/configmap.yaml', body],
  ]),
});
const errorOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    return (e as Error).message;
  }
  throw new Error('expected a CliError');
};

describe('writeDist', () => {
  it('refuses an output folder holding what it did not write, and changes nothing there (--out . in a project)', () => {
    const out = tmp();
    for (const d of ['src', 'test', 'instances']) fs.mkdirSync(path.join(out, d));
    fs.writeFileSync(path.join(out, 'src', 'main.ts'), 'keep me');
    fs.writeFileSync(path.join(out, 'package.json'), '{}');
    const before = readTree(out);
    expect(errorOf(() => writeDist(out, [rendered('a')], { removeOthers: true }))).toMatch(/holds instances, package.json, src, test, which mastodon-cdk8s did not write/);
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(out).sort()).toEqual(['instances', 'package.json', 'src', 'test']);
  });

  it('refuses a folder that looks like an instance but was not written by it', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'old'));
    fs.writeFileSync(path.join(out, 'old', 'kustomization.yaml'), 'resources: [a.yaml]\n');
    expect(errorOf(() => writeDist(out, [rendered('a')], { removeOthers: true }))).toMatch(/holds old, which/);
    expect(fs.existsSync(path.join(out, 'old', 'kustomization.yaml'))).toBe(true);
  });

  it('removes generated instances that lost their definition, and only those', () => {
    const out = tmp();
    writeDist(out, [rendered('a'), rendered('b')], { removeOthers: true });
    fs.writeFileSync(path.join(out, '.hidden-notes'), 'kept');
    const r = writeDist(out, [rendered('a')], { removeOthers: true });
    expect(r).toEqual({ written: [], removed: ['b'] });
    expect(fs.readdirSync(out).sort()).toEqual(['.hidden-notes', 'a']);
  });

  it('never removes every instance because the definitions folder is empty, unless told to', () => {
    const out = tmp();
    writeDist(out, [rendered('a'), rendered('b')], { removeOthers: true });
    expect(errorOf(() => writeDist(out, [], { removeOthers: true }))).toMatch(/no instance definitions were found, so every instance in .* \(a, b\) would be removed; check --instances, or pass --remove-all/);
    expect(fs.readdirSync(out).sort()).toEqual(['a', 'b']);
    expect(writeDist(out, [], { removeOthers: true, removeAll: true }).removed).toEqual(['a', 'b']);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('says what is wrong when the output folder is a file or cannot be created', () => {
    const dir = tmp();
    const file = path.join(dir, 'dist');
    fs.writeFileSync(file, 'x');
    expect(errorOf(() => writeDist(file, [rendered('a')], { removeOthers: true }))).toMatch(/the output folder .*dist is a file, expected a folder/);
    expect(errorOf(() => writeDist(path.join(file, 'sub'), [rendered('a')], { removeOthers: true }))).toMatch(/a part of the path is a file, expected a folder/);
  });

  it('--check sees only generated folders as orphans', () => {
    const out = tmp();
    writeDist(out, [rendered('a'), rendered('b')], { removeOthers: true });
    expect(staleEntries(out, [rendered('a', 'changed\n')], true)).toEqual(['a/00-base/configmap.yaml', 'b/ (no definition)']);
  });
});
