import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DATABASES, storedNameOf } from "../../services/catalog";
import { publicHttpsEgress, type DataPlacement, type DatabaseName } from "./dataNetwork";
import { kubernetesApiEgress, type ClusterNetwork } from "../kubernetes/networkPolicy";
import { CNPG_LABELS } from "./postgresCluster";
import { PostgresDatabase, type PostgresConfig } from "./postgresDatabase";
import { keepStateful } from "../safety/stateful";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";

export interface PostgresDatabasesArgs {
  /** Pulumi refuses to delete the backup bucket and the Clusters, and keeps them if they leave the program. */
  protect: boolean;
  /** The StorageClass of the instances' volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** The backup bucket's name carries the stack name: bucket names are global. */
  stack: string;
  config: PostgresConfig;
  spacesRegion: string;
  /** The PostgreSQL operand image (with the Barman Cloud tools). */
  imageName: string;
  doProvider: digitalocean.Provider;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** namespaces.name("data") */
  namespace: pulumi.Input<string>;
  /** Where each database's consumer runs: namespaces.name("prism") and namespaces.name("spicedb"). */
  consumerNamespaces: { prism: pulumi.Input<string>; spicedb: pulumi.Input<string> };
  clusterNetwork: ClusterNetwork;
  placement: DataPlacement;
  /** The CloudNativePG operator's release (CRDs and webhooks). */
  operator: pulumi.Resource;
}

/** Where a database's consumer finds its credentials: the Secret, and the URI itself (secret). */
export interface DatabaseConnection {
  name: string;
  namespace: pulumi.Output<string>;
  uri: pulumi.Output<string>;
  /** Labels of the database's PgBouncer pods, for the consumer's egress NetworkPolicy. */
  poolerPodLabels: Record<string, string>;
}

const BACKUP_CREDENTIALS_SECRET = "postgres-backup-credentials";
/** Keys of a Secret holding a Spaces key for Barman (the clusters' and the restore drill's). */
export const BACKUP_KEY_FIELDS = {
  accessKeyId: "ACCESS_KEY_ID",
  secretAccessKey: "ACCESS_SECRET_KEY",
} as const;
const ACCESS_KEY_ID = BACKUP_KEY_FIELDS.accessKeyId;
const ACCESS_SECRET_KEY = BACKUP_KEY_FIELDS.secretAccessKey;

/** The WAL and base-backup bucket of a stack (bucket names are global, so they carry the stack). */
export function postgresBucketName(stack: string): string {
  return `prism-${stack}-postgres`;
}

/** Barman's destination in that bucket; Barman adds each cluster's name (its server name) below it. */
export function postgresDestinationPath(bucket: string): string {
  return `s3://${bucket}/`;
}

/** The Spaces endpoint Barman talks S3 to, from the bucket's regional endpoint host. */
export function spacesEndpointUrl(endpointHost: string): string {
  return `https://${endpointHost}`;
}

/**
 * Every service database (services/catalog.ts DATABASES), each a CloudNativePG cluster with its
 * pooler, plus what they share: a private, versioned Spaces bucket for WAL and base backups, a
 * Spaces key that can only read and write that bucket, and the pods' egress to the API and Spaces.
 *
 * Backups use CloudNativePG's in-tree `barmanObjectStore`: CloudNativePG 1.30 (the pinned chart
 * 0.29.0) still ships it, deprecated, with removal announced for 1.31.0 (release notes of 1.29.2 and
 * 1.30.0). Its replacement, the Barman Cloud plugin, is a separate operator whose TLS needs
 * cert-manager (or hand-made certificates), neither of which the platform runs. Before upgrading
 * the operator to 1.31, install the plugin and move this section into an ObjectStore resource
 * (CloudNativePG's migration guide; backups already in the bucket stay readable).
 */
