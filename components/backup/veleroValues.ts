/**
 * The velero chart's values for Prism, as typed data: object storage in Spaces through the AWS
 * plugin, volume snapshots through the DigitalOcean plugin, the schedules, and a Pod Security
 * `restricted`-compatible server and CRD-upgrade job. Every key exists in the pinned chart
 * (charts/vendor/velero-*.tgz); test/backup.test.ts checks it with releaseProblems.
 */
import type * as pulumi from "@pulumi/pulumi";
import { POOL_LABEL } from "../cluster/doksCluster";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { image } from "../helm/catalog";
import type { HelmValues } from "../helm/helmRelease";
import { tokenNeeded } from "../kubernetes/podSecurity";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";

/** A Velero schedule: a cron expression (UTC) and how long its backups are kept. */
export interface BackupScheduleOptions {
  schedule: string;
  ttlHours: number;
}

/** Where and when the platform is backed up, and how long backups and old object versions are kept. */
export interface VeleroBackupsOptions {
  /** Spaces region of the backup bucket, e.g. fra1; its endpoint is https://<region>.digitaloceanspaces.com. */
  spacesRegion: string;
  /** The full backup: every namespace and the cluster-scoped objects. */
  daily: BackupScheduleOptions;
  /** An extra schedule for the state namespaces (STATE_NAMESPACES) alone, when enabled. */
  hourlyState: { enabled: false } | ({ enabled: true } & BackupScheduleOptions);
  /** Days a replaced or deleted object's old version stays in the versioned bucket. */
  noncurrentVersionExpirationDays: number;
}

/** Namespaces whose volumes hold the platform's state: the databases and OpenBao's Raft storage. */
export const STATE_NAMESPACES: readonly PlatformNamespace[] = ["data", "openbao"];

/** The one backup storage location and volume snapshot location; schedules name them. */
export const BACKUP_LOCATION = "default";
export const SNAPSHOT_LOCATION = "default";
export const SNAPSHOT_PROVIDER = "digitalocean.com/velero";

/** Keys of the credentials Secret: the AWS-style credentials file, and the DigitalOcean API token. */
export const CLOUD_CREDENTIALS_KEY = "cloud";
/** The key the DigitalOcean plugin's README stores the token under (its env var is DIGITALOCEAN_TOKEN). */
export const DO_TOKEN_KEY = "digitalocean_token";

/** Metrics port of the Velero server (the chart's `http-monitoring`). */
export const METRICS_PORT = 8085;

/** The Velero images are distroless and run as its `nonroot` user; pin it so PSA can verify it. */
const NONROOT = 65532;

const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: NONROOT,
  runAsGroup: NONROOT,
  fsGroup: NONROOT,
  seccompProfile: { type: "RuntimeDefault" },
};

/** Pod Security `restricted`, with a read-only root (the chart mounts an emptyDir on /tmp for it). */
const containerSecurityContext = RESTRICTED_CONTAINER;

/** Short-lived containers that copy a binary or apply CRDs. */
const smallResources = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "200m", memory: "256Mi" },
};

/** Velero TTLs are Go durations. */
export function goDuration(hours: number): string {
  return `${hours}h0m0s`;
}

/** A plugin init container: copies the plugin binary into the shared `plugins` volume. */
function pluginInitContainer(name: "velero-plugin-for-aws" | "velero-plugin-digitalocean") {
  return {
    name,
    image: image(name),
    imagePullPolicy: "IfNotPresent",
    volumeMounts: [{ mountPath: "/target", name: "plugins" }],
    resources: smallResources,
    securityContext: containerSecurityContext,
  };
}

interface ScheduleSpec {
  cron: string;
  ttlHours: number;
  includedNamespaces: readonly string[];
  /** Cluster-scoped objects (CRDs, RBAC, storage classes); unset includes only those the namespaces use. */
  includeClusterResources?: boolean;
}

function schedule(spec: ScheduleSpec) {
  return {
    disabled: false,
    schedule: spec.cron,
    // Deleting or renaming a schedule must never delete the backups it made.
    useOwnerReferencesInBackup: false,
    template: {
      ttl: goDuration(spec.ttlHours),
      storageLocation: BACKUP_LOCATION,
      includedNamespaces: [...spec.includedNamespaces],
      ...(spec.includeClusterResources === undefined
        ? {}
        : { includeClusterResources: spec.includeClusterResources }),
      snapshotVolumes: true,
      volumeSnapshotLocations: [SNAPSHOT_LOCATION],
    },
  };
}

