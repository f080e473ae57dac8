// A cdk8s user's app: it knows mastodon-cdk8s only as the installed package (built against `npm pack` output).
import { ApiObject, App, Chart, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { MastodonIngress, MastodonInstance, ProcessEnvironment, SidekiqGroup } from 'mastodon-cdk8s';

const app = new App({ outdir: 'dist' });

// (a) one more Sidekiq group for an instance deployed otherwise (here: the Helm chart's ConfigMap and Secret)
const workers = new Chart(app, 'workers', { namespace: 'social' });
const mailers = new SidekiqGroup(workers, 'mailers', {
  instance: 'social', version: '4.5.6', name: 'mailers', queues: ['mailers'], replicas: 2,
  environment: ProcessEnvironment.fromSources({ configMaps: ['social-env'], secrets: ['social'] }),
});

// (c) the escape hatch: one field of the group's Deployment, as a plain string
ApiObject.of(mailers).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/limits/memory', '2Gi'));

// (b) a whole instance in an existing Chart, next to the chart's own objects
const platform = new Chart(app, 'platform');
new k8s.KubeConfigMap(platform, 'team', { metadata: { name: 'team', namespace: 'platform' }, data: { owner: 'ops' } });
new MastodonInstance(platform, 'social', {
  name: 'social',
  version: '4.5.6',
  domain: 'social.example',
  database: { host: 'db.internal', passwordSecret: { name: 'db', key: 'password' } },
  redis: { main: { external: { host: 'redis.internal' } } },
  storage: { s3: { bucket: 'media', accessKeyIdSecret: { name: 's3', key: 'id' }, secretAccessKeySecret: { name: 's3', key: 'secret' } } },
  secrets: { core: 'core' },
  traffic: { ingress: { clusterIssuer: 'letsencrypt' } },
  sidekiq: { groups: [{ name: 'all', queues: ['default,8', 'push,6', 'ingress,4', 'mailers,2', 'pull', 'scheduler', 'fasp'] }] },
});

// (d) the Ingresses of an instance deployed otherwise, served by k3s's Traefik (the controller follows from the class)
const edge = new Chart(app, 'edge', { namespace: 'social' });
const ingress = new MastodonIngress(edge, 'ingress', { instance: 'social', version: '4.5.6', localDomain: 'social.example', webDomain: 'social.example', className: 'traefik', clusterIssuer: 'letsencrypt', maxBodySize: '500m' });
// what Traefik cannot express is said, not dropped
for (const w of ingress.warnings) console.log(`warning: ${w}`);

app.synth();
