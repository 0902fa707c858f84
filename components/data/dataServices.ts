import type * as digitalocean from "@pulumi/digitalocean";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformNamespaces } from "../cluster/platformNamespaces";
import { CloudNativePgOperator } from "./cnpgOperator";
import { dataPlacement, type DatabaseName, type WorkloadPool } from "./dataNetwork";
import type { ClusterNetwork } from "../kubernetes/networkPolicy";
import type { NatsConfig } from "./nats";
import type { PostgresConfig } from "./postgresDatabase";
import type { ValkeyConfig } from "./valkey";
import { Nats } from "./nats";
import { PostgresDatabases, type DatabaseConnection } from "./postgres";
import { image } from "../helm/catalog";
import { Valkey, VALKEY_CLIENT_SECRET } from "./valkey";
import type { CredentialRotationOptions } from "../safety/credentialRotation";

export { DATABASE_SECRET_KEYS } from "./postgresDatabase";

/** The stack's data settings (prism:data). */
export interface DataServicesConfig {
  postgres: PostgresConfig;
  valkey: ValkeyConfig;
  nats: NatsConfig;
  cnpgOperator: { replicas: number };
}

export interface DataServicesArgs {
  /** Physical names that must be globally unique (the backup bucket) carry the stack name. */
  stack: string;
  config: DataServicesConfig;
  /**
   * What holds data is protected: Pulumi refuses to delete the Clusters, the backup bucket and the
   * releases that own volumes, and the Clusters and bucket stay if they leave the program.
   */
  protect: boolean;
  /** The StorageClass of every data volume; DOKS's default when undefined. */
  storageClass?: string;
  /** config.backups.spacesRegion: the PostgreSQL backups live beside the Velero ones. */
  spacesRegion: string;
  doProvider: digitalocean.Provider;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  namespaces: PlatformNamespaces;
  /**
   * config.digitalocean: its network says where the Kubernetes API is (egress policies); a workload
   * pool labelled prism.io/workload=data, if any, is where the data pods run.
   */
  /** The cluster: its address plan and its workload pools (the data pool, if any, is labelled). */
  clusterConfig: { network: ClusterNetwork; nodePools: { workloads: WorkloadPool[] } };
}

/** Where a consumer finds its credentials. */
export interface SecretRef {
  name: string;
  namespace: pulumi.Output<string>;
}

/**
 * The platform's data layer in `data`: the CloudNativePG operator (cnpg-system) and one
 * PostgreSQL cluster with a PgBouncer pooler per service database, WAL archive and base backups in
 * Spaces; Valkey; NATS with JetStream. Each consumer's credentials arrive as a Secret in its own
 * namespace: `<service>-db` (DATABASE_SECRET_KEYS) in prism, `spicedb-db` in spicedb, and
 * `valkey-auth` in prism.
 */
export class DataServices extends pulumi.ComponentResource {
  /** Per database (services/catalog.ts DATABASES): the Secret its consumer reads, and its URI. */
  readonly databaseSecrets: Record<DatabaseName, DatabaseConnection>;
  /**
   * SpiceDB's datastore: Secret `spicedb-db` in namespace spicedb (key `uri`), and `uri` itself as a
   * Pulumi secret, for the `datastore_uri` of the Secret a SpiceDBCluster names.
   */
  readonly spicedbDatabase: DatabaseConnection;
  /** Valkey's connection Secret in prism (host, port, username, password, url). */
  readonly valkeySecret: SecretRef;
  readonly natsUrl: pulumi.Output<string>;
  readonly postgresBackupBucket: pulumi.Output<string>;
  readonly postgresBackupEndpoint: pulumi.Output<string>;
  /** The PostgreSQL operand image every cluster runs. */
  readonly postgresImage: string;

  constructor(name: string, args: DataServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:data:DataServices", name, {}, opts);
    const { namespaces } = args;
    this.postgresImage = image("cloudnative-pg-postgresql");
    const data = namespaces.name("data");
    const clusterNetwork = args.clusterConfig.network;
    const placement = dataPlacement(args.clusterConfig.nodePools.workloads);

    const operator = new CloudNativePgOperator(
      `${name}-cnpg`,
      {
        replicas: args.config.cnpgOperator.replicas,
        namespace: namespaces.name("cnpg-system"),
        clusterNetwork,
        provider: args.provider,
      },
      { parent: this },
    );

    const postgres = new PostgresDatabases(
      `${name}-postgres`,
      {
        stack: args.stack,
        config: args.config.postgres,
        protect: args.protect,
        storageClass: args.storageClass,
        spacesRegion: args.spacesRegion,
        imageName: this.postgresImage,
        doProvider: args.doProvider,
        provider: args.provider,
        namespace: data,
        consumerNamespaces: { prism: namespaces.name("prism"), spicedb: namespaces.name("spicedb") },
        clusterNetwork,
        placement,
        operator: operator.release,
        credentialRotation: args.credentialRotation,
      },
      { parent: this },
    );

    new Valkey(
      `${name}-valkey`,
      {
        config: args.config.valkey,
        protect: args.protect,
        storageClass: args.storageClass,
        namespace: data,
        clientNamespace: namespaces.name("prism"),
        placement,
        provider: args.provider,
        credentialRotation: args.credentialRotation,
      },
      { parent: this },
    );

    const nats = new Nats(
      `${name}-nats`,
      {
        config: args.config.nats,
        protect: args.protect,
        storageClass: args.storageClass,
        namespace: data,
        placement,
        provider: args.provider,
      },
      { parent: this },
    );

    this.databaseSecrets = postgres.secrets;
    this.spicedbDatabase = postgres.secrets.spicedb;
    this.valkeySecret = { name: VALKEY_CLIENT_SECRET, namespace: namespaces.name("prism") };
    this.natsUrl = nats.url;
    this.postgresBackupBucket = postgres.bucketName;
    this.postgresBackupEndpoint = postgres.bucketEndpoint;
    this.registerOutputs({ natsUrl: this.natsUrl, postgresBackupBucket: this.postgresBackupBucket });
  }
}