/** The schedules by name (Velero names them velero-<name>): daily full, and hourly state when enabled. */
export function veleroSchedules(config: VeleroBackupsOptions) {
  const schedules: Record<string, ReturnType<typeof schedule>> = {
    daily: schedule({
      cron: config.daily.schedule,
      ttlHours: config.daily.ttlHours,
      includedNamespaces: ["*"],
      includeClusterResources: true,
    }),
  };
  if (config.hourlyState.enabled) {
    // Cluster resources stay unset ("auto"): the PersistentVolumes behind the PVCs are still included,
    // so their snapshots are taken; `false` would silently drop them.
    schedules["hourly-state"] = schedule({
      cron: config.hourlyState.schedule,
      ttlHours: config.hourlyState.ttlHours,
      includedNamespaces: STATE_NAMESPACES,
    });
  }
  return schedules;
}

export interface VeleroValuesArgs {
  config: VeleroBackupsOptions;
  bucket: pulumi.Input<string>;
  /** The Spaces S3 endpoint, https://<region>.digitaloceanspaces.com. */
  s3Url: pulumi.Input<string>;
  /** The Secret with CLOUD_CREDENTIALS_KEY and DO_TOKEN_KEY, in Velero's namespace. */
  credentialsSecret: pulumi.Input<string>;
}

export function veleroValues(args: VeleroValuesArgs): HelmValues {
  const { config } = args;
  return {
    initContainers: [
      pluginInitContainer("velero-plugin-for-aws"),
      pluginInitContainer("velero-plugin-digitalocean"),
    ],
    resources: {
      requests: { cpu: "100m", memory: "256Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    },
    podSecurityContext,
    containerSecurityContext,
    podAnnotations: tokenNeeded("reads every object it backs up and recreates them on restore"),
    nodeSelector: { [POOL_LABEL]: "system" },
    // One replica with a Recreate strategy (the chart's): a PodDisruptionBudget would only block drains.
    podDisruptionBudget: { enabled: false },

    // The CRD-upgrade hook job runs the Velero image and kubectl under the same restricted contexts.
    upgradeCRDs: true,
    cleanUpCRDs: false,
    // Both mount their service-account token: the job applies Velero's CRDs, the server reads every
    // object it backs up and recreates them on restore.
    upgradeCRDsJob: { automountServiceAccountToken: true },
    upgradeJobResources: smallResources,
    kubectl: {
      annotations: tokenNeeded("applies Velero's CRDs before each install and upgrade"),
      containerSecurityContext,
      resources: smallResources,
    },

    credentials: { useSecret: true, existingSecret: args.credentialsSecret },
    serviceAccount: { server: { create: true, automountServiceAccountToken: true } },
    // Backing up and restoring every kind of object takes cluster-admin; the chart binds it.
    rbac: { create: true, clusterAdministrator: true },

    backupsEnabled: true,
    snapshotsEnabled: true,
    // Volume data goes through DigitalOcean block-storage snapshots (the DigitalOcean plugin), not
    // the node agent's file-system copy: the node agent mounts the kubelet's host paths as root,
    // which Pod Security `restricted` forbids, and snapshots need no agent on the nodes.
    deployNodeAgent: false,

    configuration: {
      backupStorageLocation: [
        {
          name: BACKUP_LOCATION,
          provider: "aws",
          bucket: args.bucket,
          default: true,
          accessMode: "ReadWrite",
          config: {
            region: config.spacesRegion,
            s3Url: args.s3Url,
            // Spaces serves virtual-hosted requests (<bucket>.<region>.digitaloceanspaces.com).
            s3ForcePathStyle: "false",
            // The SDK's default CRC32 checksum headers are AWS-only; S3-compatible stores may reject
            // them. "" sends none (the plugin's documented setting for non-AWS stores).
            checksumAlgorithm: "",
          },
        },
      ],
      volumeSnapshotLocation: [
        { name: SNAPSHOT_LOCATION, provider: SNAPSHOT_PROVIDER, config: { region: config.spacesRegion } },
      ],
      defaultVolumeSnapshotLocations: `${SNAPSHOT_PROVIDER}:${SNAPSHOT_LOCATION}`,
      // Ad-hoc backups (before an upgrade, a drill) live as long as the daily ones.
      defaultBackupTTL: goDuration(config.daily.ttlHours),
      logFormat: "json",
      // The DigitalOcean plugin reads its API token from DIGITALOCEAN_TOKEN.
      extraEnvVars: [
        {
          name: "DIGITALOCEAN_TOKEN",
          valueFrom: { secretKeyRef: { name: args.credentialsSecret, key: DO_TOKEN_KEY } },
        },
      ],
    },

    // Metrics stay on: the chart's liveness and readiness probes read /metrics. The ServiceMonitor
    // waits for the monitoring layer (its CRD does not exist yet).
    metrics: {
      enabled: true,
      serviceMonitor: { enabled: false },
      nodeAgentPodMonitor: { enabled: false },
      prometheusRule: { enabled: false },
    },

    schedules: veleroSchedules(config),
  };
}
