/**
 * The package's command line, `mastodon-cdk8s <command>` (package.json `bin`, bundled into build/cli.js by
 * scripts/build.mjs). Each command's module is loaded only when it runs: `synth` never loads the importer.
 */
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, printable, runCli } from './cli';
import { PROJECT_ROOT } from './paths';

type Run = (argv: string[]) => number;

const PACKAGE = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

export const INIT_USAGE = `Usage: mastodon-cdk8s init DIR

Writes a new admin repository into DIR (which must be empty or not exist): instances/ with one commented
definition, package.json depending on ${PACKAGE.name} at exactly this version, .gitignore, the CI workflow
(.github/workflows/mastodon.yml, run by GitHub and Forgejo Actions), renovate.json and a short README.

Options:
  --help     print this help
  --version  print the version of mastodon-cdk8s

Exit codes: 0 written, 1 DIR cannot be used (nothing is written), 2 wrong command line.
`;

export const USAGE = `Usage: mastodon-cdk8s <command> [options]

Commands:
  init DIR      scaffold an admin repository in DIR
  synth         synthesize instances/*.yaml into dist/ (--check: only say whether dist/ is stale)
  import FILE   write instances/<name>.yaml from the values of a Helm release of the official charts
  diff          Markdown review of what a synthesis changes against the committed dist/ (or --base REV)

\`mastodon-cdk8s <command> --help\` lists a command's options.

Options:
  --help     print this help
  --version  print the version of mastodon-cdk8s
`;

function init(argv: string[]): number {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(INIT_USAGE);
    return 0;
  }
  const unknown = argv.find((a) => a.startsWith('-'));
  if (unknown) throw new UsageError(`unknown option ${unknown} (mastodon-cdk8s init --help lists them)`);
  if (argv.length !== 1) throw new UsageError(argv.length ? `init takes one folder, found ${argv.length}: ${argv.join(' ')}` : 'init needs the folder to write the repository into (mastodon-cdk8s init DIR)');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { initRepository } = require('./init/init') as typeof import('./init/init');
  const dir = path.resolve(argv[0]);
  const written = initRepository(dir, { packageName: PACKAGE.name, version: PACKAGE.version });
  for (const f of written) console.log(`wrote ${path.join(path.relative(process.cwd(), dir) || '.', f)}`);
  console.log(`next: cd ${path.relative(process.cwd(), dir) || '.'} && git init && npm install, edit instances/*.yaml, then npx mastodon-cdk8s synth`);
  return 0;
}

/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => Run> = {
  init: () => init,
  synth: () => (require('./main') as typeof import('./main')).run,
  import: () => (require('./import/main') as typeof import('./import/main')).run,
  diff: () => (require('./report/main') as typeof import('./report/main')).run,
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** `--version` asks for this tool's version, except `import --version X.Y.Z` (the Mastodon version, as before). */
function asksVersion(command: string | undefined, args: string[]): boolean {
  return args.some((a, i) => a === '--version' && (command !== 'import' || i + 1 >= args.length || args[i + 1].startsWith('-')));
}

export function main(argv: string[]): number {
  const [first, ...rest] = argv;
  const command = first && !first.startsWith('-') ? first : undefined;
  const args = command ? rest : argv;
  if (asksVersion(command, args)) {
    console.log(PACKAGE.version);
    return 0;
  }
  if (!command) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write(USAGE);
      return 0;
    }
    process.stderr.write(`usage error: ${args.length ? `unknown option ${printable(args[0])}` : 'a command is needed'}\n\n${USAGE}`);
    return 2;
  }
  const load = COMMANDS[command];
  if (!load) throw new UsageError(`unknown command ${command} (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return load()(args);
}

if (require.main === module) runCli(main);
