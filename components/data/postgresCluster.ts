/**
 * Typed helpers for the CloudNativePG custom resources the platform creates (postgresql.cnpg.io/v1):
 * Cluster, Pooler and ScheduledBackup. Only the fields we set are typed; the names follow the CRDs
 * of CloudNativePG 1.30 (CHARTS["cloudnative-pg"]). Every caller passes `dependsOn` on the operator's
 * release, which installs the CRDs.
 */
import type * as pulumi from "@pulumi/pulumi";
import { customResourceKind } from "../kubernetes/customResource";
import type { ContainerResources } from "../kubernetes/resources";

export const CNPG_API_VERSION = "postgresql.cnpg.io/v1";

/** Labels CloudNativePG puts on the pods it manages (used by the NetworkPolicies). */
export const CNPG_LABELS = {
  /** Instance pods and the cluster's Jobs (initdb, join, backups) carry the cluster's name. */
  cluster: "cnpg.io/cluster",
  /** PgBouncer pods carry their Pooler's name. */
  pooler: "cnpg.io/poolerName",
  /** `primary` on the instance that takes writes. */
  instanceRole: "cnpg.io/instanceRole",
} as const;

/** Ports of CloudNativePG's pods. */
export const CNPG_PORTS = {
  postgres: 5432,
  /** The instance manager's status endpoint, polled by the operator. */
  status: 8000,
  /** The PostgreSQL exporter of each instance. */
  metrics: 9187,
  /** PgBouncer's exporter. */
  poolerMetrics: 9127,
} as const;

export interface CnpgMetadata {
  name: string;
  namespace: pulumi.Input<string>;
  labels?: Record<string, string>;
}

interface SecretKeyRef {
  name: pulumi.Input<string>;
  key: string;
}

interface Toleration {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect: string;
}

/** The pod's security context, as a Cluster's `podSecurityContext` or a Pooler template takes it. */
export interface PodSecurityContext {
  runAsNonRoot: true;
  runAsUser: number;
  runAsGroup: number;
  fsGroup?: number;
  seccompProfile: { type: "RuntimeDefault" };
}

/** A container's security context, as a Cluster's `securityContext` or a Pooler container takes it. */
export interface ContainerSecurityContext {
  runAsNonRoot: true;
  privileged: false;
  allowPrivilegeEscalation: false;
  readOnlyRootFilesystem: true;
  capabilities: { drop: ["ALL"] };
  seccompProfile: { type: "RuntimeDefault" };
}

/**
 * The uid and gid of PostgreSQL in CloudNativePG's images (the Cluster's postgresUID/postgresGID
 * default): stating a `podSecurityContext` replaces the operator's whole default, so they are
 * stated too, with fsGroup for the volumes.
 */
const POSTGRES_ID = 26;

/**
 * The settings the operator's defaults already give, stated in the resources so that what the pods
 * run does not depend on the operator version's defaults, and the pack can check them.
 */
export const RESTRICTED_CONTAINER: ContainerSecurityContext = {
  runAsNonRoot: true,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

export const INSTANCE_POD_SECURITY: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: POSTGRES_ID,
  runAsGroup: POSTGRES_ID,
  fsGroup: POSTGRES_ID,
  seccompProfile: { type: "RuntimeDefault" },
};

/** The uid and gid the operator gives PgBouncer's pods by default (pgbouncer in its image). */
const PGBOUNCER_UID = 998;
const PGBOUNCER_GID = 996;

export const POOLER_POD_SECURITY: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: PGBOUNCER_UID,
  runAsGroup: PGBOUNCER_GID,
  seccompProfile: { type: "RuntimeDefault" },
};

/** `.spec.backup.barmanObjectStore`: the in-tree Barman Cloud archive (see postgres.ts for why in-tree). */
export interface BarmanObjectStore {
  /** s3://<bucket>/<prefix>; Barman adds the server name (the cluster's) below it. */
  destinationPath: pulumi.Input<string>;
  endpointURL: pulumi.Input<string>;
  s3Credentials: { accessKeyId: SecretKeyRef; secretAccessKey: SecretKeyRef };
  wal: { compression: "gzip" | "bzip2" | "snappy"; maxParallel?: number };
  data: { compression: "gzip" | "bzip2" | "snappy"; jobs?: number };
}

export interface ClusterSpec {
  instances: number;
  imageName: string;
  /** Roll the primary without a human once the replicas are updated. */
  primaryUpdateStrategy: "unsupervised" | "supervised";
  enableSuperuserAccess: boolean;
  bootstrap: {
    initdb: { database: string; owner: string; secret: { name: pulumi.Input<string> } };
  };
  postgresql?: { parameters: Record<string, string> };
  storage: { size: string; storageClass?: string; resizeInUseVolumes?: boolean };
  resources: ContainerResources;
  /** Applied to every pod and container of the cluster. */
  seccompProfile: { type: "RuntimeDefault" };
  podSecurityContext: PodSecurityContext;
  securityContext: ContainerSecurityContext;
  affinity?: {
    enablePodAntiAffinity: boolean;
    topologyKey: string;
    podAntiAffinityType: "preferred" | "required";
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
  };
  monitoring: { enablePodMonitor: boolean };
  backup: { barmanObjectStore: BarmanObjectStore; retentionPolicy: string };
  /** Extra environment of the instance pods (e.g. settings of the Barman Cloud tools). */
  env?: { name: string; value: string }[];
}

export interface PoolerSpec {
  cluster: { name: string };
  instances: number;
  type: "rw" | "ro";
  pgbouncer: {
    poolMode: "session" | "transaction";
    parameters?: Record<string, string>;
  };
  monitoring?: { enablePodMonitor: boolean };
  template?: {
    metadata?: { labels?: Record<string, string> };
    spec: {
      securityContext: PodSecurityContext;
      containers: {
        name: "pgbouncer";
        resources: ContainerResources;
        securityContext: ContainerSecurityContext;
      }[];
      nodeSelector?: Record<string, string>;
      tolerations?: Toleration[];
    };
  };
}

export interface ScheduledBackupSpec {
  /** Six fields: seconds first (Go cron), unlike Kubernetes CronJobs. */
  schedule: string;
  cluster: { name: string };
  method: "barmanObjectStore";
  /** Delete the Backup objects with the ScheduledBackup, not with the Cluster. */
  backupOwnerReference: "self" | "cluster" | "none";
  /** Take the first base backup as soon as the schedule exists, so PITR works from day one. */
  immediate: boolean;
}

export const postgresCluster = customResourceKind<ClusterSpec, CnpgMetadata>(CNPG_API_VERSION, "Cluster");
export const pooler = customResourceKind<PoolerSpec, CnpgMetadata>(CNPG_API_VERSION, "Pooler");
export const scheduledBackup = customResourceKind<ScheduledBackupSpec, CnpgMetadata>(
  CNPG_API_VERSION,
  "ScheduledBackup",
);
