import * as fs from 'fs';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, schemaText } from '../../src/main';
import { PROJECT_ROOT } from '../../src/paths';

describe('instance JSON Schema', () => {
  it('is committed in lockstep with the TypeScript definition (npm run schema)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(schemaText());
  });

  it('rejects unknown fields everywhere', () => {
    const walk = (node: any, at: string): string[] => {
      if (!node || typeof node !== 'object') return [];
      const own = node.type === 'object' && node.properties && node.additionalProperties !== false ? [at] : [];
      return [...own, ...Object.entries(node).flatMap(([k, v]) => walk(v, `${at}/${k}`))];
    };
    expect(walk(JSON.parse(schemaText()), '')).toEqual([]);
  });

  it('documents every field', () => {
    const undocumented: string[] = [];
    const walk = (node: any, at: string) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
        if (!v.description && !(v.type === 'object' && v.properties)) undocumented.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
      if (node.items) walk(node.items, `${at}[]`);
      if (node.additionalProperties && typeof node.additionalProperties === 'object') walk(node.additionalProperties, `${at}.*`);
    };
    walk(JSON.parse(schemaText()), '');
    // toleration fields mirror Kubernetes' own
    expect(undocumented.filter((u) => !u.includes('tolerations'))).toEqual([]);
  });

  it('is referenced by every bundled definition for editor completion', () => {
    const dir = path.join(PROJECT_ROOT, 'instances');
    for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema/instance.schema.json');
    }
  });
});
