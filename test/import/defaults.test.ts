import { createHash } from 'crypto';
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RENAMES, chartDefaults, coalesce, compareVersions, renameLegacyKeys } from '../../src/import/defaults';

const DIR = path.join(__dirname, '../../vendor/helm-defaults');
const lookup = (v: unknown, p: string) => p.split('.').reduce<any>((n, k) => (n && typeof n === 'object' ? n[k] : undefined), v);

describe('the charts\' vendored defaults', () => {
  it('are unchanged copies of the recorded files, each listed in SOURCES.md, every chart version pointing at one', () => {
    const sums = fs.readFileSync(path.join(DIR, 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
    const sources = fs.readFileSync(path.join(DIR, 'SOURCES.md'), 'utf8');
    for (const [sum, file] of sums) {
      expect(createHash('sha256').update(fs.readFileSync(path.join(DIR, file))).digest('hex'), file).toBe(sum);
      expect(sources).toContain(file.replace(/^\.\//, ''));
    }
    const index = JSON.parse(fs.readFileSync(path.join(DIR, 'versions.json'), 'utf8'));
    const files = new Set(sums.map(([, f]) => f.replace(/^\.\//, '')));
    for (const repo of ['mastodon/chart', 'mastodon/helm-charts']) for (const [v, e] of Object.entries<any>(index[repo])) expect(files.has(e.values), `${repo} ${v}`).toBe(true);
  });

  it('are picked by chart version: exact, as helm list prints it, or a range of the forms Flux takes', () => {
    expect(chartDefaults('chart-6').version).toBe('6.9.3');
    expect(chartDefaults('chart-6', 'mastodon-6.3.1')).toMatchObject({ version: '6.3.1', appVersion: '4.3.7' });
    expect(chartDefaults('chart-6', '6.5.x').version).toBe('6.5.8');
    expect(chartDefaults('chart-6', '~6.2.0').version).toBe('6.2.4');
    expect(chartDefaults('chart-6', '^5.0.0').version).toBe('5.5.3');
    expect(chartDefaults('helm-charts-1', '>=1.0.0')).toMatchObject({ version: '1.0.2', appVersion: '4.6.2' });
    expect(() => chartDefaults('chart-6', '7.0.0')).toThrow(/4\.0\.0 to 6\.9\.3/);
    // the chart's own values, as Helm reads them
    expect(lookup(chartDefaults('chart-6', '6.9.3').values, 'ingress.enabled')).toBe(true);
    expect(lookup(chartDefaults('chart-6', '6.3.1').values, 'mastodon.locale')).toBe('en');
    expect(lookup(chartDefaults('chart-6', '6.3.2').values, 'mastodon.locale')).toBeNull();
  });
});

describe('Helm\'s merge of values over the chart\'s', () => {
  it('merges maps key by key, replaces lists and other values, and deletes a default the values set to null', () => {
    const defaults = { a: { b: 1, c: [1, 2], d: { e: 'x' } }, f: 'keep', g: { h: 1 }, i: 'drop' };
    expect(coalesce(defaults, { a: { b: 2, c: [3] }, g: 'scalar', i: null, j: 'new' })).toEqual({ a: { b: 2, c: [3], d: { e: 'x' } }, f: 'keep', g: 'scalar', j: 'new' });
    expect(coalesce(defaults, { a: { d: null } })).toEqual({ a: { b: 1, c: [1, 2] }, f: 'keep', g: { h: 1 }, i: 'drop' });
  });
});

describe('keys the chart renamed over its history', () => {
  const at = (version: string) => chartDefaults('chart-6', version).values;
  it('name keys the current chart no longer has, read under names it has (checked against the vendored values.yaml)', () => {
    const current = at('6.9.3');
    for (const r of RENAMES['chart-6']) {
      expect(lookup(current, r.from), r.from).toBeUndefined();
      for (const to of r.to) expect(lookup(current, to.split('.').slice(0, -1).join('.')), to).toBeDefined();
    }
    // a rename within the vendored versions: 5.4.0 added the key that replaced it in its templates
    expect(lookup(at('5.3.3'), 'mastodon.web.annotations')).toBeUndefined();
    expect(lookup(at('5.4.0'), 'mastodon.web.annotations')).toEqual({});
    expect(RENAMES['chart-6'].every((r) => compareVersions(r.until, '6.9.3') < 0)).toBe(true);
  });

  it('move old keys to the new names unless the chart version given no longer read them; a new name set too wins', () => {
    const values = { replicaCount: 2, mastodon: { web: { replicas: 4 }, smtp: { enable_starttls_auto: false } } };
    const unknown = renameLegacyKeys('chart-6', values);
    expect(unknown.values).toEqual({ mastodon: { web: { replicas: 4 }, streaming: { replicas: 2 }, smtp: { enable_starttls: 'never' } } });
    expect(unknown.renamed.map((r) => r.from)).toEqual(['replicaCount', 'mastodon.smtp.enable_starttls_auto']);
    const newer = renameLegacyKeys('chart-6', values, '6.9.3');
    expect(newer.values).toEqual({ mastodon: { web: { replicas: 4 }, smtp: {} } });
    expect(newer.ignored.map((r) => r.from)).toEqual(['replicaCount', 'mastodon.smtp.enable_starttls_auto']);
  });
});

it('the older chart defaults the differential corpus names are vendored', () => {
  const corpus = path.join(__dirname, '../fixtures/helm/corpus');
  for (const f of fs.readdirSync(corpus)) {
    const older = /^# helm-defaults: (.*)$/m.exec(fs.readFileSync(path.join(corpus, f), 'utf8'))?.[1];
    if (older) expect(parse(fs.readFileSync(path.join(DIR, older), 'utf8'), { uniqueKeys: false })).toBeTypeOf('object');
  }
});
