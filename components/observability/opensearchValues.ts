/**
 * The opensearch and opensearch-dashboards charts' values for Prism's log store, as typed data.
 * Every key exists in the pinned charts (charts/vendor/opensearch*.tgz) or is listed, with its
 * evidence, in test/upstreamKeysOutsideValues.ts; logStorage.ts installs them.
 *
 * TLS: the security plugin stays on (authentication and authorisation on every request), and on
 * first start its installer sets the generated admin password and the plugin's demo node
 * certificates. Those certificates are self-signed and public, so in-cluster clients (Fluent Bit,
 * Jaeger, the retention Job, Dashboards) skip verification, and the NetworkPolicies admit only
 * them to port 9200. Replacing them with certificates issued by the platform PKI (OpenBao) is the
 * follow-up that lets clients verify.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HelmValues } from "../helm/helmRelease";

/** The stack's log storage (prism:observability.logs). */
export interface LogsConfig {
  /** OpenSearch nodes: 1, or 3 for a cluster that survives a node loss. */
  opensearchReplicas: 1 | 3;
  storageGiB: number;
  /** Days an index is kept before the retention policy deletes it. */
  retentionDays: number;
}

/** The chart's defaults (clusterName-nodeGroup): the StatefulSet and Service are named after them. */
export const OPENSEARCH_SERVICE = "opensearch-cluster-master";
export const OPENSEARCH_HTTP_PORT = 9200;
export const OPENSEARCH_POD_LABELS = { "app.kubernetes.io/name": "opensearch" } as const;
export const DASHBOARDS_POD_LABELS = { "app.kubernetes.io/name": "opensearch-dashboards" } as const;
export const DASHBOARDS_SERVICE = { name: "opensearch-dashboards", port: 5601 } as const;

/** The built-in administrator; its password is generated (LogStorage) and kept in ADMIN_SECRET. */
export const OPENSEARCH_ADMIN_USER = "admin";
export const ADMIN_SECRET = { name: "opensearch-admin", key: "password" } as const;
/** Dashboards' server account and session-cookie key: keys username, password, cookie. */
export const DASHBOARDS_ACCOUNT_SECRET = "opensearch-dashboards-account";

/** Heap is half the container's memory; the rest is the page cache Lucene lives on. */
function sizing(logs: LogsConfig) {
  return logs.opensearchReplicas > 1
    ? { heap: "2g", memory: "4Gi", cpu: "500m", cpuLimit: "2" }
    : { heap: "1g", memory: "2Gi", cpu: "250m", cpuLimit: "1" };
}

const restricted = {
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  runAsUser: 1000,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
  // OpenSearch and Dashboards write their config directory at start (security demo certificates,
  // keystore, optimizer bundles), so the root filesystem stays writable.
  readOnlyRootFilesystem: false,
};

const podSecurity = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
};

export function opensearchValues(
  logs: LogsConfig,
  adminPasswordSecret: pulumi.Input<string>,
  /** The volumes' storage class; DOKS's default when undefined. */
  storageClass?: string,
): HelmValues {
  const size = sizing(logs);
  const single = logs.opensearchReplicas === 1;
  return {
    replicas: logs.opensearchReplicas,
    // One node forms its own cluster; three elect a master among themselves.
    singleNode: single,
    config: {
      // vm.max_map_count: OpenSearch's bootstrap check wants 262144 memory-map areas, which needs a
      // privileged sysctl init container (or node tuning DOKS does not offer). With mmap off the
      // store uses NIO file access and the check does not apply: a little slower on large indices,
      // no privileged container, no host change. sysctl/sysctlInit stay disabled below.
      "opensearch.yml": [
        "cluster.name: opensearch-cluster",
        "network.host: 0.0.0.0",
        "node.store.allow_mmap: false",
        "",
      ].join("\n"),
    },
    sysctl: { enabled: false },
    sysctlInit: { enabled: false },
    opensearchJavaOpts: `-Xms${size.heap} -Xmx${size.heap}`,
    // The security plugin's demo installer sets the admin password from this variable on first start.
    extraEnvs: [
      {
        name: "OPENSEARCH_INITIAL_ADMIN_PASSWORD",
        valueFrom: { secretKeyRef: { name: adminPasswordSecret, key: ADMIN_SECRET.key } },
      },
    ],
    resources: {
      requests: { cpu: size.cpu, memory: size.memory },
      limits: { cpu: size.cpuLimit, memory: size.memory },
    },
    // The init containers (the config copy) only copy files.
    initResources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
    persistence: {
      enabled: true,
      // The chown init container runs as root; fsGroup gives the volume to uid 1000 instead.
      enableInitChown: false,
      accessModes: ["ReadWriteOnce"],
      size: `${logs.storageGiB}Gi`,
      ...(storageClass ? { storageClass } : {}),
    },
    // Replicas on different nodes: a node loss costs one copy of each shard, not the cluster.
    antiAffinity: single ? "soft" : "hard",
    podSecurityContext: podSecurity,
    securityContext: restricted,
    // OpenSearch never calls the Kubernetes API.
    rbac: { create: false, automountServiceAccountToken: false },
    livenessProbe: {
      tcpSocket: { port: OPENSEARCH_HTTP_PORT },
      initialDelaySeconds: 60,
      periodSeconds: 20,
      timeoutSeconds: 5,
      failureThreshold: 10,
    },
    service: { type: "ClusterIP" },
    ingress: { enabled: false },
    networkPolicy: { create: false },
    plugins: { enabled: false },
  };
}

export function dashboardsValues(logs: LogsConfig, accountSecret: pulumi.Input<string>): HelmValues {
  return {
    opensearchHosts: `https://${OPENSEARCH_SERVICE}:${OPENSEARCH_HTTP_PORT}`,
    replicaCount: logs.opensearchReplicas > 1 ? 2 : 1,
    // Its server user and the session cookie's key, from the Secret LogStorage generates. The same
    // variables the chart's `opensearchAccount.secret` sets, written out so no values key named
    // "secret" holds a literal (the policy pack's helm-no-plaintext-secrets).
    extraEnvs: (
      [
        ["OPENSEARCH_USERNAME", "username"],
        ["OPENSEARCH_PASSWORD", "password"],
        ["COOKIE_PASS", "cookie"],
      ] as const
    ).map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: accountSecret, key } } })),
    serviceAccount: { create: true, automountServiceAccountToken: false },
    rbac: { create: false },
    podSecurityContext: podSecurity,
    securityContext: restricted,
    resources: {
      requests: { cpu: "100m", memory: "512Mi" },
      limits: { cpu: "1", memory: "1Gi" },
    },
    // Reached only through Traefik and the Access hostname (LogStorage's IngressRoute).
    service: { type: "ClusterIP" },
    ingress: { enabled: false },
  };
}

/** How long the OpenSearch release may take, and so whatever installs alongside it and needs it up. */
export const OPENSEARCH_TIMEOUT_SECONDS = 1200;
