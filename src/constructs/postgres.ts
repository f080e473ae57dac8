/**
 * PostgreSQL run by CloudNativePG: a Cluster, its PgBouncer Pooler and a ScheduledBackup. Checked
 * against the CloudNativePG v1.30.0 CRDs (vendor/crds/cloudnative-pg). The operator creates the
 * `<cluster>-rw`/`-ro` Services and the `<cluster>-app` Secret Mastodon's processes read.
 */
import { Construct } from 'constructs';
import * as cnpg from '../../imports/cnpg-cluster-postgresql.cnpg.io';
import * as pooler from '../../imports/cnpg-pooler-postgresql.cnpg.io';
import * as backup from '../../imports/cnpg-scheduledbackup-postgresql.cnpg.io';
import { InstanceModel } from '../model/model';
import * as L1 from './objects';
import { checkObjects, refuse } from './checks';
import { InstanceIdentity, TOPOLOGY_KEYS, metadata, spreadConstraint, spreadOf, topologySpread } from './common';

/** externalClusters entry the import bootstrap reads from */
const IMPORT_SOURCE = 'import-source';

export interface PostgresProps {
  readonly model: InstanceModel;
  readonly id: InstanceIdentity;
}

export class CloudnativePgCluster extends Construct {
  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const m = props.model;
    const pg = m.postgres;
    if (!pg) {
      refuse(this, [{ path: ['database', 'cloudnativePg'], message: 'the model has no CloudNativePG Cluster: build it from a definition with database.cloudnativePg' }]);
      return;
    }
    checkObjects(this);
    const d = pg.def;
    const db = m.def.database;
    const spread = spreadOf(m.def.scheduling);
    const clusterLabels = { 'cnpg.io/cluster': pg.clusterName };
    const imp = d.import;
    const bak = d.backup;
    // required zone spreading: one instance per zone (model.ts checks instances against scheduling.zones);
    // otherwise one per node as nodeSpread says, with zones preferred
    const zoneRequired = spread.zone === 'required';
    new L1.PostgresCluster(this, 'Resource', {
      metadata: metadata(props.id, pg.clusterName, 'postgres'),
      spec: {
        instances: d.instances,
        imageName: pg.image,
        imagePullPolicy: m.def.image.pullPolicy,
        postgresql: { parameters: { max_connections: String(db.maxConnections) } },
        bootstrap: {
          initdb: {
            database: db.name,
            owner: db.user,
            import: imp
              ? { type: cnpg.ClusterSpecBootstrapInitdbImportType.MICROSERVICE, databases: [imp.database], source: { externalCluster: IMPORT_SOURCE } }
              : undefined,
          },
        },
        externalClusters: imp
          ? [
              {
                name: IMPORT_SOURCE,
                connectionParameters: { host: imp.host, port: String(imp.port), user: imp.user, dbname: imp.database },
                password: { name: imp.passwordSecret.name, key: imp.passwordSecret.key },
              },
            ]
          : undefined,
        storage: { size: d.storageSize, storageClass: d.storageClass },
        resources: {
          requests: { cpu: cnpg.ClusterSpecResourcesRequests.fromString(d.resources.cpu), memory: cnpg.ClusterSpecResourcesRequests.fromString(d.resources.memory) },
          limits: {
            memory: cnpg.ClusterSpecResourcesLimits.fromString(d.resources.memoryLimit),
            ...(d.resources.cpuLimit ? { cpu: cnpg.ClusterSpecResourcesLimits.fromString(d.resources.cpuLimit) } : {}),
          },
        },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: zoneRequired ? TOPOLOGY_KEYS.zone : TOPOLOGY_KEYS.node,
          podAntiAffinityType: zoneRequired ? 'required' : spread.node,
        },
        // the anti-affinity keeps instances apart (nodeSpread); zones are only preferred on top
        topologySpreadConstraints: !zoneRequired && d.instances > 1 ? [spreadConstraint('zone', 'preferred', clusterLabels, false)] : undefined,
        backup: bak
          ? {
              retentionPolicy: bak.retentionPolicy,
              barmanObjectStore: {
                destinationPath: bak.destinationPath,
                endpointUrl: bak.endpointUrl,
                s3Credentials: {
                  accessKeyId: { name: bak.accessKeyIdSecret.name, key: bak.accessKeyIdSecret.key },
                  secretAccessKey: { name: bak.secretAccessKeySecret.name, key: bak.secretAccessKeySecret.key },
                },
                wal: { compression: cnpg.ClusterSpecBackupBarmanObjectStoreWalCompression.GZIP },
                data: { compression: cnpg.ClusterSpecBackupBarmanObjectStoreDataCompression.GZIP },
              },
            }
          : undefined,
      },
    });

    if (pg.poolerName) {
      const p = d.pooler;
      const poolerLabels = { 'cnpg.io/poolerName': pg.poolerName };
      new L1.Pooler(this, 'pooler', {
        metadata: metadata(props.id, pg.poolerName, 'postgres-pooler'),
        spec: {
          cluster: { name: pg.clusterName },
          instances: p.instances,
          type: pooler.PoolerSpecType.RW,
          pgbouncer: {
            poolMode: p.mode === 'session' ? pooler.PoolerSpecPgbouncerPoolMode.SESSION : pooler.PoolerSpecPgbouncerPoolMode.TRANSACTION,
            parameters: { max_client_conn: String(p.maxClientConnections), default_pool_size: String(p.poolSize) },
          },
          template: {
            metadata: { labels: poolerLabels },
            spec: {
              // merged by name with the operator's container
              containers: [
                {
                  name: 'pgbouncer',
                  resources: {
                    requests: { cpu: pooler.PoolerSpecTemplateSpecContainersResourcesRequests.fromString(p.resources.cpu), memory: pooler.PoolerSpecTemplateSpecContainersResourcesRequests.fromString(p.resources.memory) },
                    limits: { memory: pooler.PoolerSpecTemplateSpecContainersResourcesLimits.fromString(p.resources.memoryLimit) },
                  },
                },
              ],
              topologySpreadConstraints: p.instances > 1 ? topologySpread(poolerLabels, spread, false) : undefined,
            },
          },
        },
      });
    }

    if (bak) {
      new L1.ScheduledBackup(this, 'backup', {
        metadata: metadata(props.id, `${pg.clusterName}-backup`, 'postgres'),
        spec: {
          cluster: { name: pg.clusterName },
          schedule: bak.schedule,
          method: backup.ScheduledBackupSpecMethod.BARMAN_OBJECT_STORE,
          backupOwnerReference: backup.ScheduledBackupSpecBackupOwnerReference.SELF,
          // a first base backup right away: WAL archiving alone cannot restore
          immediate: true,
        },
      });
    }
  }
}
