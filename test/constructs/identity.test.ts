import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, model, problems, synth } from '../helpers';

const irsa = { name: 'mastodon', create: true, annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/mastodon-media' } };

describe('ServiceAccounts', () => {
  it('runs the processes and the Job pods as the definition\'s account, created once, without an API token', () => {
    const objects = synth(
      definition({ web: { serviceAccount: irsa }, sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'], serviceAccount: irsa }] }, jobs: { serviceAccount: { name: 'mastodon' } } }),
    );
    const accounts = objects.filter((o) => o.kind === 'ServiceAccount') as any[];
    expect(accounts.map((a) => [a.metadata.name, a.metadata.annotations, a.automountServiceAccountToken])).toEqual([['mastodon', irsa.annotations, false]]);
    for (const pod of [find(objects, 'Deployment', 'test-web').spec.template.spec, find(objects, 'Deployment', 'test-sidekiq-all').spec.template.spec, find(objects, 'Job', 'test-db-migrate-pre-4-5-6').spec.template.spec]) {
      expect(pod).toMatchObject({ serviceAccountName: 'mastodon', automountServiceAccountToken: false });
    }
    expect(find(objects, 'Deployment', 'test-streaming').spec.template.spec.serviceAccountName).toBeUndefined();
  });

  it('lets S3 work without static keys, through the pod identity, and says which pods have none', () => {
    const def = definition({ storage: { s3: { accessKeyIdSecret: undefined, secretAccessKeySecret: undefined } }, web: { serviceAccount: irsa } });
    const env = envOf(container(find(synth(def), 'Deployment', 'test-web')));
    expect(env.AWS_ACCESS_KEY_ID).toBeUndefined();
    expect(model(def).warnings.map((w) => w.message)).toEqual([expect.stringMatching(/sidekiq\.groups\.0, jobs get credentials only from the node's role/)]);
    expect(problems(definition({ storage: { s3: { secretAccessKeySecret: undefined } } })).join()).toMatch(/both accessKeyIdSecret and secretAccessKeySecret, or neither/);
  });

  it('refuses one account created with two sets of annotations', () => {
    expect(problems(definition({ web: { serviceAccount: irsa }, jobs: { serviceAccount: { ...irsa, annotations: {} } } })).join()).toMatch(/ServiceAccount mastodon is created by another component/);
  });
});
