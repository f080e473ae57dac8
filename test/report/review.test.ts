import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readTree, writeDist } from '../../src/output/write';
import { reviewInstance } from '../../src/report/review';
import { synthesize } from '../../src/synth';
import { definition } from '../helpers';

/** The review of a change to a committed instance (before: synthesized and written; after: synthesized against it). */
function review(before: object, after: object): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'review-'));
  const file = path.join(dir, 'test.yaml');
  const out = path.join(dir, 'dist');
  fs.writeFileSync(file, stringify(definition(before)));
  const first = synthesize([file], undefined, { outDir: out });
  writeDist(out, first.rendered, { removeOthers: true });
  fs.writeFileSync(file, stringify(definition(after)));
  const second = synthesize([file], undefined, { outDir: out });
  expect(second.errors).toEqual([]);
  return reviewInstance('test', { files: readTree(path.join(out, 'test')), model: first.summaries[0].model }, { rendered: second.rendered[0], model: second.summaries[0].model, warnings: second.warnings });
}

describe('the review of a pull request', () => {
  it('a patch release: the release, the new migration Jobs in order, the image of every process, nothing else', () => {
    const text = review({ version: '4.5.6' }, { version: '4.5.7' });
    expect(text).toMatch(/\*\*Mastodon v4\.5\.6 → v4\.5\.7\*\*/);
    expect(text).toMatch(/1\. `test-db-migrate-pre-4-5-7` \(before the rollout\): `bundle exec rails db:migrate`[\s\S]*2\. `test-db-migrate-post-4-5-7` \(after the rollout\): `bundle exec rails db:migrate`/);
    const changes = text.slice(text.indexOf('### What changes'), text.indexOf('Database connections'));
    const lines = changes.split('\n').filter((l) => l.startsWith('  - '));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    for (const l of lines) expect(l).toMatch(/image ghcr\.io\/mastodon\/mastodon(-streaming)?:v4\.5\.6 → ghcr\.io\/mastodon\/mastodon(-streaming)?:v4\.5\.7$/);
    expect(text).not.toMatch(/Objects created|Objects deleted/);
    expect(text).toMatch(/Database connections, worst case: 58\/100 \(server\) → 58\/100 \(server\)/);
  });

  it('says what a sizing change does: replicas and autoscaling, resources, environment, objects created', () => {
    const text = review({}, { web: { maxReplicas: 4, resources: { cpu: '1', memory: '2Gi', memoryLimit: '3Gi' } }, env: { DEFAULT_LOCALE: 'de' } });
    expect(text).toMatch(/\*\*Deployment\/test-web\*\*\n  - 2 replica\(s\) → 2–4 replicas \(CPU\)/);
    expect(text).toMatch(/container `web`: cpu request 500m, .*memory request 1Gi, .* → cpu request 1, .*memory request 2Gi, .*memory limit 3Gi/);
    expect(text).toMatch(/environment of every process: \+ `DEFAULT_LOCALE` = "de"/);
    expect(text).toMatch(/### Objects created\n\n- HorizontalPodAutoscaler\/test-web/);
    expect(text).toMatch(/Database connections, worst case: 58\/100 \(server\) → 78\/100 \(server\)/);
    expect(text).not.toMatch(/Jobs that will run/);
  });

  it('draws the topology', () => {
    const text = review({}, {});
    expect(text).toMatch(/No change in behaviour\./);
    expect(text).toMatch(/```mermaid\nflowchart LR\n[\s\S]*sidekiq_all\["sidekiq all ×1<br\/>default, push, ingress, mailers, pull, scheduler, fasp<br\/>10 threads"\] --> db/);
  });
});
