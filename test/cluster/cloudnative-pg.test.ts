/**
 * The CloudNativePG test instance (test/fixtures/instances/cnpg.yaml) on the suite's real API server
 * with the vendored CRDs installed: every object created server-side, so the CRDs' OpenAPI schemas
 * and CEL rules judge the Cluster, Pooler and ScheduledBackup. No operator runs here (its Go module
 * is refused by the module proxy): the objects are checked, not reconciled.
 */
import fs from 'fs';
import path from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDefinition } from '../../src/definition/load';
import { buildModel } from '../../src/model/model';
import { renderInstance } from '../../src/output/render';
import { Cluster, ROOT, missingComponents } from './harness';

const FIXTURE = path.join(ROOT, 'test/fixtures/instances/cnpg.yaml');
const FIELD_MANAGER = 'mastodon-cluster-test';

const missing = missingComponents();
if (missing) console.log(`cluster tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('a CloudNativePG instance on a real API server', () => {
  let cluster: Cluster;
  const rendered = renderInstance(buildModel(parseDefinition(fs.readFileSync(FIXTURE, 'utf8'), FIXTURE).instance), 'test/fixtures/instances/cnpg.yaml');
  const objects = rendered.objects.map((o) => o.object);
  const cnpg = objects.filter((o) => o.apiVersion === 'postgresql.cnpg.io/v1');
  const apply = (items: object[]) => cluster.kubectl(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));

  beforeAll(async () => {
    cluster = await Cluster.start();
    cluster.k(['apply', '--server-side', '-f', path.join(ROOT, 'vendor/crds'), '--recursive']);
    cluster.k(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    cluster.k(['create', 'namespace', 'monitoring']);
  }, 240_000);

  afterAll(() => cluster?.stop());

  it('emits a Cluster, a Pooler and a ScheduledBackup', () => {
    expect(cnpg.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual(['Cluster/cnpg-postgres', 'Pooler/cnpg-postgres-pooler', 'ScheduledBackup/cnpg-postgres-backup']);
  });

  it('creates every object of every stage server-side, and a second apply changes nothing', () => {
    const first = apply(objects);
    expect({ status: first.status, stderr: first.stderr }).toEqual({ status: 0, stderr: '' });
    for (const o of cnpg) {
      const stored = cluster.json(['get', `${o.kind.toLowerCase()}.postgresql.cnpg.io`, o.metadata!.name!, '-n', 'cnpg']);
      // what was sent is what is stored (defaults added by the CRD aside)
      expect(stored.spec).toMatchObject(o.spec as object);
    }
    const diff = cluster.kubectl(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: cnpg }));
    expect({ status: diff.status, diff: diff.stdout }).toEqual({ status: 0, diff: '' });
  });

  it('is judged by the CRDs: a CEL rule and the schema refuse what CloudNativePG cannot run', () => {
    const cluster0 = cnpg.find((o) => o.kind === 'Cluster') as any;
    // imageName and imageCatalogRef are mutually exclusive (a CEL rule of the Cluster CRD)
    const both = { ...cluster0, metadata: { ...cluster0.metadata, name: 'cel-check' }, spec: { ...cluster0.spec, imageCatalogRef: { apiGroup: 'postgresql.cnpg.io', kind: 'ImageCatalog', name: 'postgres', major: 17 } } };
    const refused = apply([both]);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('imageName and imageCatalogRef are mutually exclusive');
    const pooler0 = cnpg.find((o) => o.kind === 'Pooler') as any;
    const statement = { ...pooler0, metadata: { ...pooler0.metadata, name: 'enum-check' }, spec: { ...pooler0.spec, pgbouncer: { ...pooler0.spec.pgbouncer, poolMode: 'statement' } } };
    const refusedMode = apply([statement]);
    expect(refusedMode.status).not.toBe(0);
    expect(refusedMode.stderr).toMatch(/poolMode: Unsupported value: "statement"/);
  });
});
