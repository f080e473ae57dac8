/** What a committed instance folder deploys: the release on its web Deployment's version label. */
import * as fs from 'fs';
import * as path from 'path';
import { STAGE_DIRS } from '../../charts/instance';

export function deployedVersion(outDir: string, instance: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(outDir, instance, STAGE_DIRS.app, `deployment-${instance}-web.yaml`), 'utf8');
    // the first label block is the Deployment's own
    return /^ {4}app\.kubernetes\.io\/version: "?v?([0-9]+\.[0-9]+\.[0-9]+)"?$/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}
