import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { CNPG_OPERATOR_LABELS } from "./cnpgOperator";
import { databaseConsumer, servicePeer, type DataPlacement, type DatabaseName } from "./dataNetwork";
import { namespacePeer, tcp } from "../kubernetes/networkPolicy";
import type { ContainerResources } from "../kubernetes/resources";
import {
  CNPG_LABELS,
  CNPG_PORTS,
  INSTANCE_POD_SECURITY,
  pooler,
  POOLER_POD_SECURITY,
  postgresCluster,
  RESTRICTED_CONTAINER,
  scheduledBackup,
  type BarmanObjectStore,
} from "./postgresCluster";
import { keepStateful } from "../safety/stateful";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";

/** Keys of the `<service>-db` Secret a database's consumer reads. */
export const DATABASE_SECRET_KEYS = {
  username: "username",
  password: "password",
  host: "host",
  port: "port",
  dbname: "dbname",
  /** postgresql://user:password@host:port/dbname?sslmode=require (SpiceDB's datastore URI). */
  uri: "uri",
} as const;

/** The stack's PostgreSQL settings (prism:data.postgres), the same for every database. */
export interface PostgresConfig {
  /** Instances per cluster: one primary, the rest streaming replicas. */
  instances: number;
  storageGiB: number;
  /** Days of WAL and base backups kept in Spaces. */
  backupRetentionDays: number;
  /** Each instance's requests and limits. */
  resources: ContainerResources;
  /** PostgreSQL's shared_buffers (e.g. "512MB"), a share of the instance's memory limit. */
  sharedBuffers: string;
  /** PgBouncer: its pods, and the server connections each keeps per database and user. */
  pooler: { instances: number; defaultPoolSize: number };
  /**
   * Instances on distinct nodes: `required` refuses to schedule two on one node (a node loss costs
   * at most one), `preferred` spreads them when the nodes allow it.
   */
  podAntiAffinity: "required" | "preferred";
}

export interface PostgresDatabaseArgs {
  database: DatabaseName;
  /**
   * The name the database's data lives under when it differs from `database` (the service was
   * renamed, services/catalog.ts `formerName`): physical names stay, Pulumi names are aliased.
   */
  storedAs?: string;
  config: PostgresConfig;
  /** Pulumi refuses to delete the Cluster, whose deletion deletes its volumes, and keeps it if it leaves the program. */
  protect: boolean;
  /** The StorageClass of the instances' volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** The PostgreSQL operand image (IMAGES["cloudnative-pg-postgresql"] in the catalog). */
  imageName: string;
  /** namespaces.name("data") */
  namespace: pulumi.Input<string>;
  /** namespaces.name(<consumer namespace>): prism, or spicedb for SpiceDB's database. */
  consumerNamespace: pulumi.Input<string>;
  /** Where WAL and base backups go (shared bucket, per-cluster prefix added by Barman). */
  objectStore: BarmanObjectStore;
  /** The data node pool, when the stack has one. */
  placement: DataPlacement;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** The operator's release: it installs the CRDs and the webhooks that validate them. */
  operator: pulumi.Resource;
}

const POOLER_RESOURCES = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "128Mi" },
};
/** The CloudNativePG Cluster (and Barman server) name of a database stored as `stored`. */
export function postgresClusterName(stored: string): string {
  return `${stored}-db`;
}

/** The SQL name (database and owner role) of a database stored as `stored`. */
export function postgresSqlName(stored: string): string {
  // SQL identifiers: `am-certs` would need quoting everywhere, so hyphens become underscores.
  return stored.replace(/-/g, "_");
}

/**
 * Recent boto3 sends checksum headers that S3-compatible stores may reject; compute them only where
 * the API requires them. Every pod running the Barman Cloud tools against Spaces needs this.
 */
