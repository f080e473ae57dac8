/** What the two command-line entry points share: exit codes, and no stack trace for the user. */

/** A wrong command line: exit 2 with the message. */
export class UsageError extends Error {}

/** Runs `run` as the process: its return is the exit code; usage errors exit 2, anything else 3. */
export function runCli(run: (argv: string[]) => number): void {
  try {
    process.exitCode = run(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`usage error: ${e.message}`);
      process.exitCode = 2;
    } else {
      console.error(`internal error: ${(e as Error).message}${process.env.DEBUG ? `\n${(e as Error).stack}` : ' (set DEBUG=1 for a stack trace)'}`);
      process.exitCode = 3;
    }
  }
}
