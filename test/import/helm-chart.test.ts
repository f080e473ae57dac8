/**
 * The same Mastodon as the chart, checked by the chart itself: every values file of the corpus
 * (test/fixtures/helm/corpus) is rendered by helm from the official chart (../shared/reference/charts) and
 * imported and synthesized here; both outputs become per-process settings (chart-normalise.ts) and every
 * difference must be one the README lists under "What changes when you move from the chart".
 * Needs helm (bash test/helm/build.sh) and ../shared; skips with one line otherwise.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { renameLegacyKeys } from '../../src/import/defaults';
import { runInProcess } from '../cli';
import { synth } from '../helpers';
import { Deliberate, Difference, compare, deliberateDifferences, explained, formatDifference, normalise } from './chart-normalise';

const ROOT = path.join(__dirname, '../..');
const CHARTS = path.join(ROOT, '../shared/reference/charts');
const HELM = path.join(ROOT, '.cluster/bin/helm');
const CORPUS = path.join(ROOT, 'test/fixtures/helm/corpus');
const missing = !fs.existsSync(CHARTS) ? `${CHARTS} is absent` : !fs.existsSync(HELM) ? `${HELM} is absent (bash test/helm/build.sh builds it)` : undefined;
if (missing) console.log(`helm differential test skipped: ${missing}`);

type Json = Record<string, any>;

const releases = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/mastodon-releases.json'), 'utf8'));
const STREAMING_READS = new Set([...Object.keys(releases.reads.streaming), ...Object.entries(releases.reads.runtime).filter(([, r]: [string, any]) => r.process === 'streaming').map(([k]) => k)]);

/** The corpus file's own header: `# import: <arguments>`, `# chart: <folder under ../shared/reference/charts>`, `# helm-defaults: <vendored values of an older chart version>`. */
function header(text: string, key: string): string | undefined {
  return new RegExp(`^# ${key}: (.*)$`, 'm').exec(text)?.[1].trim();
}

/** What helm is given: the values (a HelmRelease's spec.values), keys of older charts under their current names. */
function helmValues(text: string, flavor: 'chart-6' | 'helm-charts-1'): { values: Json; release?: string; namespace?: string } {
  const docs = parseAllDocuments(text.replace(/^(USER-SUPPLIED|COMPUTED) VALUES:$/m, '')).map((d) => d.toJS() as Json).filter(Boolean);
  const hr = docs.find((d) => d.kind === 'HelmRelease');
  const values = hr ? (hr.spec.values ?? {}) : docs[0];
  return { values: renameLegacyKeys(flavor, values).values, release: hr?.spec.releaseName ?? hr?.metadata.name, namespace: hr?.spec.targetNamespace ?? hr?.metadata.namespace };
}

function chartCopy(folder: string, work: string): string {
  const dir = path.join(work, folder);
  if (fs.existsSync(dir)) return dir;
  fs.cpSync(path.join(CHARTS, folder), dir, { recursive: true });
  // the Bitnami subcharts cannot be fetched here: render without them (charts/README.md)
  const chartYaml = path.join(dir, 'Chart.yaml');
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(chartYaml, 0o644);
  fs.writeFileSync(chartYaml, fs.readFileSync(chartYaml, 'utf8').replace(/^dependencies:\n(?:[ \t-].*\n?)*/m, ''));
  fs.rmSync(path.join(dir, 'Chart.lock'), { force: true });
  return dir;
}

const argv = (s: string) => s.split(/\s+/).filter(Boolean);
const arg = (args: string[], name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

describe.skipIf(missing)('imported definitions give each process the settings the chart gives it', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-diff-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  const rows = deliberateDifferences(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
  const used = new Set<Deliberate>();
  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.yaml')).sort();

  it('has a corpus of at least 12 values files, and a README table of deliberate differences', () => {
    expect(files.length).toBeGreaterThanOrEqual(12);
    expect(rows.length).toBeGreaterThan(5);
  });

  for (const file of files) {
    it(file, () => {
      const text = fs.readFileSync(path.join(CORPUS, file), 'utf8');
      const args = argv(header(text, 'import') ?? '');
      const folder = header(text, 'chart');
      if (!folder) throw new Error(`${file}: no "# chart:" header`);
      const flavor = folder.startsWith('mastodon-chart') ? 'chart-6' : 'helm-charts-1';

      // this project: the importer as an admin runs it, then synthesis
      const out = path.join(work, 'instances', `${file}.yaml`);
      // (test/import/helm.test.ts runs the built command line itself)
      const r = runInProcess('import', [path.join(CORPUS, file), ...args, '--out', out, '--force']);
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const definition = parse(fs.readFileSync(out, 'utf8'));
      const here = normalise(synth(definition) as Json[], { prefix: definition.name, streamingReads: STREAMING_READS });

      // the chart: helm template with the same values (and an older chart version's defaults under them)
      const hv = helmValues(text, flavor);
      const release = arg(args, '--release') ?? hv.release ?? 'mastodon';
      const valuesFile = path.join(work, `${file}.helm-values.yaml`);
      fs.writeFileSync(valuesFile, stringify(hv.values));
      const olderDefaults = header(text, 'helm-defaults');
      const h = spawnSync(
        HELM,
        ['template', release, chartCopy(folder, work), '--namespace', arg(args, '--namespace') ?? hv.namespace ?? 'default', ...(olderDefaults ? ['-f', path.join(ROOT, 'vendor/helm-defaults', olderDefaults)] : []), '-f', valuesFile],
        { encoding: 'utf8' },
      );
      expect(h.stderr).toBe('');
      const rendered = parseAllDocuments(h.stdout).map((d) => d.toJS() as Json).filter((o) => o && o.kind);
      const fullname = release.includes('mastodon') ? release : `${release}-mastodon`;
      const chart = normalise(rendered, { prefix: fullname, streamingReads: STREAMING_READS });

      const unexplained: Difference[] = [];
      for (const d of compare(chart, here)) {
        const row = explained(d, rows);
        if (row) used.add(row);
        else unexplained.push(d);
      }
      expect(unexplained.map(formatDifference).join('\n')).toBe('');
    });
  }

  it('lists only differences some values file of the corpus shows', () => {
    expect(rows.filter((r) => !used.has(r)).map((r) => r.text)).toEqual([]);
  });
});
