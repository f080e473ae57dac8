import { ApiObject, JsonPatch } from 'cdk8s';
import { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { InstanceCharts } from '../../charts/instance';
import { definition, model } from '../helpers';

const sidecar = { name: 'log-shipper', image: 'fluent/fluent-bit:3.2', resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } } };

function charts(extra = {}) {
  const c = new InstanceCharts(model(definition({ web: { sidecars: [sidecar] }, redis: { cache: { dragonfly: {} } } }, extra)));
  const app = c.stages.find((s) => s.id === 'app')!.chart;
  const base = c.stages.find((s) => s.id === 'base')!.chart;
  return { app, base, child: (scope: IConstruct, id: string) => scope.node.findChild(id) };
}

describe('escape hatches', () => {
  it('ApiObject.of() finds the primary object of each construct (child id Resource)', () => {
    const { app, base, child } = charts();
    const of = (scope: IConstruct, id: string) => {
      const o = ApiObject.of(child(scope, id));
      return `${o.kind}/${o.name}`;
    };
    expect(of(app, 'web')).toBe('Deployment/test-web');
    expect(of(app, 'streaming')).toBe('Deployment/test-streaming');
    expect(of(app, 'sidekiq-all')).toBe('Deployment/test-sidekiq-all');
    expect(of(app, 'ingress')).toBe('Ingress/test-web');
    expect(of(base, 'redis-cache')).toBe('Dragonfly/test-redis-cache');
    expect(of(base, 'environment')).toBe('ConfigMap/test-env');
  });

  it('applies user patches last: a patch may change a sidecar the definition added', () => {
    const { app, child } = charts();
    const web = ApiObject.of(child(app, 'web'));
    web.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/1/image', 'fluent/fluent-bit:3.3'));
    const containers = web.toJson().spec.template.spec.containers;
    expect(containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual([
      'web=ghcr.io/mastodon/mastodon:v4.5.6',
      'log-shipper=fluent/fluent-bit:3.3',
    ]);
  });

  it('keeps a quantity patched in as a plain string (the typed mapping does not drop it)', () => {
    const { app, child } = charts();
    const sidekiq = ApiObject.of(child(app, 'sidekiq-all'));
    sidekiq.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/resources/limits/memory', '3Gi'));
    expect(sidekiq.toJson().spec.template.spec.containers[0].resources.limits.memory).toBe('3Gi');
  });

  it('names the construct when a patch does not apply', () => {
    const { app, child } = charts();
    const web = ApiObject.of(child(app, 'web'));
    web.addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/7/image', 'x'));
    expect(() => web.toJson()).toThrow(/Deployment test-web \(construct 20-app\/web\/Resource\/Resource\)/);
  });
});
