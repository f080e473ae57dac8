/** The running version comes from the committed output: a one-line version bump is a complete, safe upgrade. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { deployedVersion } from '../../src/output/deployed';
import { writeDist } from '../../src/output/write';
import { synthesize } from '../../src/synth';
import { definition } from '../helpers';

function setUp(version: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployed-'));
  const file = path.join(dir, 'test.yaml');
  const out = path.join(dir, 'dist');
  const synth = (patch: object) => {
    fs.writeFileSync(file, stringify(definition(patch)));
    return synthesize([file], undefined, { outDir: out });
  };
  const first = synth({ version });
  expect(first.errors).toEqual([]);
  writeDist(out, first.rendered, { removeOthers: true });
  return { out, synth };
}
const preDeploy = (r: ReturnType<typeof synthesize>) => {
  const job: any = r.rendered[0].objects.find((o) => o.object.kind === 'Job' && o.file.startsWith('10-pre-deploy/'))!.object;
  return { name: job.metadata.name, args: job.spec.template.spec.containers[0].args.join(' ') };
};

describe('upgrades derived from what is deployed', () => {
  it('reads the version the committed output deploys', () => {
    const { out } = setUp('4.5.6');
    expect(deployedVersion(out, 'test')).toBe('4.5.6');
    expect(deployedVersion(out, 'other')).toBeUndefined();
  });

  it('a version bump alone migrates (db:migrate), never prepares, without upgrade.from', () => {
    const { synth } = setUp('4.5.6');
    const bumped = synth({ version: '4.5.7' });
    expect(bumped.errors).toEqual([]);
    expect(preDeploy(bumped)).toEqual({ name: 'test-db-migrate-pre-4-5-7', args: expect.stringContaining('db:migrate') });
    expect(preDeploy(bumped).args).not.toContain('db:prepare');
  });

  it('a second synthesis of a bumped version repeats the same upgrade (recorded on its Job), so synth --check after synth passes', () => {
    const { out, synth } = setUp('4.5.6');
    const bumped = synth({ version: '4.5.7' });
    writeDist(out, bumped.rendered, { removeOthers: true });
    const again = synth({ version: '4.5.7' });
    expect(again.errors).toEqual([]);
    expect(preDeploy(again).args).toContain('db:migrate');
    const texts = (r: ReturnType<typeof synthesize>) => [...r.rendered[0].files.entries()];
    expect(texts(again)).toEqual(texts(bumped));
    const job: any = again.rendered[0].objects.find((o) => o.file.startsWith('10-pre-deploy/job-'))!.object;
    expect(job.metadata.annotations['mastodon-cdk8s/upgrade-from']).toBe('4.5.6');
  });

  it('a fresh install (no committed output, no upgrade.from) prepares the database', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fresh-'));
    fs.writeFileSync(path.join(dir, 'test.yaml'), stringify(definition()));
    expect(preDeploy(synthesize([path.join(dir, 'test.yaml')], undefined, { outDir: path.join(dir, 'dist') })).args).toContain('db:prepare');
  });

  it('applies the upgrade-path checks to the derived version', () => {
    expect(setUp('4.5.6').synth({ version: '4.5.5' }).errors).toEqual([expect.stringMatching(/upgrade\.from: downgrades are not supported: running 4\.5\.6, target 4\.5\.5/)]);
    expect(setUp('4.4.5').synth({ version: '4.6.6' }).errors).toEqual([expect.stringMatching(/cannot upgrade from 4\.4\.5 to 4\.6\.6 without downtime: it skips 1 minor series/)]);
  });

  it('refuses an upgrade.from that disagrees with what is deployed, and keeps one left from the last upgrade', () => {
    const { synth } = setUp('4.5.6');
    expect(synth({ version: '4.5.7', upgrade: { from: '4.4.5' } }).errors).toEqual([expect.stringMatching(/the committed output deploys 4\.5\.6, but upgrade\.from says 4\.4\.5/)]);
    expect(synth({ version: '4.5.7', upgrade: { from: '4.5.6' } }).errors).toEqual([]);
    // merged and committed: the same definition synthesizes the same output
    expect(synth({ version: '4.5.6', upgrade: { from: '4.4.5' } }).errors).toEqual([]);
  });

  it('goes back to the release a restored backup runs when upgrade.from says so, and says what it does', () => {
    const { synth } = setUp('4.6.6');
    expect(synth({ version: '4.5.6' }).errors).toEqual([expect.stringMatching(/downgrades are not supported/)]);
    const back = synth({ version: '4.5.6', upgrade: { from: '4.5.6' } });
    expect(back.errors).toEqual([]);
    expect(back.warnings).toEqual([expect.stringMatching(/the committed output deploys 4\.6\.6; upgrade\.from says the database runs 4\.5\.6 \(restored from a backup\)/)]);
  });
});
