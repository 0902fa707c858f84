import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease, type HelmValues } from "../helm/helmRelease";
import { LOG_INDEX_PREFIX } from "./logRetention";
import { networkPolicy } from "./network";
import { type ClusterNetwork, kubernetesApiEgress, namespacePeer, tcp } from "../kubernetes/networkPolicy";
import { OPENSEARCH_HTTP_PORT, OPENSEARCH_POD_LABELS, OPENSEARCH_TIMEOUT_SECONDS } from "./opensearchValues";
import { PROMETHEUS_POD_LABELS } from "./prometheusValues";
import { tokenNeeded } from "../kubernetes/podSecurity";

export const FLUENT_BIT_POD_LABELS = { "app.kubernetes.io/name": "fluent-bit" } as const;
const METRICS_PORT = 2020;
const PASSWORD_SECRET = "fluent-bit-opensearch";
const PASSWORD_ENV = "OPENSEARCH_PASSWORD";
/** Host directory for the tail positions and the filesystem buffer: survives a pod restart. */
const STATE_DIR = "/var/lib/fluent-bit";

export interface LogShippingArgs {
  /** Namespace node-agents (Pod Security privileged: the agent reads the host's log files). */
  namespace: pulumi.Input<string>;
  /** OpenSearch's HTTP API, its user and password (a Pulumi secret). */
  opensearch: { url: string; user: string; password: pulumi.Input<string> };
  /** The cluster's address plan, which locates the Kubernetes API the Kubernetes filter reads. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
  /** The ServiceMonitor CRD (the chart renders one). Not OpenSearch: Fluent Bit buffers on disk and retries. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The classic-mode Fluent Bit pipeline: every container's log, with its pod's metadata, to OpenSearch. */
export function fluentBitConfig(opensearch: { url: string; user: string }): Record<string, string> {
  const { hostname, port } = new URL(opensearch.url);
  const section = (name: string, settings: [string, string | number][]) =>
    [`[${name}]`, ...settings.map(([k, v]) => `    ${k} ${v}`)].join("\n") + "\n";
  return {
    service: section("SERVICE", [
      ["Daemon", "Off"],
      ["Flush", "{{ .Values.flush }}"],
      ["Log_Level", "{{ .Values.logLevel }}"],
      ["Parsers_File", "/fluent-bit/etc/parsers.conf"],
      ["Parsers_File", "/fluent-bit/etc/conf/custom_parsers.conf"],
      ["HTTP_Server", "On"],
      ["HTTP_Listen", "0.0.0.0"],
      ["HTTP_Port", "{{ .Values.metricsPort }}"],
      ["Health_Check", "On"],
      // Chunks wait on disk, not in memory, while OpenSearch is unreachable.
      ["storage.path", `${STATE_DIR}/buffer`],
      ["storage.sync", "normal"],
      ["storage.backlog.mem_limit", "16M"],
    ]),
    inputs: section("INPUT", [
      ["Name", "tail"],
      ["Path", "/var/log/containers/*.log"],
      // containerd writes the CRI log format (DOKS has no Docker).
      ["multiline.parser", "cri"],
      ["Tag", "kube.*"],
      ["DB", `${STATE_DIR}/tail.db`],
      ["DB.locking", "true"],
      ["Mem_Buf_Limit", "32MB"],
      ["storage.type", "filesystem"],
      ["Skip_Long_Lines", "On"],
      ["Refresh_Interval", 10],
    ]),
    filters: section("FILTER", [
      ["Name", "kubernetes"],
      ["Match", "kube.*"],
      ["Kube_URL", "https://kubernetes.default.svc:443"],
      ["Merge_Log", "On"],
      ["Keep_Log", "Off"],
      ["K8S-Logging.Parser", "On"],
      ["K8S-Logging.Exclude", "On"],
      ["Labels", "On"],
      ["Annotations", "Off"],
    ]),
    outputs: section("OUTPUT", [
      ["Name", "opensearch"],
      ["Match", "kube.*"],
      ["Host", hostname],
      ["Port", Number(port)],
      ["HTTP_User", opensearch.user],
      // Expanded by Fluent Bit from the environment (a secretKeyRef), never written here.
      ["HTTP_Passwd", `\${${PASSWORD_ENV}}`],
      ["tls", "On"],
      // OpenSearch's in-cluster certificate is the security plugin's self-signed one (logStorage.ts).
      ["tls.verify", "Off"],
      // One index a day, prism-logs-YYYY.MM.DD, so retention deletes whole days (logRetention.ts).
      ["Logstash_Format", "On"],
      ["Logstash_Prefix", LOG_INDEX_PREFIX],
      ["Logstash_DateFormat", "%Y.%m.%d"],
      ["Suppress_Type_Name", "On"],
      ["Replace_Dots", "On"],
      ["Trace_Error", "On"],
      ["Retry_Limit", 10],
    ]),
  };
}

/**
 * Fluent Bit on every node (namespace node-agents), tailing /var/log/containers with the CRI parser,
 * enriching records with their pod's labels (the Kubernetes filter) and writing them to OpenSearch.
 */
export class LogShipping extends pulumi.ComponentResource {
  constructor(name: string, args: LogShippingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:LogShipping", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const { namespace } = args;

    const secret = new k8s.core.v1.Secret(
      `${name}-opensearch`,
      {
        metadata: { name: PASSWORD_SECRET, namespace, labels: { ...FLUENT_BIT_POD_LABELS } },
        type: "Opaque",
        stringData: { password: pulumi.secret(args.opensearch.password) },
      },
      k8sOpts,
    );

    const egress = networkPolicy(
      `${name}-egress`,
      { name: "allow-fluent-bit-egress", namespace },
      {
        podSelector: { matchLabels: { ...FLUENT_BIT_POD_LABELS } },
        policyTypes: ["Egress"],
        egress: [
          { to: [namespacePeer("logging", { ...OPENSEARCH_POD_LABELS })], ports: tcp(OPENSEARCH_HTTP_PORT) },
          // The Kubernetes filter looks up each pod's labels.
          kubernetesApiEgress(args.clusterNetwork),
        ],
      },
      k8sOpts,
    );
    const ingress = networkPolicy(
      `${name}-metrics`,
      { name: "allow-fluent-bit-metrics", namespace },
      {
        podSelector: { matchLabels: { ...FLUENT_BIT_POD_LABELS } },
        policyTypes: ["Ingress"],
        ingress: [
          { from: [namespacePeer("monitoring", { ...PROMETHEUS_POD_LABELS })], ports: tcp(METRICS_PORT) },
        ],
      },
      k8sOpts,
    );

    const values: HelmValues = {
      kind: "DaemonSet",
      // The project's registry allow-list has Docker Hub, where Fluent publishes the same image;
      // the tag is the chart's appVersion.
      image: { repository: "docker.io/fluent/fluent-bit", pullPolicy: "IfNotPresent" },
      testFramework: { enabled: false },
      // The Kubernetes filter reads pod metadata through the API: the one reason for the token.
      serviceAccount: { create: true, automountServiceAccountToken: true },
      podAnnotations: tokenNeeded("the Kubernetes filter reads each pod's metadata through the API"),
      rbac: { create: true, nodeAccess: false, eventsAccess: false },
      podSecurityContext: { seccompProfile: { type: "RuntimeDefault" } },
      // Root (uid 0) only to read the host's root-owned 0640 log files, with every capability
      // dropped, no escalation, a read-only root filesystem and /var/log mounted read-only; the
      // namespace is node-agents, the one Pod Security exception.
      securityContext: {
        runAsUser: 0,
        runAsNonRoot: false,
        privileged: false,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
      resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
      // Every node, including tainted workload pools: a node without the agent loses its logs.
      tolerations: [{ operator: "Exists" }],
      env: [{ name: PASSWORD_ENV, valueFrom: { secretKeyRef: { name: PASSWORD_SECRET, key: "password" } } }],
      daemonSetVolumes: [
        { name: "varlog", hostPath: { path: "/var/log" } },
        { name: "state", hostPath: { path: STATE_DIR, type: "DirectoryOrCreate" } },
      ],
      daemonSetVolumeMounts: [
        { name: "varlog", mountPath: "/var/log", readOnly: true },
        { name: "state", mountPath: STATE_DIR },
      ],
      metricsPort: METRICS_PORT,
      serviceMonitor: { enabled: true },
      logLevel: "info",
      config: fluentBitConfig(args.opensearch),
    };

    platformRelease("fluent-bit", {
      chart: "fluent-bit",
      namespace,
      values,
      provider: args.provider,
      parent: this,
      // Ready once OpenSearch accepts its retries (health check), at most as late as OpenSearch.
      timeoutSeconds: OPENSEARCH_TIMEOUT_SECONDS,
      dependsOn: [secret, egress, ingress, ...args.dependsOn],
    });
    this.registerOutputs({});
  }
}
