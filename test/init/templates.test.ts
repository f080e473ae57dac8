/** What init writes: a repository whose definition synthesizes, whose CI workflow and Renovate config validate. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli';
import { initRepository } from '../../src/init/init';
import { PROJECT_ROOT } from '../../src/paths';
import { synthesize } from '../../src/synth';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'admin-'));
const ACTIONLINT = path.join(PROJECT_ROOT, '.cluster', 'bin', 'actionlint');

describe('init', () => {
  const dir = path.join(tmp(), 'Our Mastodon');
  const files = initRepository(dir, { packageName: 'mastodon-cdk8s', version: '1.2.3' });

  it('writes the repository, dotfiles named as git and forges expect them, the generator pinned exactly', () => {
    expect(files).toEqual(['.github/workflows/mastodon.yml', '.gitignore', 'README.md', 'instances/social.yaml', 'package.json', 'renovate.json']);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'our-mastodon', private: true, devDependencies: { 'mastodon-cdk8s': '1.2.3' }, scripts: { synth: 'mastodon-cdk8s synth' } });
  });

  it('refuses a folder that is not empty, and changes nothing in it', () => {
    expect(() => initRepository(dir, { packageName: 'mastodon-cdk8s', version: '1.2.3' })).toThrow(CliError);
    expect(() => initRepository(dir, { packageName: 'mastodon-cdk8s', version: '1.2.3' })).toThrow(/is not empty \(\.github, \.gitignore, README\.md/);
  });

  it('writes a definition that synthesizes', () => {
    const result = synthesize([path.join(dir, 'instances', 'social.yaml')]);
    expect(result.errors).toEqual([]);
    expect(result.summaries.map((s) => s.name)).toEqual(['social']);
  });

  it('writes a renovate.json that Renovate\'s own schema accepts, with options that exist', () => {
    const schema = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'vendor', 'renovate', 'renovate-schema.json'), 'utf8'));
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'renovate.json'), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    // the schema lets unknown options through: every option used must be one Renovate defines
    const itemKeys = (def: string) => Object.keys(schema.definitions[def].items.allOf[0].properties);
    const known = (keys: string[]) => new Set([...Object.keys(schema.properties), ...keys]);
    const unknown = [
      ...Object.keys(config).filter((k) => k !== '$schema' && !known([]).has(k)),
      ...config.packageRules.flatMap((r: object) => Object.keys(r)).filter((k: string) => !known(itemKeys('packageRules')).has(k)),
      ...config.customManagers.flatMap((r: object) => Object.keys(r)).filter((k: string) => !known(itemKeys('customManagers')).has(k)),
    ];
    expect(unknown).toEqual([]);
    expect(itemKeys('customManagers')).toContain('managerFilePatterns');
    // a misspelt manager is caught
    expect(validate({ ...config, customManagers: [{ ...config.customManagers[0], customType: 'regexp' }] })).toBe(false);
  });

  const hasActionlint = fs.existsSync(ACTIONLINT);
  if (!hasActionlint) console.log(`skipped: no ${path.relative(PROJECT_ROOT, ACTIONLINT)} (bash test/actionlint/build.sh builds it)`);
  it.skipIf(!hasActionlint)('writes a workflow actionlint accepts', () => {
    const r = spawnSync(ACTIONLINT, [path.join(dir, '.github', 'workflows', 'mastodon.yml')], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const broken = path.join(tmp(), 'broken.yml');
    fs.writeFileSync(broken, fs.readFileSync(path.join(dir, '.github', 'workflows', 'mastodon.yml'), 'utf8').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'));
    expect(spawnSync(ACTIONLINT, [broken], { encoding: 'utf8' }).status).not.toBe(0);
  });
});
