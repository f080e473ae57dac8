import { describe, expect, it } from 'vitest';
import { InstanceCharts } from '../../charts/instance';
import { KubeObject } from '../../src/output/schema-gate';
import { definition, envOf, find, model, problems, synth } from '../helpers';

const jobs = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'Job') as any[];
const stageKinds = (def: object) => {
  const charts = new InstanceCharts(model(def as any));
  return Object.fromEntries(charts.stages.map((s) => [s.id, (s.chart.toJson() as KubeObject[]).map((o) => `${o.kind}/${o.metadata?.name}`)]));
};

describe('migration Jobs', () => {
  const pooled = definition({ database: { host: 'pg-direct', port: 5432, pooler: { host: 'pgbouncer', maxClientConnections: 300 } } });
  const objects = synth(pooled);

  it('are named after the version, so an upgrade is a new Job', () => {
    expect(jobs(objects).map((j) => j.metadata.name)).toEqual(['test-db-migrate-pre-4-5-6', 'test-db-migrate-post-4-5-6']);
    expect(jobs(synth(definition({ version: '4.5.7' }))).map((j) => j.metadata.name)).toEqual(['test-db-migrate-pre-4-5-7', 'test-db-migrate-post-4-5-7']);
  });

  it('run pre-deployment migrations (schema on an empty database: a fresh install) before the app, post-deployment after', () => {
    const stages = stageKinds(pooled);
    expect(stages['pre-deploy']).toEqual(['Job/test-db-migrate-pre-4-5-6']);
    expect(stages['post-deploy']).toEqual(['Job/test-db-migrate-post-4-5-6']);
    const [pre, post] = jobs(objects).map((j) => j.spec.template.spec.containers[0]);
    expect(pre.args).toEqual(['bundle', 'exec', 'rails', 'db:prepare']);
    expect(envOf(pre).SKIP_POST_DEPLOYMENT_MIGRATIONS).toBe('true');
    expect(post.args).toEqual(['bundle', 'exec', 'rails', 'db:migrate']);
    expect(envOf(post).SKIP_POST_DEPLOYMENT_MIGRATIONS).toBeUndefined();
  });

  it('migrate an existing database with db:migrate, the task Mastodon hangs its safety checks on', () => {
    // lib/tasks/db.rake: Rake::Task['db:migrate'].enhance(['db:pre_migration_check']); db:prepare skips it
    const upgrade = synth(definition({ version: '4.5.7', upgrade: { from: '4.5.6' } }));
    const [pre, post] = jobs(upgrade).map((j) => j.spec.template.spec.containers[0]);
    expect(pre.args).toEqual(['bundle', 'exec', 'rails', 'db:migrate']);
    expect(envOf(pre).SKIP_POST_DEPLOYMENT_MIGRATIONS).toBe('true');
    expect(post.args).toEqual(['bundle', 'exec', 'rails', 'db:migrate']);
    for (const j of jobs(upgrade)) expect(j.spec.template.spec.containers[0].args).not.toContain('db:prepare');
  });

  it('keep the image\'s bootsnap cache: tmp/ is seeded from the image before Rails boots', () => {
    for (const job of jobs(objects)) {
      const spec = job.spec.template.spec;
      const seed = spec.initContainers.find((c: any) => c.name === 'seed-tmp');
      expect(seed.image).toBe(spec.containers[0].image);
      expect(seed.args.join(' ')).toContain('cp -a /opt/mastodon/tmp/. /seed/');
      expect(seed.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/seed' }]);
      expect(seed.securityContext.readOnlyRootFilesystem).toBe(true);
      expect(spec.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/opt/mastodon/tmp' });
    }
  });

  it('connect to PostgreSQL directly, bypassing the pooler the app uses', () => {
    for (const job of jobs(objects)) {
      expect(envOf(job.spec.template.spec.containers[0])).toMatchObject({ DB_HOST: 'pg-direct', DB_PORT: '5432', PREPARED_STATEMENTS: 'true' });
    }
    expect(find(objects, 'ConfigMap', 'test-env').data.DB_HOST).toBe('pgbouncer');
  });

  it('retry a bounded number of times, stop at the definition\'s deadline, and are replaced rather than patched by Flux', () => {
    const timed = synth(definition({ upgrade: { migrationTimeoutSeconds: 5400 } }));
    expect(jobs(timed).length).toBe(2);
    for (const job of jobs(timed)) {
      expect(job.spec.backoffLimit).toBeGreaterThanOrEqual(1);
      expect(job.spec.backoffLimit).toBeLessThanOrEqual(6);
      expect(job.spec.activeDeadlineSeconds).toBe(5400);
      expect(job.metadata.annotations['kustomize.toolkit.fluxcd.io/force']).toBe('enabled');
      expect(job.spec.template.spec.restartPolicy).toBe('Never');
    }
  });

  it('stay once finished, so a reconcile finds them and runs nothing again; a TTL is the definition\'s choice, with a warning', () => {
    for (const job of jobs(objects)) expect(job.spec.ttlSecondsAfterFinished, job.metadata.name).toBeUndefined();
    expect(model(pooled).warnings.map((w) => w.path.join('.'))).not.toContain('upgrade.jobTtlSeconds');
    const ttl = definition({ upgrade: { jobTtlSeconds: 600 } });
    for (const job of jobs(synth(ttl))) expect(job.spec.ttlSecondsAfterFinished, job.metadata.name).toBe(600);
    expect(model(ttl).warnings.find((w) => w.path.join('.') === 'upgrade.jobTtlSeconds')?.message).toMatch(/Flux's next reconcile creates them again: the migrations run again/);
    expect(problems(definition({ upgrade: { jobTtlSeconds: 30 } })).join()).toMatch(/upgrade\.jobTtlSeconds: expected a number >= 60, found 30/);
  });

  it('have the hardening, env and secrets of the app', () => {
    const c = jobs(objects)[0].spec.template.spec.containers[0];
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.envFrom).toEqual([{ configMapRef: { name: 'test-env' } }]);
    expect(envOf(c).SECRET_KEY_BASE).toEqual({ secretKeyRef: { name: 'core', key: 'SECRET_KEY_BASE' } });
    expect(c.image).toBe('ghcr.io/mastodon/mastodon:v4.5.6');
  });

  it('deploy the search index when asked, without a TTL that would re-run it', () => {
    const j = find(synth(definition({ search: { host: 'https://es', initialize: true } })), 'Job', 'test-search-deploy-4-5-6');
    expect(j.spec.template.spec.containers[0].args).toEqual(['bin/tootctl', 'search', 'deploy']);
    expect(j.spec.ttlSecondsAfterFinished).toBeUndefined();
    const upgrade = synth(definition({ version: '4.4.5', upgrade: { from: '4.3.9' }, search: { host: 'https://es' } }));
    expect(find(upgrade, 'Job', 'test-search-deploy-4-4-5').spec.template.spec.containers[0].args).toEqual(['bin/tootctl', 'search', 'deploy', '--only-mapping']);
  });
});

describe('create-admin Job', () => {
  it('creates the Owner once, idempotently, after the post-deployment stage has the schema', () => {
    const def = definition({ admin: { username: 'admin', email: 'admin@example.social' } });
    expect(stageKinds(def)['post-deploy']).toContain('Job/test-create-admin');
    const job = find(synth(def), 'Job', 'test-create-admin');
    const c = job.spec.template.spec.containers[0];
    // approved on both paths: a new server requires approval, which would leave the Owner pending
    expect(c.args[2]).toBe('bin/tootctl accounts create "$ADMIN_USERNAME" --email "$ADMIN_EMAIL" --confirmed --approve --role Owner || bin/tootctl accounts modify "$ADMIN_USERNAME" --approve --role Owner');
    expect(envOf(c)).toMatchObject({ ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@example.social' });
    expect(job.spec.ttlSecondsAfterFinished).toBeUndefined();
    // an upgrade keeps its name; its image changes with the release, so Flux replaces it and it runs again,
    // which the second branch of the command makes harmless (the account exists: only its role is set)
    const upgraded = jobs(synth(definition(def, { version: '4.5.7', upgrade: { from: '4.5.6' } })));
    expect(upgraded.filter((j) => /create-admin/.test(j.metadata.name)).map((j) => j.metadata.name)).toEqual(['test-create-admin']);
    expect(c.args[2].split(' || ')[1]).toMatch(/^bin\/tootctl accounts modify "\$ADMIN_USERNAME" /);
  });

  it('is not emitted without an admin section', () => {
    expect(synth(definition()).some((o) => o.metadata?.name === 'test-create-admin')).toBe(false);
  });
});

describe('downtime upgrade', () => {
  const def = definition({
    version: '4.5.6',
    upgrade: { from: '4.3.8', strategy: 'downtime' },
    web: { replicas: 2, maxReplicas: 4 },
    database: { maxConnections: 200 },
  });
  const objects = synth(def);

  it('scales the instance to zero, waits, then runs every migration at once before the new pods start', () => {
    const stages = stageKinds(def);
    expect(stages['pre-deploy']).toEqual(['Job/test-db-migrate-downtime-4-5-6']);
    const job = find(objects, 'Job', 'test-db-migrate-downtime-4-5-6').spec.template.spec;
    expect(job.initContainers.slice(0, 2).map((c: any) => c.args.slice(0, 2))).toEqual([['scale', 'deployment'], ['wait', 'pod']]);
    expect(job.initContainers[0].args).toContain('--replicas=0');
    expect(job.initContainers[1].args).toContain('app.kubernetes.io/instance=test,app.kubernetes.io/component in (web,streaming,sidekiq-all)');
    expect(job.containers[0].args).toEqual(['bundle', 'exec', 'rails', 'db:migrate']);
    expect(envOf(job.containers[0]).SKIP_POST_DEPLOYMENT_MIGRATIONS).toBeUndefined();
    expect(job.initContainers.map((c: any) => c.name)).toEqual(['scale-down', 'wait-for-stop', 'seed-tmp']);
    expect(job.serviceAccountName).toBe('test-upgrade');
    expect(find(objects, 'Job', 'test-db-migrate-downtime-4-5-6').spec.ttlSecondsAfterFinished).toBeUndefined();
  });

  it('grants only scaling of the namespace Deployments', () => {
    expect(find(objects, 'Role', 'test-upgrade').rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'list', 'patch', 'update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  it('brings autoscaled Deployments back, since an HPA does not scale up from zero', () => {
    const job = find(objects, 'Job', 'test-scale-up-4-5-6').spec.template.spec;
    expect(job.containers[0].args).toEqual(['scale', 'deployment', 'test-web', '--namespace', 'test', '--replicas=2']);
    expect(stageKinds(def)['post-deploy']).toContain('Job/test-scale-up-4-5-6');
  });
});

describe('OTP_SECRET across the 4.3 two-factor migration', () => {
  const groups44 = { sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'] }] } };

  it('is given to every migration Job of an upgrade from below 4.3.0, and only to them', () => {
    const def = definition(groups44, { version: '4.4.5', upgrade: { from: '4.2.10', strategy: 'downtime' } });
    const objects = synth(def);
    for (const job of jobs(objects).filter((j) => /db-migrate/.test(j.metadata.name))) {
      expect(envOf(job.spec.template.spec.containers[0]).OTP_SECRET).toEqual({ secretKeyRef: { name: 'core', key: 'OTP_SECRET' } });
    }
    expect(jobs(objects).filter((j) => /db-migrate/.test(j.metadata.name)).length).toBe(2);
    for (const d of objects.filter((o) => o.kind === 'Deployment') as any[]) expect(envOf(d.spec.template.spec.containers[0]).OTP_SECRET).toBeUndefined();
    expect(model(def).warnings.map((w) => w.message).join()).toMatch(/OTP_SECRET/);
  });

  it('is not needed once the migration ran (from 4.3.0 on)', () => {
    const objects = synth(definition(groups44, { version: '4.4.5', upgrade: { from: '4.3.8' } }));
    for (const job of jobs(objects)) expect(envOf(job.spec.template.spec.containers[0]).OTP_SECRET).toBeUndefined();
  });

  it('must be in the core Secret when the generator knows its keys', () => {
    const core = { secrets: { sources: { core: { externalSecret: { store: 's', data: Object.fromEntries(['SECRET_KEY_BASE', 'VAPID_PRIVATE_KEY', 'VAPID_PUBLIC_KEY', 'ACTIVE_RECORD_ENCRYPTION_PRIMARY_KEY', 'ACTIVE_RECORD_ENCRYPTION_DETERMINISTIC_KEY', 'ACTIVE_RECORD_ENCRYPTION_KEY_DERIVATION_SALT'].map((k) => [k, `m#${k}`])) } } } } };
    expect(problems(definition(groups44, core, { version: '4.4.5', upgrade: { from: '4.2.10', strategy: 'downtime' } })).join()).toMatch(/needs OTP_SECRET in the core Secret/);
    expect(problems(definition(groups44, core, { version: '4.4.5', upgrade: { from: '4.3.8' } }))).toEqual([]);
  });
});
