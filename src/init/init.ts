/**
 * `mastodon-cdk8s init <dir>`: an admin's repository, ready for Flux: one commented definition, this package
 * pinned at the exact version that writes it, CI that checks dist/ and posts the review, Renovate for upgrades.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CliError, describeFsError, displayPath } from '../cli';
import { PROJECT_ROOT } from '../paths';

export const TEMPLATE_DIR = path.join(PROJECT_ROOT, 'templates', 'admin-repo');

/** npm leaves dotfiles out of a package, so the templates keep them without the dot. */
const DOTTED = new Set(['gitignore', 'github']);

export interface InitOptions {
  /** the generator's package name and exact version the repository depends on */
  readonly packageName: string;
  readonly version: string;
}

export function initRepository(dir: string, options: InitOptions): string[] {
  const written: string[] = [];
  try {
    if (fs.existsSync(dir)) {
      if (!fs.statSync(dir).isDirectory()) throw new CliError(`${displayPath(dir)} is a file, expected a folder for the repository`);
      const present = fs.readdirSync(dir).filter((f) => f !== '.git');
      if (present.length) throw new CliError(`${displayPath(dir)} is not empty (${present.slice(0, 5).join(', ')}); init writes a new repository into an empty folder`);
    }
    const copy = (from: string, to: string) => {
      for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
        const target = path.join(to, DOTTED.has(entry.name) ? `.${entry.name}` : entry.name);
        if (entry.isDirectory()) {
          fs.mkdirSync(target, { recursive: true });
          copy(path.join(from, entry.name), target);
        } else {
          fs.writeFileSync(target, fs.readFileSync(path.join(from, entry.name)));
          written.push(path.relative(dir, target).split(path.sep).join('/'));
        }
      }
    };
    fs.mkdirSync(dir, { recursive: true });
    copy(TEMPLATE_DIR, dir);
    const name = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'mastodon';
    const pkg = {
      name,
      private: true,
      description: 'Mastodon on Kubernetes: instance definitions and the YAML mastodon-cdk8s synthesizes from them',
      scripts: { synth: 'mastodon-cdk8s synth', check: 'mastodon-cdk8s synth --check', diff: 'mastodon-cdk8s diff' },
      // exact: the generated YAML changes only when this line does (Renovate proposes it)
      devDependencies: { [options.packageName]: options.version },
    };
    fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
    written.push('package.json');
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(describeFsError(e, `cannot write ${displayPath(dir)}`));
  }
  return written.sort();
}
