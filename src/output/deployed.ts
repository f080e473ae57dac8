/** What a committed instance folder deploys: the release on its web Deployment's version label. */
import * as fs from 'fs';
import * as path from 'path';
import { STAGE_DIRS } from '../../charts/instance';
import { UPGRADE_FROM_ANNOTATION } from '../constructs/migrations';

export function deployedVersion(outDir: string, instance: string): string | undefined {
  try {
    const text = fs.readFileSync(path.join(outDir, instance, STAGE_DIRS.app, `deployment-${instance}-web.yaml`), 'utf8');
    // the first label block is the Deployment's own
    return /^ {4}app\.kubernetes\.io\/version: "?v?([0-9]+\.[0-9]+\.[0-9]+)"?$/m.exec(text)?.[1];
  } catch {
    return undefined;
  }
}

/**
 * The source of the upgrade the committed output of `version` runs, when it recorded one (an upgrade whose source
 * was read from an earlier output): a second synthesis of the same version must repeat that upgrade, not turn
 * into a fresh install.
 */
export function deployedUpgradeFrom(outDir: string, instance: string, version: string): string | undefined {
  try {
    const file = path.join(outDir, instance, STAGE_DIRS.preDeploy, `job-${instance}-db-migrate-pre-${version.replace(/\./g, '-')}.yaml`);
    const key = UPGRADE_FROM_ANNOTATION.replace(/[./]/g, (c) => `\\${c}`);
    return new RegExp(`^ {4}${key}: "?([0-9]+\\.[0-9]+\\.[0-9]+)"?$`, 'm').exec(fs.readFileSync(file, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
