import { describe, expect, it } from 'vitest';
import { KubeObject } from '../../src/output/schema-gate';
import { definition, synth } from '../helpers';

const flux = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'Kustomization') as any[];

describe('Flux pipeline', () => {
  const ks = flux(synth(definition()));

  it('applies the stages in order, each waiting for the previous one', () => {
    expect(ks.map((k) => [k.metadata.name, k.spec.path, k.spec.dependsOn?.[0]?.name])).toEqual([
      ['test-base', './dist/test/00-base', undefined],
      ['test-pre-deploy', './dist/test/10-pre-deploy', 'test-base'],
      ['test-app', './dist/test/20-app', 'test-pre-deploy'],
      ['test-post-deploy', './dist/test/30-post-deploy', 'test-app'],
    ]);
    for (const k of ks) expect(k.spec).toMatchObject({ wait: true, prune: true, sourceRef: { kind: 'GitRepository', name: 'manifests', namespace: 'flux-system' } });
  });

  it('forces Job stages and gives migrations a long timeout', () => {
    const byName = Object.fromEntries(ks.map((k) => [k.metadata.name, k.spec]));
    expect(byName['test-pre-deploy']).toMatchObject({ force: true, timeout: '60m' });
    expect(byName['test-post-deploy']).toMatchObject({ force: true, timeout: '60m' });
    expect(byName['test-app'].force).toBeUndefined();
    expect(byName['test-app'].timeout).toBe('15m');
  });

  it('follows the source and path the definition names', () => {
    const k = flux(synth(definition({ flux: { sourceKind: 'OCIRepository', sourceName: 'oci', path: './clusters/a/test/' } })));
    expect(k[0].spec.sourceRef).toMatchObject({ kind: 'OCIRepository', name: 'oci' });
    expect(k[0].spec.path).toBe('./clusters/a/test/00-base');
  });

  it('emits no Flux objects without a flux section', () => {
    expect(flux(synth(definition({ flux: undefined })))).toEqual([]);
  });
});
