/**
 * The CLI bundle runs cdk8s and the generated L1 classes with the rewrites of scripts/bundle-patches.mjs: the same
 * objects must come out as from the code as published, for every kind of value cdk8s resolves (Lazy values,
 * implicit tokens, number-or-string unions, nulls, undefined fields) and with resolvers of an app's own.
 */
import * as path from 'path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths';

const ENTRY = `
import { ApiObject, App, Chart, Lazy } from 'cdk8s';
import { SealedSecret } from './imports/sealed-secrets-bitnami.com';
class Union { constructor(value) { this.value = value; } }
export function synth(custom) {
  const app = new App({ resolvers: custom ? [{ resolve: (c) => { if (c.value === 'str') c.replaceValue('STR'); } }] : undefined });
  const chart = new Chart(app, 'c', { namespace: 'ns' });
  new ApiObject(chart, 'plain', {
    apiVersion: 'v1', kind: 'Thing',
    spec: {
      s: 'str', n: 1, zero: 0, b: false, empty: '', nul: null, u: undefined,
      list: ['str', 2, true, null, Lazy.any({ produce: () => 'lazy' }), { resolve: () => 'token' }, [['str']], {}],
      lazy: Lazy.any({ produce: () => ({ nested: Lazy.any({ produce: () => [3, 'str'] }) }) }),
      unions: [new Union('100m'), new Union(2)],
      implicit: { resolve: () => ({ deep: ['str', { resolve: () => 7 }] }) },
      obj: { a: { b: [{ c: 'str', d: undefined }] } },
      plainValue: { value: 'str' },
      chained: { resolve: () => Lazy.any({ produce: () => new Union('1Gi') }) },
    },
  });
  new SealedSecret(chart, 'sealed', { metadata: { labels: { a: 'str' } }, spec: { encryptedData: { key: 'str' }, template: { type: undefined, metadata: { name: 'n', namespace: undefined }, data: {} } } });
  return chart.toJson();
}`;

async function load(patched: boolean): Promise<{ code: string; synth: (custom: boolean) => unknown }> {
  const { bundlePatches } = (await import(path.join(PROJECT_ROOT, 'scripts', 'bundle-patches.mjs'))) as { bundlePatches: import('esbuild').Plugin };
  const out = await build({
    stdin: { contents: ENTRY, resolveDir: PROJECT_ROOT, loader: 'js' },
    bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent',
    plugins: patched ? [{ ...bundlePatches, setup: (b) => bundlePatches.setup({ ...b, onEnd: () => undefined }) }] : [],
  });
  const code = out.outputFiles[0].text;
  const module = { exports: {} as { synth: (custom: boolean) => unknown } };
  new Function('module', 'exports', 'require', code)(module, module.exports, require);
  return { code, synth: module.exports.synth };
}

describe('bundle patches', () => {
  it('synthesize the same objects as cdk8s and the generated classes as published, with and without resolvers of an app', async () => {
    const [original, patched] = await Promise.all([load(false), load(true)]);
    // the patches did apply: otherwise the comparison would compare the published code with itself
    expect(patched.code).toContain('resolveBuiltIn$');
    expect(patched.code).toContain('defined$');
    expect(original.code).not.toContain('resolveBuiltIn$');
    for (const custom of [false, true]) expect(patched.synth(custom)).toEqual(original.synth(custom));
    expect(JSON.stringify(patched.synth(true))).toBe(JSON.stringify(original.synth(true)));
    expect(JSON.stringify(patched.synth(false))).toBe(JSON.stringify(original.synth(false)));
    // the custom resolver ran in both: the fast path is only taken with the built-in resolvers
    expect(JSON.stringify(patched.synth(true))).toContain('STR');
  });
});
