import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('the library\'s sources', () => {
  // `x!` on data that may be missing becomes a TypeError in a user's app; narrowing says what happens instead
  it('use no non-null assertion', () => {
    const found = ['src', 'charts'].flatMap((d) => sources(path.join(ROOT, d))).flatMap((file) =>
      fs.readFileSync(file, 'utf8').split('\n').flatMap((line, i) => {
        const code = line.replace(/\/\/.*$|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`|"(?:[^"\\]|\\.)*"/g, '""');
        return /^\s*\*/.test(line) || !/[\w)\]]!(?!=)/.test(code) ? [] : [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`];
      }),
    );
    expect(found).toEqual([]);
  });
});
