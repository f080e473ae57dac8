/**
 * The flow matrix of every bundled instance (test/netpol/bundled.ts), answered by an upstream
 * NetworkPolicy evaluator: the matcher of cyclonus (github.com/mattfenwick/cyclonus, the code SIG
 * Network's policy-assistant grew from), driven by test/cluster/netpol/main.go. It checks both the
 * expected verdicts and that the unit suite's evaluator (test/netpol/flows.ts) answers as upstream does.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { BUNDLED, PRESENT, MatrixRow, committedObjects, egressMatrix, ingressMatrix } from '../netpol/bundled';
import { Flow, destinations, evaluate, podsOf } from '../netpol/flows';
import { BIN } from './harness';
import { InstanceModel } from '../../src/model/model';

const EVALUATOR = path.join(BIN, 'netpol');
const missing = fs.existsSync(EVALUATOR) ? undefined : `missing ${EVALUATOR} (run npm run test:cluster, which builds it)`;
if (missing) console.log(`NetworkPolicy evaluator tests skipped: ${missing}`);

const asPeer = (p: Flow['from']) => (p.namespace ? { namespace: p.namespace, namespaceLabels: { 'kubernetes.io/metadata.name': p.namespace }, podLabels: p.podLabels ?? {}, ip: p.ip } : { ip: p.ip });

function upstream(policies: unknown[], flows: readonly Flow[]): { egress: boolean; ingress: boolean }[] {
  const input = JSON.stringify({ policies, flows: flows.map((f) => ({ from: asPeer(f.from), to: asPeer(f.to), port: f.port, protocol: f.protocol })) });
  const r = spawnSync(EVALUATOR, [], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  if (r.status !== 0) throw new Error(`netpol evaluator failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

describe.skipIf(missing !== undefined).each(PRESENT)('the upstream evaluator on %s', (name) => {
  const exp = BUNDLED[name];
  const objects = committedObjects(name);
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const pods = podsOf(objects);
  const rows: MatrixRow[] = [...egressMatrix(pods, destinations({ name, namespace: exp.namespace } as InstanceModel), exp), ...ingressMatrix(pods, exp)];

  it('gives every flow of the matrix its expected verdict, as the unit suite\'s evaluator does', () => {
    const flows = rows.map((r) => r.flow);
    const theirs = upstream(policies, flows);
    const ours = evaluate(policies, flows);
    const wrong = rows.flatMap((r, i) => {
      const got = r.expected.ingress === undefined ? { egress: theirs[i].egress } : theirs[i];
      return JSON.stringify(got) === JSON.stringify(r.expected) ? [] : [`${r.label}: expected ${JSON.stringify(r.expected)}, upstream ${JSON.stringify(got)}`];
    });
    const disagree = rows.flatMap((r, i) => (JSON.stringify(theirs[i]) === JSON.stringify(ours[i]) ? [] : [`${r.label}: upstream ${JSON.stringify(theirs[i])}, ours ${JSON.stringify(ours[i])}`]));
    expect(rows.length).toBeGreaterThan(500);
    expect({ wrong, disagree }).toEqual({ wrong: [], disagree: [] });
  });
});
