import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { SidekiqGroup } from '../../src/constructs/sidekiq';
import { ProcessEnvironment } from '../../src/constructs/workload';

const environment = ProcessEnvironment.fromSources({ configMaps: ['social-env'], secrets: ['social-secrets'] });

function synthErrors(app: App): string {
  try {
    app.synth();
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('SidekiqGroup on its own', () => {
  it('emits a hardened Deployment from a few props, the rest from the definition\'s defaults', () => {
    const chart = new Chart(Testing.app(), 'mine', { namespace: 'social' });
    new SidekiqGroup(chart, 'mailers', { instance: 'social', version: '4.5.6', environment, name: 'mailers', queues: ['mailers'], replicas: 2 });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}/${o.metadata.namespace}`)).toEqual(['Deployment/social-sidekiq-mailers/social', 'PodDisruptionBudget/social-sidekiq-mailers/social']);
    const c = objects[0].spec.template.spec.containers[0];
    expect(c.image).toBe('ghcr.io/mastodon/mastodon:v4.5.6');
    expect(c.args).toEqual(['bundle', 'exec', 'sidekiq', '-c', '10', '-t', '25', '-q', 'mailers']);
    expect(c.env).toEqual([{ name: 'DB_POOL', value: '10' }]);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'social-env' } }, { secretRef: { name: 'social-secrets' } }]);
    expect(c.resources).toEqual({ requests: { cpu: '500m', memory: '768Mi', 'ephemeral-storage': '256Mi' }, limits: { memory: '1536Mi', 'ephemeral-storage': '2Gi' } });
    expect(objects[0].metadata.labels['app.kubernetes.io/version']).toBe('v4.5.6');
    expect(objects[0].spec.template.spec.topologySpreadConstraints).toHaveLength(2);
  });

  it('reports at synth what the definition would refuse: unknown queues, a bad quantity, the scheduler scaled out', () => {
    const app = Testing.app();
    const chart = new Chart(app, 'mine');
    new SidekiqGroup(chart, 'bad', {
      instance: 'social', version: '4.5.6', environment, name: 'bad', queues: ['mailer', 'scheduler'], replicas: 2,
      resources: { cpu: '250m', memory: 'lots', memoryLimit: '1Gi' },
    });
    const errors = synthErrors(app);
    expect(errors).toMatch(/\[mine\/bad\] resources\.memory: expected a memory quantity such as 512Mi, found "lots"/);
    new SidekiqGroup(new Chart(app, 'other'), 'bad', { instance: 'social', version: '4.5.6', environment, name: 'bad', queues: ['mailer', 'scheduler'], replicas: 2 });
    const more = synthErrors(app);
    expect(more).toMatch(/\[other\/bad\] queues\[0\]: unknown queue "mailer"/);
    expect(more).toMatch(/\[other\/bad\] replicas: the group consuming scheduler must run exactly 1 replica/);
  });

  it('refuses an unsupported version instead of guessing its queues', () => {
    const app = Testing.app();
    new SidekiqGroup(new Chart(app, 'mine'), 'g', { instance: 'social', version: '3.5.0', environment, name: 'g', queues: ['default'] });
    expect(synthErrors(app)).toMatch(/\[mine\/g\] version: unsupported Mastodon version "3\.5\.0"/);
  });
});
