/** Every test file may run the CLI (build/cli.js) or load the prebuilt validators: build once, when stale. */
import { execFileSync } from 'child_process';
import * as path from 'path';

export default function setup(): void {
  execFileSync(process.execPath, [path.join(__dirname, '..', 'scripts', 'build.mjs')], { stdio: 'inherit' });
}