export class PostgresDatabases extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** The bucket's regional endpoint host (e.g. fra1.digitaloceanspaces.com). */
  readonly bucketEndpoint: pulumi.Output<string>;
  /** Per database: the Secret its consumer reads. */
  readonly secrets: Record<DatabaseName, DatabaseConnection>;

  constructor(name: string, args: PostgresDatabasesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:data:PostgresDatabases", name, {}, opts);
    const doOpts = { parent: this, provider: args.doProvider };
    const k8sOpts = { parent: this, provider: args.provider };

    // Barman expires base backups and WAL by the retention policy; versioning keeps what it (or
    // anyone holding the key) deleted for one more retention period.
    const bucket = new digitalocean.SpacesBucket(
      `${name}-bucket`,
      {
        name: postgresBucketName(args.stack),
        region: args.spacesRegion,
        acl: "private",
        versioning: { enabled: true },
        lifecycleRules: [
          {
            id: "expire-noncurrent-versions",
            enabled: true,
            noncurrentVersionExpiration: { days: args.config.backupRetentionDays },
            abortIncompleteMultipartUploadDays: 2,
          },
        ],
        forceDestroy: false,
      },
      { ...doOpts, ...keepStateful(args.protect) },
    );

    // A Spaces key has no keepers: the schedule replaces it through the replacementTrigger option.
    const keyRotation = rotationSchedule(`${name}-key`, args.credentialRotation, this);
    const key = new digitalocean.SpacesKey(
      `${name}-key`,
      { name: `prism-${args.stack}-postgres`, grants: [{ bucket: bucket.name, permission: "readwrite" }] },
      { ...doOpts, ...keyRotation.options, replacementTrigger: keyRotation.trigger },
    );

    const credentials = new k8s.core.v1.Secret(
      `${name}-backup-credentials`,
      {
        metadata: {
          name: BACKUP_CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: {
          [ACCESS_KEY_ID]: pulumi.secret(key.accessKey),
          [ACCESS_SECRET_KEY]: pulumi.secret(key.secretKey),
        },
      },
      k8sOpts,
    );

    // Instances (and their backup Jobs) talk to the API server and archive to Spaces; PgBouncer
    // pods only watch the API. Both are in addition to the namespace's DNS allowance.
    const egress = [
      new k8s.networking.v1.NetworkPolicy(
        `${name}-instances-egress`,
        {
          metadata: { name: "postgres-instances-egress", namespace: args.namespace },
          spec: {
            podSelector: {
              matchExpressions: [
                { key: CNPG_LABELS.cluster, operator: "Exists" },
                { key: CNPG_LABELS.pooler, operator: "DoesNotExist" },
              ],
            },
            policyTypes: ["Egress"],
            egress: [kubernetesApiEgress(args.clusterNetwork), publicHttpsEgress],
          },
        },
        k8sOpts,
      ),
      new k8s.networking.v1.NetworkPolicy(
        `${name}-poolers-egress`,
        {
          metadata: { name: "postgres-poolers-egress", namespace: args.namespace },
          spec: {
            podSelector: { matchExpressions: [{ key: CNPG_LABELS.pooler, operator: "Exists" }] },
            policyTypes: ["Egress"],
            egress: [kubernetesApiEgress(args.clusterNetwork)],
          },
        },
        k8sOpts,
      ),
    ];

    const objectStore = {
      destinationPath: bucket.name.apply(postgresDestinationPath),
      endpointURL: bucket.endpoint.apply(spacesEndpointUrl),
      s3Credentials: {
        accessKeyId: { name: credentials.metadata.name, key: ACCESS_KEY_ID },
        secretAccessKey: { name: credentials.metadata.name, key: ACCESS_SECRET_KEY },
      },
      wal: { compression: "gzip" as const, maxParallel: 2 },
      data: { compression: "gzip" as const, jobs: 2 },
    };

    const secrets = {} as Record<DatabaseName, DatabaseConnection>;
    for (const database of DATABASES) {
      const db = new PostgresDatabase(
        `${name}-${database}`,
        {
          database,
          storedAs: storedNameOf(database),
          config: args.config,
          protect: args.protect,
          storageClass: args.storageClass,
          imageName: args.imageName,
          namespace: args.namespace,
          consumerNamespace:
            database === "spicedb" ? args.consumerNamespaces.spicedb : args.consumerNamespaces.prism,
          objectStore,
          placement: args.placement,
          provider: args.provider,
          credentialRotation: args.credentialRotation,
          operator: args.operator,
        },
        // The first WAL archive and backup need the key and the egress in place.
        { parent: this, dependsOn: [key, ...egress] },
      );
      secrets[database] = {
        name: db.secretName,
        namespace: db.secretNamespace,
        uri: db.uri,
        poolerPodLabels: { [CNPG_LABELS.pooler]: `${storedNameOf(database)}-db-pooler` },
      };
    }

    this.bucketName = bucket.name;
    this.bucketEndpoint = bucket.endpoint;
    this.secrets = secrets;
    this.registerOutputs({ bucketName: this.bucketName });
  }
}
