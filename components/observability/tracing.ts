import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease, type HelmValues } from "../helm/helmRelease";
import { networkPolicy } from "./network";
import { namespacePeer, tcp } from "../kubernetes/networkPolicy";
import { OPENSEARCH_TIMEOUT_SECONDS } from "./opensearchValues";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";
import { SERVICE_NAMES } from "../../services/catalog";
import { JAEGER_POD_LABELS, JAEGER_PORTS, JAEGER_RELEASE, OTLP_EXPORT } from "./serviceTracing";

export { JAEGER_POD_LABELS, JAEGER_PORTS };

const HEALTH_PORT = 13133;

/** Jaeger v2 (an OpenTelemetry Collector build) binds to localhost unless told otherwise. */
const listen = (port: number) => `0.0.0.0:${port}`;

const PASSWORD_SECRET = "jaeger-opensearch";
/** Jaeger reads the password from this file (and re-reads it when the Secret changes). */
const PASSWORD_DIR = "/etc/jaeger/opensearch";

/** The stack's tracing settings (prism:observability.tracing). */
export interface TracingConfig {
  /** Share of the services' traces kept, 0 to 100. */
  samplingPercent: number;
  /** Where traces are kept: the logs' OpenSearch, or Jaeger's memory. */
  storage: "opensearch" | "memory";
}

export interface TraceStore {
  /** https URL of the OpenSearch HTTP API. */
  url: string;
  username: string;
  /** The user's password (a Pulumi secret); Jaeger reads it from its own Secret. */
  password: pulumi.Input<string>;
  /** Replicas per index shard: 0 on a single node. */
  indexReplicas: number;
}

export interface TracingArgs {
  config: TracingConfig;
  /** Namespace monitoring. */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
  /** Where traces are stored (config.storage "opensearch"); in memory when unset. */
  store?: TraceStore;
}

/**
 * Jaeger v2 (chart v4) in namespace monitoring: the services export spans over OTLP/gRPC with the
 * settings serviceTracing.ts gives them (sampled at the stack's samplingPercent where each trace
 * starts), and only they may reach its collector, on that port only.
 *
 * Storage, by the stack's config: in OpenSearch — the cluster that already holds the logs, with
 * the same retention policy (the ISM policy covers `jaeger-*`), so traces survive restarts and
 * Jaeger itself stays stateless and can run two replicas; or in memory (one replica, the newest
 * 50 000 traces, lost on restart): enough to debug a deploy, no volume to pay for, no shards
 * competing with the log indices on a single-node OpenSearch.
 */
export class Tracing extends pulumi.ComponentResource {
  /** In-cluster URL of the query API (Grafana's Jaeger datasource). */
  readonly queryUrl: pulumi.Output<string>;

