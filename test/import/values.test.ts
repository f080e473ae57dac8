import fs from 'fs';
import path from 'path';
import { describe, expect, it } from 'vitest';
import { ImportError, importHelmValues } from '../../src/import/helm';
import { readValue } from '../../src/import/values';
import { VENDOR_DIR } from '../../src/paths';

const versions = JSON.parse(fs.readFileSync(path.join(VENDOR_DIR, 'helm-defaults', 'versions.json'), 'utf8'));
const base6 = { mastodon: { local_domain: 'a.example', secrets: { existingSecret: 'core' } }, postgresql: { enabled: false, postgresqlHostname: 'db', auth: { existingSecret: 'db' } }, redis: { enabled: false, hostname: 'redis' }, elasticsearch: { enabled: false } };
const base1 = { mastodon: { localDomain: 'a.example', secrets: { existingSecret: 'core' } }, postgresql: { hostname: 'db', existingSecret: 'db' }, redis: { hostname: 'redis', existingSecret: 'redis' } };

describe('the typed view of the chart values', () => {
  it('reads the defaults of every chart version the importer knows', () => {
    for (const [flavor, chart, values] of [['chart-6', 'mastodon/chart', base6], ['helm-charts-1', 'mastodon/helm-charts', base1]] as const) {
      for (const version of Object.keys(versions[chart])) {
        expect(() => importHelmValues(values, { flavor, chartVersion: version, version: '4.5.6' }), `${chart} ${version}`).not.toThrow();
      }
    }
  });

  it('brings each value to its type: text from a number, a whole number from its digits, switches as Terraform writes them', () => {
    const values = { image: { tag: 4.5 }, mastodon: { web: { replicas: '3' }, createAdmin: { enabled: 'true' }, labels: { team: 7 } } };
    expect(readValue(values, 'image.tag')).toBe('4.5');
    expect(readValue(values, 'mastodon.web.replicas')).toBe(3);
    expect(readValue(values, 'mastodon.createAdmin.enabled')).toBe(true);
    expect(readValue(values, 'mastodon.labels')).toEqual({ team: '7' });
    expect(readValue({ mastodon: { web: { replicas: null } } }, 'mastodon.web.replicas')).toBeUndefined();
  });

  it('stops the import at the key whose value is of the wrong kind, instead of carrying "[object Object]" or NaN on', () => {
    const wrong = (patch: Record<string, unknown>) => () => importHelmValues({ ...base6, ...patch }, { version: '4.5.6' });
    expect(wrong({ postgresql: { ...base6.postgresql, postgresqlHostname: { host: 'db' } } })).toThrow(new ImportError('postgresql.postgresqlHostname: expected a string, found a mapping'));
    expect(wrong({ mastodon: { ...base6.mastodon, web: { replicas: 'two' } } })).toThrow(new ImportError('mastodon.web.replicas: expected a whole number, found "two"'));
    expect(wrong({ ingress: { enabled: 'yes' } })).toThrow(new ImportError('ingress.enabled: expected true or false, found "yes"'));
    expect(wrong({ mastodon: { ...base6.mastodon, sidekiq: { workers: [{ name: 'all', queues: 'default' }] } } })).toThrow(new ImportError('mastodon.sidekiq.workers[0].queues: expected a list, found "default"'));
  });
});