export const BARMAN_CLOUD_ENV = [
  { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
  { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
];

/** Daily base backup at 03:00 UTC, after Velero's 02:00 run (six fields: seconds first). */
const BACKUP_SCHEDULE = "0 0 3 * * *";

/**
 * One service's PostgreSQL: a CloudNativePG Cluster (WAL archive and daily base backups to Spaces,
 * retention from config, PodMonitor on), a PgBouncer Pooler in transaction mode, generated
 * credentials, the consumer's `<service>-db` Secret pointing at the pooler, and the NetworkPolicies
 * that let exactly that consumer, the replicas, the operator and Prometheus in.
 */
export class PostgresDatabase extends pulumi.ComponentResource {
  /** The Secret the consumer reads (keys: DATABASE_SECRET_KEYS). */
  readonly secretName: string;
  readonly secretNamespace: pulumi.Output<string>;
  /** The connection URI through the pooler (a Pulumi secret), for consumers that build their own Secret. */
  readonly uri: pulumi.Output<string>;

  constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:data:PostgresDatabase", name, {}, renamedOptions(name, args, opts));
    const k8sOpts = { parent: this, provider: args.provider };
    const crOpts = { ...k8sOpts, dependsOn: [args.operator] };
    const { config } = args;
    const db = args.database;
    // Where the data lives: unchanged by a rename, so nothing holding data is replaced.
    const stored = args.storedAs ?? db;
    const clusterName = postgresClusterName(stored);
    const poolerName = `${clusterName}-pooler`;
    const sqlName = postgresSqlName(stored);
    const host = pulumi.interpolate`${poolerName}.${args.namespace}.svc.cluster.local`;
    const labels = { "app.kubernetes.io/part-of": "prism", "prism.io/database": stored };

    // The operator sets the owner's password again whenever this Secret changes, so a rotated
    // password reaches the database and the consumer's Secret in the same update.
    const rotation = rotationSchedule(`${name}-password`, args.credentialRotation, this);
    const password = new random.RandomPassword(
      `${name}-password`,
      // Alphanumeric: it goes into a URI unescaped.
      { length: 40, special: false, keepers: rotation.keepers },
      { parent: this, ...rotation.options },
    );

    // The owner's credentials, for initdb (the operator reads it in `data`).
    const owner = new k8s.core.v1.Secret(
      `${name}-owner`,
      {
        metadata: { name: `${clusterName}-owner`, namespace: args.namespace, labels },
        type: "kubernetes.io/basic-auth",
        stringData: { username: sqlName, password: password.result },
      },
      k8sOpts,
    );

    // The same credentials where the consumer runs, addressed to the pooler (TLS, not verified:
    // the cluster's self-signed CA is not distributed to clients).
    const consumer = databaseConsumer(db);
    this.secretName = `${db}-db`;
    this.uri = pulumi.secret(
      pulumi.interpolate`postgresql://${sqlName}:${password.result}@${host}:${CNPG_PORTS.postgres}/${sqlName}?sslmode=require`,
    );
    const consumerSecret = new k8s.core.v1.Secret(
      `${name}-consumer`,
      {
        metadata: { name: this.secretName, namespace: args.consumerNamespace, labels },
        type: "Opaque",
        stringData: {
          [DATABASE_SECRET_KEYS.username]: sqlName,
          [DATABASE_SECRET_KEYS.password]: password.result,
          [DATABASE_SECRET_KEYS.host]: host,
          [DATABASE_SECRET_KEYS.port]: String(CNPG_PORTS.postgres),
          [DATABASE_SECRET_KEYS.dbname]: sqlName,
          [DATABASE_SECRET_KEYS.uri]: this.uri,
        },
      },
      k8sOpts,
    );
    this.secretNamespace = consumerSecret.metadata.namespace;

    const cluster = postgresCluster(
      `${name}-cluster`,
      { name: clusterName, namespace: args.namespace, labels },
      {
        instances: args.config.instances,
        imageName: args.imageName,
        primaryUpdateStrategy: "unsupervised",
        enableSuperuserAccess: false,
        bootstrap: { initdb: { database: sqlName, owner: sqlName, secret: { name: owner.metadata.name } } },
        postgresql: { parameters: { shared_buffers: config.sharedBuffers, max_connections: "200" } },
        storage: {
          size: `${args.config.storageGiB}Gi`,
          resizeInUseVolumes: true,
          ...(args.storageClass ? { storageClass: args.storageClass } : {}),
        },
        resources: config.resources,
        seccompProfile: { type: "RuntimeDefault" },
        podSecurityContext: INSTANCE_POD_SECURITY,
        securityContext: RESTRICTED_CONTAINER,
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: "kubernetes.io/hostname",
          podAntiAffinityType: config.podAntiAffinity,
          ...args.placement,
        },
        // The operator creates the PodMonitor only when the PodMonitor CRD exists, which
        // kube-prometheus-stack installs (the observability component): no dependency needed here.
        // Deprecated upstream in favour of a hand-made PodMonitor; still served by 1.30.
        monitoring: { enablePodMonitor: true },
        backup: {
          barmanObjectStore: args.objectStore,
          retentionPolicy: `${args.config.backupRetentionDays}d`,
        },
        env: BARMAN_CLOUD_ENV,
      },
      // Deleting a Cluster deletes its volumes.
      { ...crOpts, ...keepStateful(args.protect) },
    );
    const clusterOpts = { ...k8sOpts, dependsOn: [args.operator, cluster] };

    scheduledBackup(
      `${name}-daily-backup`,
      { name: `${clusterName}-daily`, namespace: args.namespace, labels },
      {
        schedule: BACKUP_SCHEDULE,
        cluster: { name: clusterName },
        method: "barmanObjectStore",
        backupOwnerReference: "self",
        immediate: true,
      },
      clusterOpts,
    );

    pooler(
      `${name}-pooler`,
      { name: poolerName, namespace: args.namespace, labels },
      {
        cluster: { name: clusterName },
        instances: config.pooler.instances,
        type: "rw",
        pgbouncer: {
          poolMode: "transaction",
          parameters: { max_client_conn: "1000", default_pool_size: String(config.pooler.defaultPoolSize) },
        },
        monitoring: { enablePodMonitor: true },
        template: {
          spec: {
            securityContext: POOLER_POD_SECURITY,
            containers: [
              { name: "pgbouncer", resources: POOLER_RESOURCES, securityContext: RESTRICTED_CONTAINER },
            ],
            ...args.placement,
          },
        },
      },
      clusterOpts,
    );

    this.networkPolicies(name, args, clusterName, poolerName, consumer, k8sOpts);

    this.registerOutputs({ secretName: this.secretName, secretNamespace: this.secretNamespace });
  }

  private networkPolicies(
    name: string,
    args: PostgresDatabaseArgs,
    clusterName: string,
    poolerName: string,
    consumer: ReturnType<typeof databaseConsumer>,
    k8sOpts: pulumi.CustomResourceOptions,
  ): void {
    const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: { name: `${clusterName}-${suffix}`, namespace: args.namespace }, spec },
        k8sOpts,
      );
    const poolerPods = { matchLabels: { [CNPG_LABELS.pooler]: poolerName } };
    // Instance pods and the cluster's Jobs; PgBouncer pods are excluded even if labelled with the cluster.
    const clusterPods = {
      matchLabels: { [CNPG_LABELS.cluster]: clusterName },
      matchExpressions: [{ key: CNPG_LABELS.pooler, operator: "DoesNotExist" }],
    };
    const clients =
      consumer.service !== undefined ? [servicePeer(consumer.service)] : [namespacePeer(consumer.namespace)];

    // The consumer reaches PgBouncer; Prometheus scrapes its exporter.
    policy("pooler-ingress", {
      podSelector: poolerPods,
      policyTypes: ["Ingress"],
      ingress: [
        { from: clients, ports: tcp(CNPG_PORTS.postgres) },
        { from: [namespacePeer("monitoring")], ports: tcp(CNPG_PORTS.poolerMetrics) },
      ],
    });
    policy("pooler-egress", {
      podSelector: poolerPods,
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: clusterPods }], ports: tcp(CNPG_PORTS.postgres) }],
    });
    // The pooler, the other instances (replication, and the status checks of failover), the
    // operator (status and SQL) and Prometheus reach the instances; nothing else does.
    policy("instances", {
      podSelector: clusterPods,
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        { from: [{ podSelector: poolerPods }], ports: tcp(CNPG_PORTS.postgres) },
        { from: [{ podSelector: clusterPods }], ports: tcp(CNPG_PORTS.postgres, CNPG_PORTS.status) },
        {
          from: [{ ...namespacePeer("cnpg-system"), podSelector: { matchLabels: CNPG_OPERATOR_LABELS } }],
          ports: tcp(CNPG_PORTS.status, CNPG_PORTS.postgres),
        },
        { from: [namespacePeer("monitoring")], ports: tcp(CNPG_PORTS.metrics) },
      ],
      egress: [{ to: [{ podSelector: clusterPods }], ports: tcp(CNPG_PORTS.postgres, CNPG_PORTS.status) }],
    });
  }
}

/**
 * After a rename, the component and every child answer to their old Pulumi names too (aliases),
 * so Pulumi updates them in place instead of deleting the database and creating an empty one.
 */
function renamedOptions(
  name: string,
  args: PostgresDatabaseArgs,
  opts: pulumi.ComponentResourceOptions | undefined,
): pulumi.ComponentResourceOptions | undefined {
  if (!args.storedAs || args.storedAs === args.database) return opts;
  const suffix = `-${args.database}`;
  if (!name.endsWith(suffix)) {
    throw new pulumi.ResourceError(
      `cannot alias the renamed database ${args.database} (formerly ${args.storedAs}): its component name ${name} does not end in "${suffix}"`,
      opts?.parent,
    );
  }
  const oldName = `${name.slice(0, -suffix.length)}-${args.storedAs}`;
  return pulumi.mergeOptions(opts, {
    aliases: [{ name: oldName }],
    transformations: [
      (child) =>
        child.name.startsWith(`${name}-`)
          ? {
              props: child.props,
              opts: pulumi.mergeOptions(child.opts, {
                aliases: [{ name: oldName + child.name.slice(name.length) }],
              }),
            }
          : undefined,
    ],
  });
}
