import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease } from "../helm/helmRelease";
import {
  internetEgress,
  kubernetesApiEgress,
  namespacePeer,
  tcp,
  type ClusterNetwork,
} from "../kubernetes/networkPolicy";
import {
  CLOUD_CREDENTIALS_KEY,
  DO_TOKEN_KEY,
  METRICS_PORT,
  veleroValues,
  type VeleroBackupsOptions,
} from "./veleroValues";
import { keepStateful } from "../safety/stateful";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";

export interface VeleroBackupsArgs {
  /** Spaces bucket and key names carry the stack name: bucket names are global. */
  stack: string;
  /**
   * Pulumi refuses to delete the backup bucket, and DigitalOcean keeps it should it leave the
   * program (config stateful.protect).
   */
  protect: boolean;
  config: VeleroBackupsOptions;
  /** The DigitalOcean provider; its Spaces admin key creates the bucket and the scoped key. */
  doProvider: digitalocean.Provider;
  /** DigitalOcean API token for the snapshot plugin (a Pulumi secret). */
  /**
   * The token Velero's DigitalOcean plugin snapshots volumes with (secrets.veleroDigitaloceanToken):
   * a custom-scoped token (block storage and its snapshots), never the read-write token Pulumi uses.
   */
  digitaloceanToken: pulumi.Input<string>;
  /** The platform cluster's Kubernetes provider. */
  k8sProvider: k8s.Provider;
  /** The `velero` namespace, as an output that depends on the namespace existing. */
  namespace: pulumi.Input<string>;
  /** The cluster's address plan, which locates the Kubernetes API for the egress policy. */
  clusterNetwork: ClusterNetwork;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
}

/** The chart's release name; Velero's objects are named after it (deployment velero, schedule velero-daily). */
const RELEASE = "velero";
const CREDENTIALS_SECRET = "velero-credentials";

/**
 * Cluster backups: a private, versioned Spaces bucket with a lifecycle, a Spaces key that can only
 * read and write that bucket, the credentials as a Kubernetes Secret, and Velero storing backups in
 * the bucket (AWS plugin at the Spaces endpoint) and snapshotting volumes through DigitalOcean's
 * plugin, on the stack's schedules. The restore drill is docs/backup-restore.md.
 */
export class VeleroBackups extends pulumi.ComponentResource {
  readonly bucketName: pulumi.Output<string>;
  /** Where the backups live, e.g. prism-production-backups.fra1.digitaloceanspaces.com. */
  readonly bucketDomainName: pulumi.Output<string>;

  constructor(name: string, args: VeleroBackupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:backup:VeleroBackups", name, {}, opts);
    const { config, stack } = args;
    const doOpts = { parent: this, provider: args.doProvider };
    const k8sOpts = { parent: this, provider: args.k8sProvider };

    // Versioning keeps what Velero's garbage collection (or anyone holding the key) deletes for
    // noncurrentVersionExpirationDays; the lifecycle bounds what that costs.
    const bucket = new digitalocean.SpacesBucket(
      `${name}-bucket`,
      {
        name: `prism-${stack}-backups`,
        region: config.spacesRegion,
        acl: "private",
        versioning: { enabled: true },
        lifecycleRules: [
          {
            id: "expire-noncurrent-versions",
            enabled: true,
            noncurrentVersionExpiration: { days: config.noncurrentVersionExpirationDays },
            // A backup upload left unfinished for two days has failed; drop its parts.
            abortIncompleteMultipartUploadDays: 2,
          },
        ],
        // Never delete a bucket that still holds backups, in any stack.
        forceDestroy: false,
      },
      { ...doOpts, ...keepStateful(args.protect) },
    );

    // Velero's own key: read-write on this bucket and nothing else (the provider's key is admin).
    // A Spaces key has no keepers: the schedule replaces it through the replacementTrigger option.
    const keyRotation = rotationSchedule(`${name}-key`, args.credentialRotation, this);
    const key = new digitalocean.SpacesKey(
      `${name}-key`,
      {
        name: `prism-${stack}-velero`,
        grants: [{ bucket: bucket.name, permission: "readwrite" }],
      },
      { ...doOpts, ...keyRotation.options, replacementTrigger: keyRotation.trigger },
    );

    // The AWS plugin reads an AWS shared-credentials file from key `cloud`; the DigitalOcean
    // plugin's token sits beside it. Both stay Pulumi secrets into the Secret.
    const credentialsFile = pulumi.secret(
      pulumi.interpolate`[default]\naws_access_key_id=${key.accessKey}\naws_secret_access_key=${key.secretKey}\n`,
    );
    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/name": "velero", "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: {
          [CLOUD_CREDENTIALS_KEY]: credentialsFile,
          [DO_TOKEN_KEY]: pulumi.secret(args.digitaloceanToken),
        },
      },
      k8sOpts,
    );

    // Only Velero runs in this namespace (server, CRD-upgrade job), so the policy selects every pod.
    // Spaces and the DigitalOcean API are public HTTPS endpoints with changing addresses, so egress
    // is 443 to public addresses; the Kubernetes API, the platform's one way.
    const egress = new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { name: "allow-velero-egress", namespace: args.namespace },
        spec: {
          podSelector: {},
          policyTypes: ["Egress"],
          egress: [internetEgress(443), kubernetesApiEgress(args.clusterNetwork)],
        },
      },
      k8sOpts,
    );

    // Prometheus (monitoring namespace) may scrape the server's metrics; nothing else gets in.
    new k8s.networking.v1.NetworkPolicy(
      `${name}-metrics`,
      {
        metadata: { name: "allow-velero-metrics", namespace: args.namespace },
        spec: {
          podSelector: { matchLabels: { "app.kubernetes.io/name": "velero" } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [namespacePeer("monitoring")],
              ports: tcp(METRICS_PORT),
            },
          ],
        },
      },
      k8sOpts,
    );

    platformRelease(RELEASE, {
      chart: "velero",
      namespace: args.namespace,
      values: veleroValues({
        config,
        bucket: bucket.name,
        // The region's Spaces endpoint (what the bucket reports as `endpoint`), from the region
        // itself: known before the bucket exists, so a first preview's checks can read the values.
        s3Url: `https://${config.spacesRegion}.digitaloceanspaces.com`,
        credentialsSecret: credentials.metadata.name,
      }),
      provider: args.k8sProvider,
      parent: this,
      // The CRD-upgrade hook and the server need the API and Spaces from their first start.
      dependsOn: [egress, key],
    });

    this.bucketName = bucket.name;
    this.bucketDomainName = bucket.bucketDomainName;
    this.registerOutputs({ bucketName: this.bucketName, bucketDomainName: this.bucketDomainName });
  }
}
