/**
 * A command in this process: `mastodon-cdk8s synth|import ARGS` as src/bin.ts runs it (the command's module, the
 * exit code and the error lines of runCli), with what it prints captured. (bin.ts loads the command modules with
 * require(), which cannot load the TypeScript sources here; it is run by the tests of build/cli.js.) For tests where a child process adds nothing: starting the
 * built CLI costs a Node start-up and a cold JIT each time. test/dist.test.ts and test/import/helm.test.ts still run
 * build/cli.js itself for what only a process shows (exit status, environment, no stack trace).
 */
import { vi } from 'vitest';
import { exitCode } from '../src/cli';
import { run as importCommand } from '../src/import/main';
import { run as synthCommand } from '../src/main';

const COMMANDS = { synth: synthCommand, import: importCommand };

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runInProcess(command: keyof typeof COMMANDS, args: string[], options: { cwd?: string } = {}): CliRun {
  const out: string[] = [];
  const err: string[] = [];
  const line = (to: string[]) => (...a: unknown[]) => void to.push(`${a.join(' ')}\n`);
  const write = (to: string[]) => (chunk: string | Uint8Array) => (to.push(String(chunk)), true);
  const spies = [
    vi.spyOn(console, 'log').mockImplementation(line(out)),
    vi.spyOn(console, 'error').mockImplementation(line(err)),
    vi.spyOn(process.stdout, 'write').mockImplementation(write(out) as typeof process.stdout.write),
    vi.spyOn(process.stderr, 'write').mockImplementation(write(err) as typeof process.stderr.write),
  ];
  const cwd = process.cwd();
  try {
    if (options.cwd) process.chdir(options.cwd);
    return { status: exitCode(COMMANDS[command], args), stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.chdir(cwd);
    for (const s of spies) s.mockRestore();
  }
}
