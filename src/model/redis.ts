/** Resolves the three Redis roles (main, Sidekiq, cache) into endpoints Mastodon can be wired to. */
import { FieldPath, show } from '../definition/problems';
import { Instance, RedisRoleDef, SecretKeyRef } from '../definition/schema';
import { DRAGONFLY_MIN_FOR_SIDEKIQ_8, VersionFacts, compareVersions, parseVersion, knownVersion } from './versions';

export type RedisRole = 'main' | 'sidekiq' | 'cache';
export type RedisBackend = 'external' | 'dragonfly' | 'redisOperator';

interface RedisEndpointBase {
  readonly role: RedisRole;
  readonly backend: RedisBackend;
  /** true when this role has no definition of its own and uses main's server */
  readonly inherited: boolean;
  readonly port: number;
  readonly user?: string;
  readonly passwordSecret?: SecretKeyRef;
  /** the whole URL from a Secret: TLS with a password (the kubelet cannot URL-encode a password into a URL) */
  readonly urlSecret?: SecretKeyRef;
  readonly tls: boolean;
  readonly db?: number;
  /** name of the operator resource this role owns (operator backends) */
  readonly resourceName?: string;
  readonly def: RedisRoleDef;
}

/** One Redis role: a server's host, or the Sentinels that name the master. */
export type RedisEndpoint = RedisEndpointBase &
  ({ readonly host: string; readonly sentinel?: undefined } | { readonly host?: undefined; readonly sentinel: { readonly hosts: string; readonly master: string } });

/** Master group name the generated RedisSentinel watches. */
export const SENTINEL_MASTER = 'mymaster';

export function redisResourceName(instance: string, role: RedisRole): string {
  return `${instance}-redis-${role}`;
}

export function resolveRedis(def: Instance, facts: VersionFacts, error: (p: FieldPath, m: string) => void): Record<RedisRole, RedisEndpoint> {
  const namespace = def.namespace ?? def.name;
  const resolve = (role: RedisRole, roleDef: RedisRoleDef, inherited: boolean): RedisEndpoint => {
    const path: FieldPath = ['redis', inherited ? 'main' : role];
    const set = (['external', 'dragonfly', 'redisOperator'] as const).filter((k) => roleDef[k] !== undefined);
    if (set.length !== 1 && !inherited) {
      error(path, `expected exactly one of external, dragonfly, redisOperator, found ${set.length ? set.join(' and ') : 'none'}`);
    }
    const owner = inherited ? 'main' : role;
    const name = redisResourceName(def.name, owner);
    if (roleDef.dragonfly) {
      if (!inherited) checkDragonflyImage(roleDef.dragonfly.image, facts, [...path, 'dragonfly', 'image'], error);
      return { role, backend: 'dragonfly', inherited, host: `${name}.${namespace}.svc`, port: 6379, passwordSecret: roleDef.dragonfly.passwordSecret, tls: false, resourceName: name, def: roleDef };
    }
    if (roleDef.redisOperator) {
      if (!inherited) checkRedisImage(roleDef.redisOperator.image, facts, [...path, 'redisOperator', 'image'], error);
      return {
        role,
        backend: 'redisOperator',
        inherited,
        port: 6379,
        passwordSecret: roleDef.redisOperator.passwordSecret,
        tls: false,
        sentinel: { hosts: `${name}-sentinel.${namespace}.svc:26379`, master: SENTINEL_MASTER },
        resourceName: name,
        def: roleDef,
      };
    }
    const ext = roleDef.external ?? { host: 'invalid', port: 6379, tls: false };
    const urlSecret = roleDef.external?.urlSecret;
    if (!inherited && ext.tls && roleDef.external?.passwordSecret && !urlSecret) {
      error([...path, 'external', 'urlSecret'], 'TLS needs a rediss:// URL, and Mastodon reads the password from inside it, URL-encoded; the kubelet substitutes a Secret into a URL without encoding, so a password with @, / or : would break it. Expected urlSecret (a Secret key holding rediss://[user]:<percent-encoded password>@host:port/db), found only passwordSecret (still used by KEDA)');
    }
    return { role, backend: 'external', inherited, host: ext.host, port: ext.port, user: roleDef.external?.user, passwordSecret: roleDef.external?.passwordSecret, urlSecret, tls: ext.tls, db: roleDef.external?.db, def: roleDef };
  };
  const main = resolve('main', def.redis.main, false);
  return {
    main,
    sidekiq: def.redis.sidekiq ? resolve('sidekiq', def.redis.sidekiq, false) : resolve('sidekiq', def.redis.main, true),
    cache: def.redis.cache ? resolve('cache', def.redis.cache, false) : resolve('cache', def.redis.main, true),
  };
}

function imageVersion(image: string) {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  return parseVersion(tag);
}

export function checkDragonflyImage(image: string, facts: VersionFacts, path: FieldPath, error: (p: FieldPath, m: string) => void) {
  if (facts.sidekiqMajor < 8) return;
  const v = imageVersion(image);
  const min = knownVersion(DRAGONFLY_MIN_FOR_SIDEKIQ_8);
  if (!v) {
    error(path, `expected an image tagged with a Dragonfly version (such as :v1.34.2) so it can be checked, found ${show(image)}`);
  } else if (compareVersions(v, min) < 0) {
    error(path, `Mastodon ${facts.minor} runs Sidekiq 8, which refuses servers reporting Redis < 7; Dragonfly reports Redis 7.2 from v1.26 and Sidekiq supports it from v${DRAGONFLY_MIN_FOR_SIDEKIQ_8}, found ${show(image)}`);
  }
}

export function checkRedisImage(image: string, facts: VersionFacts, path: FieldPath, error: (p: FieldPath, m: string) => void) {
  const v = imageVersion(image);
  const min = knownVersion(facts.minRedis);
  if (v && compareVersions(v, min) < 0) {
    error(path, `Mastodon ${facts.minor} needs Redis ${facts.minRedis} or newer (Sidekiq ${facts.sidekiqMajor}), found ${show(image)}`);
  }
}