  constructor(name: string, args: TracingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:Tracing", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const store = args.store;
    const dependsOn: pulumi.Resource[] = [];

    // Jaeger does not wait for the OpenSearch release: it installs alongside it and becomes ready
    // once OpenSearch answers (its collector restarts until then), and its release waits as long
    // as OpenSearch's does. Waiting here would put two whole releases in series on a cold up.
    if (store) {
      dependsOn.push(
        new k8s.core.v1.Secret(
          `${name}-opensearch`,
          {
            metadata: { name: PASSWORD_SECRET, namespace: args.namespace, labels: { ...JAEGER_POD_LABELS } },
            type: "Opaque",
            stringData: { password: pulumi.secret(store.password) },
          },
          k8sOpts,
        ),
      );
    }

    const backend = store
      ? {
          opensearch: {
            server_urls: [store.url],
            auth: { basic: { username: store.username, password_file: `${PASSWORD_DIR}/password` } },
            // OpenSearch serves the security plugin's demo certificate in-cluster (opensearchValues.ts).
            tls: { insecure_skip_verify: true },
            indices: Object.fromEntries(
              ["spans", "services", "dependencies", "sampling"].map((kind) => [
                kind,
                { shards: 1, replicas: store.indexReplicas, rollover_frequency: "day" },
              ]),
            ),
          },
        }
      : { memory: { max_traces: 50000 } };

    const userconfig = {
      service: {
        extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
        pipelines: {
          traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] },
        },
        telemetry: {
          resource: { "service.name": "jaeger" },
          metrics: {
            level: "detailed",
            readers: [
              { pull: { exporter: { prometheus: { host: "0.0.0.0", port: JAEGER_PORTS.metrics } } } },
            ],
          },
          logs: { level: "info", encoding: "json" },
        },
      },
      extensions: {
        healthcheckv2: { use_v2: true, http: { endpoint: listen(HEALTH_PORT) } },
        jaeger_query: {
          storage: { traces: "primary" },
          http: { endpoint: listen(JAEGER_PORTS.query) },
          grpc: { endpoint: listen(16685) },
        },
        jaeger_storage: { backends: { primary: backend } },
      },
      receivers: {
        otlp: {
          protocols: {
            grpc: { endpoint: listen(JAEGER_PORTS.otlpGrpc) },
            http: { endpoint: listen(JAEGER_PORTS.otlpHttp) },
          },
        },
      },
      processors: { batch: {} },
      exporters: { jaeger_storage_exporter: { trace_storage: "primary" } },
    };

    const values: HelmValues = {
      jaeger: {
        enabled: true,
        // In memory, each replica would hold different traces; OpenSearch makes Jaeger stateless.
        replicas: store ? 2 : 1,
        image: { registry: "docker.io" },
        extraVolumes: store
          ? [{ name: "opensearch-password", secret: { secretName: PASSWORD_SECRET, defaultMode: 0o440 } }]
          : [],
        extraVolumeMounts: store
          ? [{ name: "opensearch-password", mountPath: PASSWORD_DIR, readOnly: true }]
          : [],
        serviceAccount: { automountServiceAccountToken: false },
        podSecurityContext: {
          runAsNonRoot: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          fsGroup: 10001,
          seccompProfile: { type: "RuntimeDefault" },
        },
        securityContext: RESTRICTED_CONTAINER,
        // Read by the chart's deployment template, commented out in its values.yaml (test/upstreamKeysOutsideValues.ts).
        resources: store
          ? { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } }
          : { requests: { cpu: "100m", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
      },
      // Free-form upstream: the whole Jaeger v2 configuration, mounted as user-config.yaml.
      userconfig,
      networkPolicy: { enabled: false },
    };

    const policy = networkPolicy(
      `${name}-ingress`,
      { name: "allow-jaeger-from-services", namespace: args.namespace },
      {
        podSelector: { matchLabels: { ...JAEGER_POD_LABELS } },
        policyTypes: ["Ingress"],
        // The services' pods, on the one port their exporter uses (serviceTracing.ts).
        ingress: [
          {
            from: [
              {
                ...namespacePeer("prism"),
                podSelector: {
                  matchExpressions: [
                    { key: "app.kubernetes.io/name", operator: "In", values: [...SERVICE_NAMES] },
                  ],
                },
              },
            ],
            ports: tcp(OTLP_EXPORT.port),
          },
        ],
      },
      k8sOpts,
    );
    dependsOn.push(policy);
    if (store) {
      dependsOn.push(
        networkPolicy(
          `${name}-opensearch-egress`,
          { name: "allow-jaeger-to-opensearch", namespace: args.namespace },
          {
            podSelector: { matchLabels: { ...JAEGER_POD_LABELS } },
            policyTypes: ["Egress"],
            egress: [{ to: [namespacePeer("logging")], ports: tcp(9200) }],
          },
          k8sOpts,
        ),
      );
    }

    platformRelease(JAEGER_RELEASE, {
      chart: "jaeger",
      namespace: args.namespace,
      values,
      provider: args.provider,
      parent: this,
      timeoutSeconds: store ? OPENSEARCH_TIMEOUT_SECONDS : undefined,
      dependsOn,
    });

    // From the names, not the release's outputs: Grafana's datasource needs the URL, not a running
    // Jaeger, so kube-prometheus-stack does not wait for this release.
    this.queryUrl = pulumi.interpolate`http://${JAEGER_RELEASE}.${args.namespace}.svc:${JAEGER_PORTS.query}`;
    this.registerOutputs({ queryUrl: this.queryUrl });
  }
}
