/** Careless and hostile definitions: every one refused with a located, printable error, never a crash or a hang. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_PROBLEMS_PER_FILE } from '../../src/cli';
import { loadDefinition, parseDefinition } from '../../src/definition/load';
import { DefinitionError, formatProblem } from '../../src/definition/problems';
import { synthesize } from '../../src/synth';
import { definition, problems } from '../helpers';

function errorsOf(text: string): string[] {
  try {
    parseDefinition(text, 'instances/test.yaml');
  } catch (e) {
    if (e instanceof DefinitionError) return e.problems.map((p) => formatProblem(p));
    throw e;
  }
  return [];
}
const loadErrors = (file: string): string[] => {
  try {
    loadDefinition(file, 'instances/test.yaml');
  } catch (e) {
    if (e instanceof DefinitionError) return e.problems.map((p) => formatProblem(p));
    throw e;
  }
  return [];
};
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'defs-'));

describe('files that are no definition', () => {
  it('a folder, a FIFO, a symlink loop, a missing file and a huge file each get one line, and nothing hangs', () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'folder.yaml'));
    expect(spawnSync('mkfifo', [path.join(dir, 'fifo.yaml')]).status).toBe(0);
    fs.symlinkSync(path.join(dir, 'loop-b.yaml'), path.join(dir, 'loop-a.yaml'));
    fs.symlinkSync(path.join(dir, 'loop-a.yaml'), path.join(dir, 'loop-b.yaml'));
    fs.writeFileSync(path.join(dir, 'huge.yaml'), `name: huge\nenv: { X: "${'x'.repeat(2 * 1024 * 1024)}" }\n`);
    expect(loadErrors(path.join(dir, 'folder.yaml'))).toEqual(['instances/test.yaml: error: is a folder, expected a definition file']);
    expect(loadErrors(path.join(dir, 'fifo.yaml'))).toEqual(['instances/test.yaml: error: is not a regular file (a FIFO, socket or device), expected a definition file']);
    expect(loadErrors(path.join(dir, 'loop-a.yaml'))).toEqual(['instances/test.yaml: error: cannot read the file: is a symbolic link loop']);
    expect(loadErrors(path.join(dir, 'missing.yaml'))).toEqual(['instances/test.yaml: error: cannot read the file: does not exist']);
    expect(loadErrors(path.join(dir, 'huge.yaml'))).toEqual(['instances/test.yaml: error: is 2.0 MiB, expected a definition of at most 1 MiB']);
  });
});

describe('YAML that is no plain definition', () => {
  it('refuses an alias bomb with a located error', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`)].join('\n');
    expect(errorsOf(bomb)).toEqual([expect.stringMatching(/^instances\/test\.yaml:1:1: error: \(top level\): cannot read the YAML: .*alias/i)]);
  });

  it('takes anchors and aliases as copies: defaults filled into one do not land in the other', () => {
    const text = `${stringify(definition())}maintenance:\n  mediaRemove: &on { enabled: true }\n  accountsPrune: *on\n  mediaRemoveOrphans: *on\n`;
    expect(errorsOf(text)).toEqual([]);
    const { instance } = parseDefinition(text, 'instances/test.yaml');
    expect(instance.maintenance.mediaRemove.days).toBe(7);
    expect('days' in instance.maintenance.accountsPrune).toBe(false);
  });

  it('refuses unknown tags instead of dropping them', () => {
    const text = stringify(definition()).replace('domain: example.social', 'domain: !vault secret/domain\nsmtpx: !!js/function "x"');
    const errors = errorsOf(text);
    expect(errors).toContainEqual(expect.stringMatching(/^instances\/test\.yaml:\d+:\d+: error: \(top level\): unsupported YAML tag: .*!vault.*a definition is plain YAML/));
    expect(errors).toContainEqual(expect.stringMatching(/unsupported YAML tag: .*js\/function/));
  });
});

describe('what is printed', () => {
  it('escapes control characters in field names: no ANSI sequence reaches the terminal, no newline forges a line', () => {
    const errors = errorsOf(`${stringify(definition())}"\\e[31mred\\nfake.yaml:1:1: error: forged": 1\n`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).not.toMatch(/[\u0000-\u001f]/);
    expect(errors[0]).toMatch(/\\u001b\[31mred\\u000afake\.yaml/);
  });

  it('caps the errors of one garbage file', () => {
    const dir = tmp();
    const file = path.join(dir, 'test.yaml');
    fs.writeFileSync(file, Array.from({ length: 500 }, (_, i) => `field${i}: x`).join('\n'));
    const result = synthesize([file]);
    expect(result.errors).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(result.errors[MAX_PROBLEMS_PER_FILE]).toMatch(/\.\.\. and \d+ more error\(s\) in this file$/);
  });
});

describe('credentials in hosts and URLs', () => {
  for (const [field, patch] of [
    ['database.host', { database: { host: 'postgres://mastodon:hunter2@db.internal/mastodon' } }],
    ['search.host', { search: { host: 'https://elastic:hunter2@es.internal' } }],
    ['storage.s3.endpoint', { storage: { s3: { endpoint: 'https://AKIA:hunter2@s3.example.com' } } }],
    ['redis.main.external.host', { redis: { main: { external: { host: 'default:hunter2@redis.internal' } } } }],
    ['smtp.server', { smtp: { server: 'user:hunter2@smtp.example.com', fromAddress: 'a@b.c' } }],
  ] as const) {
    it(`${field} with user:password@ is refused without repeating the value`, () => {
      const errors = problems(definition(patch as any));
      expect(errors).toEqual([expect.stringMatching(new RegExp(`${field.replace(/\./g, '\\.')}: expected a host or URL without user:password@.*found a value that is not shown`))]);
      expect(errors.join('\n')).not.toMatch(/hunter2/);
    });
  }

  it('accepts hosts, URLs with ports and paths, and a Unix socket folder', () => {
    expect(problems(definition({ database: { host: '/var/run/postgresql' }, search: { host: 'https://es.internal:9200' }, storage: { s3: { endpoint: 'https://s3.example.com/path@v2' } } }))).toEqual([]);
  });
});

describe('values that would break at run time', () => {
  it.each([
    ['an image repository with a tag', { image: { repository: 'ghcr.io/mastodon/mastodon:latest' } }, /image\.repository: expected an image repository .*no tag/],
    ['an image repository with spaces', { image: { repository: 'ghcr.io/mastodon/ mastodon' } }, /image\.repository: expected an image repository/],
    ['a kubectlImage that is no image reference', { upgrade: { kubectlImage: 'kubectl please' } }, /upgrade\.kubectlImage: expected an image reference/],
    ['a line break in a mail header', { smtp: { server: 'smtp.example.com', fromAddress: 'a@b.c\r\nBcc: victim@example.com' } }, /smtp\.fromAddress: expected one line of text/],
    ['a reply-to with a newline', { smtp: { server: 'smtp.example.com', fromAddress: 'a@b.c', replyTo: 'r@b.c\nX: y' } }, /smtp\.replyTo: expected one line of text/],
    ['a storage class that is no DNS name', { storage: { s3: undefined, volume: { size: '10Gi', accessMode: 'ReadWriteMany', storageClass: 'Fast_SSD' } } }, /storage\.volume\.storageClass: expected a class name/],
    ['an ingress class that is no DNS name', { traffic: { ingress: { className: 'NGINX public' } } }, /traffic\.ingress\.className: expected a class name/],
    ['a namespace name that is no DNS label', { flux: { namespace: 'Flux_System' } }, /flux\.namespace: expected a namespace name/],
    ['a Secret key the API server refuses', { database: { passwordSecret: { name: 'db', key: 'pass word' } } }, /database\.passwordSecret\.key: expected a Secret key/],
    ['a trusted proxy that is no address', { trustedProxyIps: ['10.0.0.0/8', 'my-proxy'] }, /expected an IP address or a network such as 10\.0\.0\.0\/8 or fd00::\/8, found "my-proxy"/],
    ['a trusted proxy network with a bad prefix', { trustedProxyIps: ['10.0.0.0/33'] }, /found "10\.0\.0\.0\/33"/],
    ['0.0.0.0/0 as a trusted proxy', { trustedProxyIps: ['0.0.0.0/0'] }, /0\.0\.0\.0\/0 trusts every client's X-Forwarded-For.*trustEveryProxy: true/],
    ['the kube-system namespace', { namespace: 'kube-system' }, /expected a namespace of the instance's own, found the system namespace kube-system/],
    ['a memory request above its limit', { web: { resources: { cpu: '1', memory: '2Gi', memoryLimit: '1Gi' } } }, /expected a memory request at most the memoryLimit 1Gi, found 2Gi/],
  ])('refuses %s', (_what, patch, message) => {
    expect(problems(definition(patch as any))).toContainEqual(expect.stringMatching(message));
  });

  it('accepts what Kubernetes and Mastodon accept', () => {
    expect(
      problems(
        definition({
          image: { repository: 'registry.example.com:5000/team/mastodon-custom' },
          upgrade: { kubectlImage: 'registry.k8s.io/kubectl:v1.34.1@sha256:' + 'a'.repeat(64) },
          smtp: { server: 'smtp.example.com', fromAddress: 'Mastodon <notifications@example.social>' },
          trustedProxyIps: ['10.0.0.0/8', '192.168.1.1', 'fd00::/8'],
          traffic: { ingress: { className: 'nginx.public' } },
        }),
      ),
    ).toEqual([]);
    expect(problems(definition({ trustedProxyIps: ['0.0.0.0/0', '::/0'], trustEveryProxy: true }))).toEqual([]);
  });
});

const proxy = { name: 'proxy', image: 'busybox:1.37', resources: { requests: { cpu: '1m', memory: '1Mi', 'ephemeral-storage': '1Mi' }, limits: { memory: '8Mi', 'ephemeral-storage': '8Mi' } }, securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } } };

describe('what the API server refuses, located at the definition field that wrote it', () => {
  const synthErrors = (patch: object): string[] => {
    const dir = tmp();
    const file = path.join(dir, 'test.yaml');
    fs.writeFileSync(file, stringify(definition(patch as any)));
    return synthesize([file]).errors;
  };
  const lineOf = (patch: object, needle: string): number => stringify(definition(patch as any)).split('\n').findIndex((l) => l.includes(needle)) + 1;

  it.each([
    ['a sidecar named like the generated container', { web: { sidecars: [{ name: 'web', image: 'busybox:1.37', resources: { requests: { cpu: '1m', memory: '1Mi' }, limits: { memory: '8Mi' } } }] } }, 'name: web', /two containers are named "web"/],
    ['an extra volume named like a generated one', { sidekiq: { groups: [{ name: 'all', queues: ['default', 'push', 'ingress', 'mailers', 'pull', 'scheduler', 'fasp'], extraVolumes: [{ name: 'tmp', emptyDir: {} }] }] } }, 'name: tmp', /two volumes are named "tmp"/],
    ['a mount of a volume that does not exist', { web: { extraVolumeMounts: [{ name: 'nowhere', mountPath: '/x' }] } }, 'name: nowhere', /mounts volume "nowhere", which the pod does not have/],
    ['a host alias that is no address', { streaming: { hostAliases: [{ ip: '10.0.0.300', hostnames: ['db'] }] } }, 'ip: 10.0.0.300', /hostAliases ip: expected an IPv4 or IPv6 address/],
    ['a label key with a space', { labels: { 'team name': 'social' } }, 'team name', /label key: expected a key/],
    ['a pod label value too long', { web: { podLabels: { tier: 'x'.repeat(70) } } }, 'tier:', /label tier: expected a label value/],
    ['an annotation key with two slashes', { annotations: { 'a/b/c': 'x' } }, 'a/b/c', /annotation key: expected a key/],
    ['a selector operator that does not exist', { web: { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] } }] } } } }, 'operator: Equals', /operator: expected one of In, NotIn, Exists, DoesNotExist/],
    ['an empty topologyKey', { web: { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: '', labelSelector: { matchLabels: { a: 'b' } } }] } } } }, 'topologyKey:', /empty topologyKey/],
    ['a hostPath volume', { web: { extraVolumes: [{ name: 'host', hostPath: { path: '/var/log' } }] } }, 'name: host', /volume host is a hostPath volume/],
    ['a toleration with tolerationSeconds on NoSchedule', { jobs: { tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] } }, 'key: dedicated', /tolerationSeconds needs effect NoExecute/],
    ['a sidecar probe with two handlers', { web: { sidecars: [{ ...proxy, livenessProbe: { tcpSocket: { port: 81 }, exec: { command: ['true'] } } }] } }, 'name: proxy', /livenessProbe: expected exactly one of exec, httpGet, tcpSocket, grpc/],
    ['a sidecar port with a protocol that does not exist', { web: { sidecars: [{ ...proxy, ports: [{ containerPort: 81, protocol: 'HTTP' }] }] } }, 'protocol: HTTP', /port protocol: expected TCP, UDP or SCTP/],
    ['two host aliases for one address', { streaming: { hostAliases: [{ ip: '10.0.0.9', hostnames: ['a'] }, { ip: '10.0.0.9', hostnames: ['b'] }] } }, 'ip: 10.0.0.9', /two entries for 10.0.0.9; server-side apply refuses duplicate keys/],
    ['a subPath that climbs out of its volume', { web: { extraVolumes: [{ name: 'extra', emptyDir: { sizeLimit: '1Gi' } }], extraVolumeMounts: [{ name: 'extra', mountPath: '/x', subPath: '../up' }] } }, 'subPath: ../up', /subPath: expected a path without ".." elements/],
    ['a Gateway listener name the HTTPRoute CRD refuses', { traffic: { ingress: undefined, gateway: { name: 'public', namespace: 'gateway-system', sectionName: 'HTTPS_Listener' } } }, 'sectionName: HTTPS_Listener', /CRD: spec.parentRefs\[0\].sectionName: must match pattern/],
  ])('%s', (_what, patch, needle, message) => {
    const errors = synthErrors(patch);
    const line = lineOf(patch, needle);
    expect(line).toBeGreaterThan(0);
    expect(errors).toContainEqual(expect.stringMatching(new RegExp(`^.*test\\.yaml:${line}:\\d+: error: .*dist/test/.*${message.source}`)));
  });
});
