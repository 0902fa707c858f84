/**
 * The restore drill's names and manifests, shared by the program (which creates the drill's
 * namespace, access and read-only backup key) and tools/drill (which runs the drill). Both take the
 * names from here, so the scratch copies always point at what the platform really backs up to.
 */
import { z } from "zod";
import { DATABASES, storedNameOf } from "../../services/catalog";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { DO_DEFAULT_STORAGE_CLASS } from "../cluster/retainStorageClass";
import { BACKUP_KEY_FIELDS } from "../data/postgres";
import { CNPG_API_VERSION } from "../data/postgresCluster";
import { BARMAN_CLOUD_ENV, postgresClusterName, postgresSqlName } from "../data/postgresDatabase";

/** Where every scratch copy is made; nothing else runs there. */
export const DRILL_NAMESPACE = "restore-drill" satisfies PlatformNamespace;
/** The namespace whose newest Velero backup is restored by default: the databases, Valkey and NATS. */
export const DRILL_SOURCE_NAMESPACE = "data" satisfies PlatformNamespace;
/** The ServiceAccount the drill acts as (its token is the drill's kubeconfig). */
export const DRILL_SERVICE_ACCOUNT = "restore-drill";
/** The Secret with the read-only Spaces key the scratch clusters recover from. */
export const DRILL_BACKUP_READER_SECRET = "restore-drill-backup-reader";
/** The Velero resource-modifier ConfigMap (in the velero namespace) every drill restore uses. */
export const DRILL_MODIFIERS_CONFIGMAP = "restore-drill-modifiers";
/** Its one key: Velero reads the first key of the ConfigMap. */
export const DRILL_MODIFIERS_KEY = "modifiers.yaml";
/** Label on everything the drill itself creates (Velero labels what it restores by restore name). */
export const DRILL_LABEL = "prism.io/restore-drill";
/** Scratch clusters are named after their source with this prefix. */
const SCRATCH_PREFIX = "drill-";

/**
 * Velero's resource modifiers for a drill restore. A restored Cluster keeps `spec.backup`, and would
 * archive WAL into production's own path: the section is removed. Restored volumes would keep
 * production's Retain policy and outlive the drill: they are set to Delete, so cleaning up the
 * claims deletes the copies' volumes too.
 */
export function drillResourceModifiers(): string {
  return [
    "version: v1",
    "resourceModifierRules:",
    "  - conditions:",
    "      groupResource: clusters.postgresql.cnpg.io",
    '      resourceNameRegex: ".*"',
    "    patches:",
    "      - operation: remove",
    "        path: /spec/backup",
    "  - conditions:",
    "      groupResource: persistentvolumes",
    '      resourceNameRegex: ".*"',
    "    patches:",
    "      - operation: replace",
    "        path: /spec/persistentVolumeReclaimPolicy",
    '        value: "Delete"',
    "",
  ].join("\n");
}

/** What the drill needs to know about the stack; the program exports it as `restoreDrill`. */
export const DrillFactsSchema = z.object({
  namespace: z.string(),
  veleroNamespace: z.string(),
  sourceNamespace: z.string(),
  modifiersConfigMap: z.string(),
  postgres: z.object({
    /** s3://<bucket>/, the clusters' destinationPath. */
    destinationPath: z.string(),
    endpointURL: z.string(),
    imageName: z.string(),
    storageGiB: z.number(),
    /** The scratch clusters' credentials Secret (read-only key) in the drill namespace. */
    credentialsSecret: z.string(),
    databases: z.array(z.object({ cluster: z.string(), database: z.string() })),
  }),
});
export type DrillFacts = z.infer<typeof DrillFactsSchema>;

/** Every database cluster the platform backs up, by its Barman server (Cluster) name. */
export function drillDatabases(): DrillFacts["postgres"]["databases"] {
  return DATABASES.map((db) => {
    const stored = storedNameOf(db);
    return { cluster: postgresClusterName(stored), database: postgresSqlName(stored) };
  });
}

export function scratchClusterName(source: string): string {
  return `${SCRATCH_PREFIX}${source}`;
}

/**
 * A one-instance Cluster recovered from the newest base backup (and the WAL after it) of `source`
 * in the object store the platform's clusters archive to. It has no `backup` section, so it never
 * writes to the archive, and its volume uses DOKS's Delete class, so deleting it frees the disk.
 */
export function scratchClusterManifest(
  facts: DrillFacts,
  source: { cluster: string; database: string },
  runId: string,
): Record<string, unknown> {
  const pg = facts.postgres;
  const credential = (key: string) => ({ name: pg.credentialsSecret, key });
  return {
    apiVersion: CNPG_API_VERSION,
    kind: "Cluster",
    metadata: {
      name: scratchClusterName(source.cluster),
      namespace: facts.namespace,
      labels: { [DRILL_LABEL]: runId },
    },
    spec: {
      instances: 1,
      imageName: pg.imageName,
      enableSuperuserAccess: false,
      inheritedMetadata: { labels: { [DRILL_LABEL]: runId } },
      storage: { size: `${pg.storageGiB}Gi`, storageClass: DO_DEFAULT_STORAGE_CLASS },
      bootstrap: {
        recovery: { source: source.cluster, database: source.database, owner: source.database },
      },
      externalClusters: [
        {
          name: source.cluster,
          barmanObjectStore: {
            destinationPath: pg.destinationPath,
            endpointURL: pg.endpointURL,
            serverName: source.cluster,
            s3Credentials: {
              accessKeyId: credential(BACKUP_KEY_FIELDS.accessKeyId),
              secretAccessKey: credential(BACKUP_KEY_FIELDS.secretAccessKey),
            },
            wal: { maxParallel: 2 },
          },
        },
      ],
      env: BARMAN_CLOUD_ENV,
    },
  };
}
