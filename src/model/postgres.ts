/**
 * The database a definition names: an external server (database.host) or a CloudNativePG Cluster
 * (database.cloudnativePg). For a Cluster the connection facts are CloudNativePG's: the `<cluster>-rw`
 * and `<cluster>-ro` Services, the Pooler's Service, and the `<cluster>-app` Secret the operator creates.
 */
import { FieldPath } from '../definition/problems';
import { CloudnativePgDef, DatabaseDef, Instance, InstanceDefinition } from '../definition/schema';
import { CLOUDNATIVE_PG_IMAGE } from './versions';

/** Connections PostgreSQL keeps for superusers (superuser_reserved_connections, default 3): not for Mastodon's user. */
export const SUPERUSER_RESERVED_CONNECTIONS = 3;
/** The port of CloudNativePG's Services, the Pooler's included. */
export const CLOUDNATIVE_PG_PORT = 5432;

export interface PostgresModel {
  readonly def: CloudnativePgDef;
  readonly clusterName: string;
  /** read-write Service: the primary */
  readonly rwService: string;
  /** read-only Service: the standbys */
  readonly roService: string;
  /** the Pooler and its Service, when the pooler is on */
  readonly poolerName?: string;
  /** Secret CloudNativePG creates with the owner's username and password */
  readonly appSecret: string;
  readonly image: string;
  /** a transaction-mode Pooler: prepared statements must be off through it (session mode keeps them) */
  readonly poolerDisablesPreparedStatements: boolean;
  /** where budget problems point */
  readonly paths: { readonly maxClientConnections: FieldPath; readonly poolSize: FieldPath };
}

type ErrorFn = (path: FieldPath, message: string) => void;

export function cloudnativePgNames(instance: string) {
  const clusterName = `${instance}-postgres`;
  return { clusterName, rwService: `${clusterName}-rw`, roService: `${clusterName}-ro`, poolerName: `${clusterName}-pooler`, appSecret: `${clusterName}-app` };
}

/**
 * The definition with its database resolved (host and password always known), and the Cluster's
 * model when there is one. Reports conflicting and impossible settings (the PostgreSQL minimum is
 * checked with the other version facts in model.ts).
 */
export function resolveDatabase(input: InstanceDefinition, error: ErrorFn, warn: ErrorFn): { def: Instance; postgres?: PostgresModel } {
  const db = input.database;
  const cnpg = db.cloudnativePg;
  const at = ['database', 'cloudnativePg'];
  if (!cnpg) {
    if (db.host === undefined) error(['database'], 'expected exactly one of host, cloudnativePg, found none');
    if (db.passwordSecret === undefined) error(['database'], 'expected passwordSecret with host (the password of database.user)');
    return { def: { ...input, database: { ...db, host: db.host ?? '', passwordSecret: db.passwordSecret ?? { name: '', key: '' } } } };
  }
  for (const field of ['host', 'passwordSecret', 'userSecret', 'pooler', 'replica', 'postgresVersion'] as const) {
    if (db[field] !== undefined) error(['database', field], `database.${field} is CloudNativePG's with cloudnativePg; remove it (the Cluster's settings are under cloudnativePg)`);
  }
  if (db.port !== CLOUDNATIVE_PG_PORT) error(['database', 'port'], `CloudNativePG's Services listen on ${CLOUDNATIVE_PG_PORT}, found ${db.port}`);
  // the minimum-version check reads postgresVersion: an image tagged with another major would escape it
  const tagMajor = cnpg.image ? /:(\d+)(?:[.-][^/@]*)?(?:@|$)/.exec(cnpg.image)?.[1] : undefined;
  if (tagMajor !== undefined && Number(tagMajor) !== cnpg.postgresVersion) {
    error([...at, 'image'], `the image is tagged with PostgreSQL ${tagMajor}, but postgresVersion is ${cnpg.postgresVersion}; make them agree`);
  }
  if (cnpg.replica && cnpg.instances < 2) error([...at, 'replica'], `a read replica needs standbys: instances must be at least 2, found ${cnpg.instances}`);
  const zones = input.scheduling.zones;
  if (input.scheduling.zoneSpread === 'required' && cnpg.instances > 1) {
    if (zones !== undefined && cnpg.instances > zones) {
      error([...at, 'instances'], `scheduling.zoneSpread required puts each PostgreSQL pod in its own zone, but ${cnpg.instances} instances need more zones than the ${zones} of scheduling.zones; lower instances or make zoneSpread preferred`);
    } else if (zones === undefined) {
      warn([...at, 'instances'], `scheduling.zoneSpread required puts each PostgreSQL pod in its own zone: the nodes must span at least ${cnpg.instances} zones (set scheduling.zones to have synth check it)`);
    }
  }
  if (db.maxConnections <= SUPERUSER_RESERVED_CONNECTIONS) {
    error(['database', 'maxConnections'], `expected more than the ${SUPERUSER_RESERVED_CONNECTIONS} connections PostgreSQL reserves for superusers, found ${db.maxConnections}`);
  }

  const names = cloudnativePgNames(input.name);
  const pooler = cnpg.pooler.enabled ? cnpg.pooler : undefined;
  const database: DatabaseDef = {
    ...db,
    host: names.rwService,
    passwordSecret: { name: names.appSecret, key: 'password' },
    postgresVersion: cnpg.postgresVersion,
    // each PgBouncer pod opens its own pool; the clients may all land on one pod
    pooler: pooler ? { host: names.poolerName, port: CLOUDNATIVE_PG_PORT, maxClientConnections: pooler.maxClientConnections, poolSize: pooler.poolSize * pooler.instances } : undefined,
    replica: cnpg.replica ? { host: names.roService, port: CLOUDNATIVE_PG_PORT, streaming: cnpg.replica.streaming } : undefined,
  };
  return {
    def: { ...input, database },
    postgres: {
      def: cnpg,
      ...names,
      poolerName: pooler ? names.poolerName : undefined,
      image: cnpg.image ?? `${CLOUDNATIVE_PG_IMAGE}:${cnpg.postgresVersion}`,
      poolerDisablesPreparedStatements: pooler?.mode === 'transaction',
      paths: { maxClientConnections: [...at, 'pooler', 'maxClientConnections'], poolSize: [...at, 'pooler', 'poolSize'] },
    },
  };
}
