// Rewrites of third-party code in the CLI bundle (scripts/build.mjs), each producing exactly what the original
// produces, only faster. Each names the text it replaces; the build fails when that text is gone (a new
// version of the dependency), so a patch never silently stops applying or applies to code it was not written for.
// The library (build/src, used by cdk8s apps) runs the dependencies unchanged.
import { readFileSync } from 'node:fs';

// The generated L1 classes (cdk8s-plus-28's k8s.js, imports/*.ts) drop undefined fields with a reduce that copies the
// object once per field (quadratic, and most of their garbage): a loop builds the same object (same keys, same
// order). None of those files has a __proto__ key, which the loop would treat differently.
const SLOW_FILTER = 'return Object.entries(result).reduce((r, i) => (i[1] === undefined) ? r : ({ ...r, [i[0]]: i[1] }), {});';
const FAST_FILTER = 'const defined$ = {}; for (const k$ of Object.keys(result)) if (result[k$] !== undefined) defined$[k$] = result[k$]; return defined$;';

// cdk8s resolves every value of every object: it walks up the construct tree to the App, then offers the value to
// each resolver in a fresh context holding the value's path. When the App has only its three built-in resolvers,
// none of which reads the path or replaces a string, number or boolean (primitives having no `resolve` or
// `value` property, which those resolvers look at), the same three tests run inline: leaves are kept as they
// are, and neither paths nor contexts are built.
const SLOW_RESOLVE = `function resolve(key, value, apiObject) {
    const resolvers = app_1.App.of(apiObject).resolvers;
    if (value == null) {
        return value;
    }
    // give dibs to the resolvers as they are more specific
    const context = new ResolutionContext(apiObject, key, value);
    for (const resolver of resolvers) {
        resolver.resolve(context);
        if (context.replaced) {
            // stop when the first resolver replaces the value.
            return resolve(key, context.replacedValue, apiObject);
        }
    }
    // array - resolve each element
    if (Array.isArray(value)) {
        return value.map((x, i) => resolve([...key, \`\${i}\`], x, apiObject));
    }
    // dictionrary - resolve leafs
    if (value.constructor == Object) {
        const result = {};
        for (const [k, v] of Object.entries(value)) {
            result[k] = resolve([...key, k], v, apiObject);
        }
        return result;
    }
    return value;
}`;
const FAST_RESOLVE = `function resolve(key, value, apiObject) {
    const resolvers = app_1.App.of(apiObject).resolvers;
    return builtInOnly$(resolvers) ? resolveBuiltIn$(value) : resolvePublished$(key, value, apiObject);
}
function builtInOnly$(resolvers) {
    const only = (r, C) => r.constructor === C && r.resolve === C.prototype.resolve && Object.keys(r).length === 0;
    return resolvers.length === 3 && only(resolvers[0], LazyResolver) && only(resolvers[1], ImplicitTokenResolver) && only(resolvers[2], NumberStringUnionResolver)
        && [''.resolve, (0).resolve, false.resolve, ''.value, (0).value, false.value].every((p) => p === undefined);
}
// LazyResolver, ImplicitTokenResolver and NumberStringUnionResolver in order, the first that replaces wins
function resolveBuiltIn$(value) {
    for (;;) {
        if (value == null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
            return value;
        }
        if (value instanceof lazy_1.Lazy) {
            value = value.produce();
        } else if (typeof (value.resolve) === 'function') {
            value = value.resolve();
        } else if (value.constructor !== Object && NumberStringUnionResolver.TYPES.includes(typeof (value.value))) {
            value = { value: value.value };
        } else {
            break;
        }
    }
    if (Array.isArray(value)) {
        return value.map((x) => resolveBuiltIn$(x));
    }
    if (value.constructor == Object) {
        const result = {};
        for (const [k, v] of Object.entries(value)) {
            result[k] = resolveBuiltIn$(v);
        }
        return result;
    }
    return value;
}
// the published function, for apps with resolvers of their own (its recursive calls come back through resolve)
${SLOW_RESOLVE.replace('function resolve(', 'function resolvePublished$(')}`;

const PATCHES = [
  { name: 'L1 undefined-field filter', files: /(\/cdk8s-plus-28\/lib\/imports\/k8s\.js|\/imports\/[^/]+\.ts)$/, slow: SLOW_FILTER, fast: FAST_FILTER, atLeast: 400, refuse: '__proto__' },
  { name: 'cdk8s resolve', files: /\/cdk8s\/lib\/resolve\.js$/, slow: SLOW_RESOLVE, fast: FAST_RESOLVE, atLeast: 1 },
];

/**
 * The sources use only the `k8s` namespace of cdk8s-plus-28 (its generated L1 classes); its index loads every L2
 * construct too, which the CLI never runs. In the bundle, `cdk8s-plus-28` is a module exporting that namespace
 * alone, the very module the index exports as `k8s`.
 */
const K8S_ONLY = 'cdk8s-plus-28:k8s-only';

/** The esbuild plugin applying PATCHES. */
export const bundlePatches = {
  name: 'bundle-patches',
  setup(build) {
    build.onResolve({ filter: /^cdk8s-plus-28$/ }, (args) => (args.importer.includes('/node_modules/') ? undefined : { path: K8S_ONLY, namespace: 'bundle-patches', pluginData: args.resolveDir }));
    build.onLoad({ filter: /.*/, namespace: 'bundle-patches' }, (args) => ({
      contents: "exports.k8s = require('cdk8s-plus-28/lib/imports/k8s');",
      loader: 'js',
      resolveDir: args.pluginData,
    }));
    const applied = new Map(PATCHES.map((p) => [p, 0]));
    build.onLoad({ filter: new RegExp(PATCHES.map((p) => p.files.source).join('|')) }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      let changed = false;
      for (const p of PATCHES) {
        if (!p.files.test(args.path)) continue;
        const parts = text.split(p.slow);
        if (parts.length === 1) continue;
        if (p.refuse && text.includes(p.refuse)) throw new Error(`${args.path} holds ${p.refuse}: the ${p.name} patch would change its meaning`);
        applied.set(p, applied.get(p) + parts.length - 1);
        text = parts.join(p.fast);
        changed = true;
      }
      return changed ? { contents: text, loader: args.path.endsWith('.ts') ? 'ts' : 'js' } : undefined;
    });
    build.onEnd((result) => {
      if (result.errors.length) return;
      const missing = PATCHES.filter((p) => applied.get(p) < p.atLeast);
      if (missing.length) throw new Error(`bundle patches that no longer apply: ${missing.map((p) => `${p.name} (${applied.get(p)} times)`).join(', ')}; see scripts/bundle-patches.mjs`);
    });
  },
};
