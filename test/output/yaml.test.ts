import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toYaml } from '../../src/output/yaml';
import { definition, synth } from '../helpers';

describe('YAML writer', () => {
  it('round-trips strings a YAML reader could take for something else', () => {
    const tricky = ['yes', 'No', 'on', 'OFF', 'y', 'null', '~', '1', '0.5', '1e3', '0x1F', '010', '', ' x', 'x ', 'a: b', 'a #b', '- x', '*x', '&x', '!x', '%x', '@x', '`x', '{x}', '[x]', '"x"', "'x'", 'x\ty', 'é', '5m', '25%', '-C', 'true', '2024-01-01', '$(REDIS_PASSWORD)', 'rediss://:$(P)@h:1', 'line1\nline2\n', 'no trailing\nnewline', 'trailing\n\n', ' leading\nspace', 'tab\there\n'];
    const value = { list: tricky, map: Object.fromEntries(tricky.filter(Boolean).map((t, i) => [t, i])), n: 3, f: 0.5, t: true, nil: null, empty: [], obj: {} };
    expect(parse(toYaml(value))).toEqual(value);
    expect(parse(toYaml(value), { version: '1.1' })).toEqual(value);
  });

  it('writes every synthesized object so that it reads back identically', () => {
    for (const o of synth(definition({ redis: { main: { external: undefined, redisOperator: {} } }, metrics: { prometheus: true, alerts: true, serviceMonitors: true } }))) {
      expect(parse(toYaml(o), { version: '1.1' })).toEqual(o);
    }
  });

  it('begins a collection that is a list item on the dash line, at every depth', () => {
    const value = { a: [[1, [2, []], {}], [{ b: [{}, [], { c: { d: [[[]]] } }] }]], e: { f: undefined, g: {} }, h: [[{ x: 'l1\nl2\n', w: [['z']] }]] };
    expect(toYaml(value)).toBe(
      ['a:', '  - - 1', '    - - 2', '      - []', '    - {}', '  - - b:', '        - {}', '        - []', '        - c:', '            d:', '              - - []', 'e:', '  g: {}', 'h:', '  - - x: |', '        l1', '        l2', '      w:', '        - - z', ''].join('\n'),
    );
    expect(parse(toYaml(value))).toEqual(JSON.parse(JSON.stringify(value)));
    expect(() => toYaml({ list: [{ only: undefined }] })).toThrow(/list item whose fields are all undefined/);
  });

  it('writes multi-line strings as literal blocks for readable diffs', () => {
    expect(toYaml({ conf: 'a 1\nb 2\n' })).toBe('conf: |\n  a 1\n  b 2\n');
  });
});
