/** What the command-line entry points share: exit codes, safe printing, and no stack trace for the user. */
import * as path from 'path';

/** A wrong command line: exit 2 with the message. */
export class UsageError extends Error {}

/** Input or environment the command cannot work with (a folder, a file): exit 1 with the message. */
export class CliError extends Error {}

/** At most this many problems are printed per input file; the rest are counted. */
export const MAX_PROBLEMS_PER_FILE = 25;

/**
 * Control characters, C1 codes and bidirectional overrides in user input are printed as escapes, so an
 * input can neither drive the terminal (ANSI sequences) nor forge a line of its own (a newline).
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A path as the user would write it: relative below the working directory, absolute elsewhere. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

/** What a failed file-system call means for the user, without a stack trace. */
export function describeFsError(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const reason: Record<string, string> = {
    ENOENT: 'does not exist',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'is on a read-only file system',
    EISDIR: 'is a folder, expected a file',
    ENOTDIR: 'a part of the path is a file, expected a folder',
    ELOOP: 'is a symbolic link loop',
    ENOSPC: 'no space left on the device',
    EEXIST: 'already exists',
  };
  return `${what}: ${code && reason[code] ? reason[code] : (e as Error)?.message ?? String(e)}`;
}

/** Runs `run` as the process: its return is the exit code; usage errors exit 2, CLI errors 1, anything else 3. */
export function runCli(run: (argv: string[]) => number): void {
  process.exitCode = exitCode(run, process.argv.slice(2));
}

/** The exit code of `run` on argv, with the error line (never a stack trace, unless DEBUG) printed as the process prints it. */
export function exitCode(run: (argv: string[]) => number, argv: string[]): number {
  try {
    return run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(printable(`usage error: ${e.message}`));
      return 2;
    } else if (e instanceof CliError) {
      console.error(printable(`error: ${e.message}`));
      return 1;
    } else {
      console.error(printable(`internal error: ${(e as Error).message}`) + (process.env.DEBUG ? `\n${(e as Error).stack}` : ' (set DEBUG=1 for a stack trace)'));
      return 3;
    }
  }
}
