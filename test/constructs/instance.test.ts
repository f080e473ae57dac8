import { ApiObject, App, Chart, JsonPatch, Testing } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import { MastodonInstance, MastodonInstanceProps } from '../../src/constructs/instance';
import { Json, definition, synth } from '../helpers';

/** the helpers' definition without its flux section, as a cdk8s user would pass it */
function props(...patches: Json[]): MastodonInstanceProps {
  return definition({ flux: undefined }, ...patches) as unknown as MastodonInstanceProps;
}

function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('MastodonInstance in a user\'s Chart', () => {
  it('adds the same objects as the CLI next to the chart\'s own, with the defaults applied in code', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new k8s.KubeConfigMap(chart, 'own', { metadata: { name: 'own' }, data: { a: 'b' } });
    new MastodonInstance(chart, 'social', props());
    const objects = Testing.synth(chart);
    expect(objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'own')).toBeDefined();
    const cli = synth(definition({ flux: undefined }));
    const key = (o: any) => `${o.kind}/${o.metadata.name}`;
    expect(objects.filter((o) => o.metadata.name !== 'own').map(key).sort()).toEqual(cli.map(key).sort());
    const web = objects.find((o) => key(o) === 'Deployment/test-web');
    expect(web).toEqual(cli.find((o) => key(o) === 'Deployment/test-web'));
    // web.replicas (2) and the probes come from defaults the YAML loader would have filled in
    expect(web.spec.replicas).toBe(2);
  });

  it('does not change the props it is given', () => {
    const p = props();
    const before = JSON.stringify(p);
    new MastodonInstance(new Chart(Testing.app(), 'c'), 'social', p);
    expect(JSON.stringify(p)).toBe(before);
  });

  it('reports the definition\'s cross-field problems at synth, with the construct path and the field', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new MastodonInstance(chart, 'social', props({ web: { replicas: 3, maxReplicas: 2 } }));
    expect(synthErrors(app)).toMatch(/\[mine\/social\] web\.maxReplicas: expected maxReplicas >= replicas \(3\), found 2/);
  });

  it('reports schema problems (a misspelt field, a quantity that is not one) instead of dropping them', () => {
    const app = Testing.app();
    new MastodonInstance(new Chart(app, 'mine'), 'social', props({ web: { resources: { cpu: '250m', memory: 'lots', memoryLimit: '1Gi' } }, wbe: {} }));
    const errors = synthErrors(app);
    expect(errors).toMatch(/\[mine\/social\] web\.resources\.memory: expected a memory quantity such as 512Mi, found "lots"/);
    expect(errors).toMatch(/\[mine\/social\] wbe: unknown field \(did you mean "web"\?\)/);
  });

  it('refuses the flux section, which only the CLI can apply', () => {
    const app = Testing.app();
    new MastodonInstance(new Chart(app, 'mine'), 'social', definition() as unknown as MastodonInstanceProps);
    expect(synthErrors(app)).toMatch(/\[mine\/social\] flux: the Flux pipeline applies the CLI's dist\/ folders/);
  });

  it('orders its stages by Argo CD sync waves with the argocd section, as the CLI\'s stage Charts', () => {
    const chart = new Chart(Testing.app(), 'mine');
    new MastodonInstance(chart, 'social', props({ argocd: { firstWave: 10 } }));
    const wave = (kind: string, name: string) => Testing.synth(chart).find((o) => o.kind === kind && o.metadata.name === name)?.metadata.annotations?.['argocd.argoproj.io/sync-wave'];
    expect([wave('Namespace', 'test'), wave('Job', 'test-db-migrate-pre-4-5-6'), wave('Deployment', 'test-web'), wave('Job', 'test-db-migrate-post-4-5-6')]).toEqual(['10', '11', '12', '13']);
  });

  it('runs the policy rules and the schema gate over the objects as patched by the user', () => {
    const app = Testing.app();
    const instance = new MastodonInstance(new Chart(app, 'mine'), 'social', props());
    const web = ApiObject.of(instance.parts!.web);
    web.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', true));
    web.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/imagePullPolcy', 'Always'));
    const errors = synthErrors(app);
    expect(errors).toMatch(/Deployment test-web \(mine\/social\/App\/web\/Resource\/Resource\): ContainerHardening: container web: allowPrivilegeEscalation is not false/);
    expect(errors).toMatch(/Deployment test-web \(mine\/social\/App\/web\/Resource\/Resource\): Kubernetes v1\.28\.0: .*imagePullPolcy: unknown field/);
  });
});
