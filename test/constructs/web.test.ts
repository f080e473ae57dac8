import { describe, expect, it } from 'vitest';
import { container, definition, envOf, find, synth } from '../helpers';

describe('Web (Puma)', () => {
  const objects = synth(definition({ database: { maxConnections: 400 }, web: { replicas: 2, maxReplicas: 5, workers: 3, threads: 6, persistentTimeoutSeconds: 30 } }));
  const dep = find(objects, 'Deployment', 'test-web');
  const web = container(dep, 'web');

  it('runs Puma from the version-tagged image, keeping the tini entrypoint', () => {
    expect(web.image).toBe('ghcr.io/mastodon/mastodon:v4.5.6');
    expect(web.command).toBeUndefined();
    expect(web.args).toEqual(['bundle', 'exec', 'puma', '-C', 'config/puma.rb']);
  });

  it('sets Puma tuning and a matching DB pool', () => {
    expect(envOf(web)).toMatchObject({ WEB_CONCURRENCY: '3', MAX_THREADS: '6', MIN_THREADS: '6', PERSISTENT_TIMEOUT: '30', DB_POOL: '6' });
  });

  it('checks /health at startup and for readiness, and only TCP for liveness', () => {
    expect(web.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(web.readinessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
    expect(web.livenessProbe.tcpSocket).toEqual({ port: 'http' });
    expect(web.livenessProbe.failureThreshold * web.livenessProbe.periodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('never drops serving capacity during a rollout and drains before stopping', () => {
    expect(dep.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } });
    const [cmd, seconds, ...rest] = web.lifecycle.preStop.exec.command;
    expect({ cmd, rest }).toEqual({ cmd: 'sleep', rest: [] });
    // endpoints are withdrawn while the pod sleeps; then Puma finishes what it serves before the kubelet kills it
    expect(Number(seconds)).toBeGreaterThanOrEqual(5);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds - Number(seconds)).toBeGreaterThanOrEqual(20);
  });

  it('leaves the replica count to the HPA when autoscaled', () => {
    expect(dep.spec.replicas).toBeUndefined();
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'test-web');
    expect(hpa.spec).toMatchObject({ minReplicas: 2, maxReplicas: 5, scaleTargetRef: { kind: 'Deployment', name: 'test-web' } });
    expect(hpa.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
  });

  it('is highly available with two or more replicas: PDB and spreading across zones and nodes', () => {
    // with the minimum of two replicas a drain may take one web pod, never both
    const pdb = find(objects, 'PodDisruptionBudget', 'test-web').spec;
    expect(pdb.selector).toEqual(dep.spec.selector);
    expect(dep.spec.template.metadata.labels).toMatchObject(pdb.selector.matchLabels);
    expect(2 - (pdb.maxUnavailable ?? 2 - pdb.minAvailable)).toBeGreaterThanOrEqual(1);
    const keys = dep.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey);
    expect(keys).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    // a lost zone's nodes (tainted unreachable) must not count as an empty domain, or no replacement fits
    for (const c of dep.spec.template.spec.topologySpreadConstraints) expect(c.nodeTaintsPolicy).toBe('Honor');
  });

  it('has no PDB and no spreading with one replica', () => {
    const single = synth(definition({ web: { replicas: 1 } }));
    expect(single.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata?.name === 'test-web')).toBe(false);
    expect(find(single, 'Deployment', 'test-web').spec.template.spec.topologySpreadConstraints).toBeUndefined();
    expect(find(single, 'Deployment', 'test-web').spec.replicas).toBe(1);
  });

  it('is hardened', () => {
    const pod = dep.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsUser: 991, runAsGroup: 991, fsGroup: 991, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(web.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(web.volumeMounts.map((m: any) => m.mountPath)).toEqual(['/opt/mastodon/tmp', '/tmp']);
    expect(web.resources.requests).toEqual({ cpu: '500m', memory: '1Gi', 'ephemeral-storage': '256Mi' });
    expect(web.resources.limits).toEqual({ memory: '1536Mi', 'ephemeral-storage': '2Gi' });
  });

  it('rolls pods when the shared configuration changes', () => {
    const checksum = (d: object) => find(synth(d as any), 'Deployment', 'test-web').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(definition())).toBe(checksum(definition()));
    expect(checksum(definition({ env: { DEFAULT_LOCALE: 'de' } }))).not.toBe(checksum(definition()));
  });

  it('exposes a Service on port 3000', () => {
    const svc = find(objects, 'Service', 'test-web');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 3000, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'mastodon', 'app.kubernetes.io/instance': 'test', 'app.kubernetes.io/component': 'web' });
  });

  it('adds the Prometheus exporter next to Puma when metrics are on', () => {
    const d = find(synth(definition({ metrics: { prometheus: true } })), 'Deployment', 'test-web');
    expect(envOf(container(d, 'web'))).toMatchObject({ MASTODON_PROMETHEUS_EXPORTER_ENABLED: 'true', PROMETHEUS_EXPORTER_HOST: '127.0.0.1' });
    expect(container(d, 'exporter').ports).toEqual([{ name: 'metrics', containerPort: 9394, protocol: 'TCP' }]);
  });

  it('pins web and Sidekiq to the node of a ReadWriteOnce media volume', () => {
    const objs = synth(definition({ storage: { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteOnce' } } }));
    for (const name of ['test-web', 'test-sidekiq-all']) {
      const pod = find(objs, 'Deployment', name).spec.template.spec;
      expect(pod.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey).toBe('kubernetes.io/hostname');
      expect(pod.topologySpreadConstraints).toBeUndefined();
      expect(pod.volumes).toContainEqual({ name: 'media', persistentVolumeClaim: { claimName: 'test-media' } });
    }
    expect(find(objs, 'PersistentVolumeClaim', 'test-media').spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(find(objs, 'Deployment', 'test-streaming').spec.template.spec.affinity).toBeUndefined();
  });

  it('boots Rails warm: web and Sidekiq seed tmp/ with the image\'s bootsnap cache, streaming (Node) needs none', () => {
    const objs = synth(definition());
    for (const name of ['test-web', 'test-sidekiq-all']) {
      const pod = find(objs, 'Deployment', name).spec.template.spec;
      expect(pod.initContainers.map((c: any) => c.name)).toEqual(['seed-tmp']);
      const seed = pod.initContainers[0];
      expect(seed.image).toBe(pod.containers[0].image);
      expect(seed.args).toEqual(['sh', '-c', '[ ! -d /opt/mastodon/tmp ] || cp -a /opt/mastodon/tmp/. /seed/']);
      expect(seed.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/seed' }]);
      expect(pod.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
      expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/opt/mastodon/tmp' });
    }
    expect(find(objs, 'Deployment', 'test-streaming').spec.template.spec.initContainers).toBeUndefined();
  });
});
