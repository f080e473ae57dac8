// A cdk8s user's app that gets things wrong: what app.synth() reports, and the warnings it emits.
import * as fs from 'fs';
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { MastodonInstance, ProcessEnvironment, SidekiqGroup, WARNING_TYPE } from 'mastodon-cdk8s';

const warnings: string[] = [];
process.on('warning', (w) => {
  if (w.name === WARNING_TYPE) warnings.push(w.message);
});
const environment = ProcessEnvironment.fromSources({ configMaps: ['social-env'], secrets: ['social'] });

function synthErrors(app: App): string[] {
  try {
    app.synth();
    return [];
  } catch (e) {
    return (e as Error).message.split('\n').slice(1).map((l) => l.trim());
  }
}

// refused: a weight that is no number, a quantity that is no quantity, a patch the Kubernetes schema refuses
const wrong = new App({ outdir: 'dist-wrong' });
const chart = new Chart(wrong, 'wrong');
new SidekiqGroup(chart, 'weights', { instance: 'social', version: '4.5.6', environment, name: 'weights', queues: ['default,high'] });
new SidekiqGroup(chart, 'sizes', { instance: 'social', version: '4.5.6', environment, name: 'sizes', queues: ['push'], resources: { cpu: '1', memory: 'lots', memoryLimit: '2Gi' } });
const patched = new SidekiqGroup(chart, 'patched', { instance: 'social', version: '4.5.6', environment, name: 'patched', queues: ['pull'] });
ApiObject.of(patched).addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/imagePullPolcy', 'Always'));
const errors = synthErrors(wrong);

// accepted, with warnings: a busy group on its own, and an instance whose media volume pins it to one node
const right = new App({ outdir: 'dist-right' });
new SidekiqGroup(new Chart(right, 'busy'), 'busy', { instance: 'social', version: '4.5.6', environment, name: 'busy', queues: ['ingress'], concurrency: 40 });
new MastodonInstance(new Chart(right, 'small'), 'social', {
  name: 'social',
  version: '4.5.6',
  domain: 'social.example',
  database: { host: 'db.internal', passwordSecret: { name: 'db', key: 'password' } },
  redis: { main: { external: { host: 'redis.internal' } } },
  storage: { volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } },
  secrets: { core: 'core' },
  traffic: { ingress: { clusterIssuer: 'letsencrypt' } },
  sidekiq: { groups: [{ name: 'all', queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', 'fasp'] }] },
});
const rightErrors = synthErrors(right);

// warnings are emitted on the next tick
setImmediate(() => fs.writeFileSync('checks.json', JSON.stringify({ errors, rightErrors, warnings }, null, 2)));
