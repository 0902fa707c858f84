/**
 * kube-prometheus-stack's values for Prism, as typed data: Prometheus sized per stack and open to
 * every namespace's ServiceMonitors, PodMonitors and PrometheusRules; Alertmanager reading the
 * configuration Secret PrometheusStack writes; Grafana persistent, with its admin credentials in an
 * existing Secret and the dashboard sidecar watching all namespaces; node-exporter in node-agents;
 * the managed control plane's components (which DOKS does not expose) not scraped. Every key exists
 * in the pinned chart or, for the grafana, kube-state-metrics and node-exporter subcharts, in theirs
 * (test/upstreamKeysOutsideValues.ts lists the subchart keys and where they are documented).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { AlertmanagerSettings } from "./alertmanagerConfig";
import type { LogsConfig } from "./opensearchValues";
import type { TracingConfig } from "./tracing";
import type { HelmValues } from "../helm/helmRelease";
import { tokenNeeded } from "../kubernetes/podSecurity";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";

/** The stack's observability settings (prism:observability). */
export interface ObservabilityConfig {
  prometheus: { replicas: number; retentionDays: number; storageGiB: number };
  alertmanager: AlertmanagerSettings;
  grafanaStorageGiB: number;
  logs: LogsConfig;
  tracing: TracingConfig;
}

/** Helm release name; the grafana subchart names its objects `<release>-grafana`. */
export const KPS_RELEASE = "kube-prometheus-stack";
/** The chart's name, which its labels carry (`app: <chart>-operator`). */
const KPS_CHART = "kube-prometheus-stack";
/** fullnameOverride: the operator's objects are kps-prometheus, kps-alertmanager, kps-operator. */
export const KPS_FULLNAME = "kps";

export const GRAFANA_SERVICE = { name: `${KPS_RELEASE}-grafana`, port: 80 } as const;
/** The chart's Prometheus Service (`<fullname>-prometheus`), which the canary analysis queries. */
export const PROMETHEUS_SERVICE = { name: `${KPS_FULLNAME}-prometheus`, port: 9090 } as const;
export const GRAFANA_CONTAINER_PORT = 3000;
export const GRAFANA_POD_LABELS = { "app.kubernetes.io/name": "grafana" } as const;
export const PROMETHEUS_POD_LABELS = { "app.kubernetes.io/name": "prometheus" } as const;
export const ALERTMANAGER_POD_LABELS = { "app.kubernetes.io/name": "alertmanager" } as const;
export const OPERATOR_POD_LABELS = { app: `${KPS_CHART}-operator` } as const;
export const KUBE_STATE_METRICS_POD_LABELS = { "app.kubernetes.io/name": "kube-state-metrics" } as const;

/**
 * The Secret the operator reads Alertmanager's configuration from: with `useExistingSecret` it
 * defaults to `alertmanager-<Alertmanager name>`.
 */
export const ALERTMANAGER_CONFIG_SECRET = `alertmanager-${KPS_FULLNAME}-alertmanager`;

export const GRAFANA_ADMIN_SECRET = "grafana-admin";
export const GRAFANA_ADMIN_USER_KEY = "admin-user";
export const GRAFANA_ADMIN_PASSWORD_KEY = "admin-password";

/** Alertmanager's notification log and silences: small, and not in config (see the report). */
const ALERTMANAGER_STORAGE = "2Gi";

const restrictedContainer = RESTRICTED_CONTAINER;

function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string) {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

function volumeClaim(size: string, storageClass: string | undefined) {
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: size } },
        ...(storageClass ? { storageClassName: storageClass } : {}),
      },
    },
  };
}

export interface PrometheusValuesArgs {
  /** The StorageClass of Prometheus', Alertmanager's and Grafana's volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** Labels Prometheus adds to every series and alert it sends out. */
  externalLabels: Record<string, string>;
  config: ObservabilityConfig;
  /** The Access hostname Grafana is served on. */
  grafanaHostname: string;
  /** Secrets Alertmanager mounts under /etc/alertmanager/secrets/<name>/ (the Slack webhook). */
  alertmanagerSecrets: string[];
  /** Namespace node-exporter runs in (node-agents: it needs the host's network and PID namespace). */
  nodeAgentsNamespace: pulumi.Input<string>;
  /** In-cluster URL of Jaeger's query API, for Grafana's tracing datasource. */
  jaegerQueryUrl: pulumi.Input<string>;
}

export function prometheusValues(args: PrometheusValuesArgs): HelmValues {
  const { config } = args;
  const prom = config.prometheus;
  const ha = prom.replicas > 1;
  const storageClass = args.storageClass;
  // Leave the TSDB 10% headroom so compaction never fills the volume.
  const retentionSize = `${Math.floor(prom.storageGiB * 0.9)}GB`;

  return {
    fullnameOverride: KPS_FULLNAME,
    crds: { enabled: true },
    defaultRules: {
      create: true,
      // DOKS manages etcd, the scheduler, the controller manager and kube-proxy (Cilium replaces
      // it): nothing scrapes them, so their rules would only report absent targets.
      rules: {
        etcd: false,
        kubeControllerManager: false,
        kubeSchedulerAlerting: false,
        kubeSchedulerRecording: false,
        kubeProxy: false,
        windows: false,
      },
      // Replaced by Prism's PersistentVolumeFillingUp (alertRules.ts), which also pages when almost full.
      disabled: { KubePersistentVolumeFillingUp: true },
    },
    kubeControllerManager: { enabled: false },
    kubeScheduler: { enabled: false },
    kubeEtcd: { enabled: false },
    kubeProxy: { enabled: false },
    windowsMonitoring: { enabled: false },

    prometheusOperator: {
      // The validating webhook is called by the DOKS control plane from outside the cluster network,
      // which no namespace's NetworkPolicy can name narrowly, and with failurePolicy Fail it would
      // block every PrometheusRule. Rules are typed data checked by the tests instead; Prometheus
      // reports any rule it cannot load (PrometheusRuleFailures). Without the webhook there is no
      // certificate for the operator's TLS listener, so it serves its metrics over plain HTTP.
      admissionWebhooks: { enabled: false, patch: { enabled: false } },
      tls: { enabled: false },
      resources: resources("100m", "128Mi", "500m", "512Mi"),
      prometheusConfigReloader: { resources: resources("10m", "32Mi", "100m", "64Mi") },
      containerSecurityContext: restrictedContainer,
      // The operator reconciles Prometheus, Alertmanager and their CRs: it needs its token.
      serviceAccount: { create: true, automountServiceAccountToken: true },
      podAnnotations: tokenNeeded("reconciles Prometheus, Alertmanager and their rules and monitors"),
    },

    prometheus: {
      podDisruptionBudget: { enabled: ha, minAvailable: 1 },
      prometheusSpec: {
        replicas: prom.replicas,
        retention: `${prom.retentionDays}d`,
        retentionSize,
        storageSpec: volumeClaim(`${prom.storageGiB}Gi`, storageClass),
        walCompression: true,
        externalLabels: args.externalLabels,
        // Select every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule in every
        // namespace, not only those carrying this release's label.
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        scrapeConfigSelectorNilUsesHelmValues: false,
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorNamespaceSelector: {},
        podMonitorNamespaceSelector: {},
        probeNamespaceSelector: {},
        ruleNamespaceSelector: {},
        // Replicas on different nodes, so a node loss never takes all of them.
        podAntiAffinity: ha ? "hard" : "soft",
        resources: ha ? resources("500m", "2Gi", "2", "4Gi") : resources("200m", "1Gi", "1", "2Gi"),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 2000,
          fsGroup: 2000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        logFormat: "json",
      },
    },

    alertmanager: {
      enabled: true,
      podDisruptionBudget: { enabled: ha, minAvailable: 1 },
      alertmanagerSpec: {
        // PrometheusStack writes alertmanager.yaml into ALERTMANAGER_CONFIG_SECRET itself: typed,
        // validated, and with the Slack webhook referenced by file rather than inlined.
        useExistingSecret: true,
        secrets: args.alertmanagerSecrets,
        // Highly available alongside Prometheus: replicas gossip and deduplicate notifications.
        replicas: prom.replicas,
        retention: "120h",
        storage: volumeClaim(ALERTMANAGER_STORAGE, storageClass),
        podAntiAffinity: ha ? "hard" : "soft",
        resources: resources("50m", "64Mi", "200m", "256Mi"),
        securityContext: {
          runAsNonRoot: true,
          runAsUser: 1000,
          runAsGroup: 2000,
          fsGroup: 2000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        logFormat: "json",
      },
    },

    grafana: grafanaValues(args),

    kubeStateMetrics: { enabled: true },
    "kube-state-metrics": {
      // Subchart key (kube-state-metrics chart): its defaults are already restricted.
      resources: resources("50m", "128Mi", "200m", "256Mi"),
      podAnnotations: tokenNeeded("lists and watches the objects whose state it exports"),
    },

    nodeExporter: {
      enabled: true,
      operatingSystems: { linux: { enabled: true }, aix: { enabled: false }, darwin: { enabled: false } },
    },
    "prometheus-node-exporter": {
      // Host network and PID namespace: only node-agents (Pod Security privileged) admits it.
      namespaceOverride: args.nodeAgentsNamespace,
      resources: resources("50m", "64Mi", "200m", "128Mi"),
      // It reads /proc and /sys as nobody: host namespaces, but no privilege, capability or syscall
      // beyond the restricted set (the chart's pod context already runs it as 65534).
      containerSecurityContext: restrictedContainer,
    },
  };
}

/** The k8s-sidecar health check: GET /healthz on the container's HEALTH_PORT, with its own Python. */
const SIDECAR_HEALTH_CHECK =
  "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ['HEALTH_PORT'] + '/healthz', timeout=3)";

function sidecarProbe(periodSeconds: number) {
  return {
    exec: { command: ["python", "-c", SIDECAR_HEALTH_CHECK] },
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold: 3,
  };
}

function grafanaValues(args: PrometheusValuesArgs): HelmValues {
  const storageClass = args.storageClass;
  return {
    enabled: true,
    defaultDashboardsEnabled: true,
    defaultDashboardsTimezone: "utc",
    // The admin login comes from a Secret Pulumi generates; the chart never sees a password.
    admin: {
      existingSecret: GRAFANA_ADMIN_SECRET,
      userKey: GRAFANA_ADMIN_USER_KEY,
      passwordKey: GRAFANA_ADMIN_PASSWORD_KEY,
    },
    // Reached only through Traefik and the Access hostname (PrometheusStack's IngressRoute).
    ingress: { enabled: false },
    // The sidecars list ConfigMaps cluster-wide through the API.
    serviceAccount: { create: true, autoMount: true },
    podAnnotations: tokenNeeded("its sidecars list dashboard and datasource ConfigMaps cluster-wide"),
    sidecar: {
      dashboards: {
        enabled: true,
        label: "grafana_dashboard",
        labelValue: "1",
        searchNamespace: "ALL",
        provider: { allowUiUpdates: false },
      },
      datasources: { enabled: true, defaultDatasourceEnabled: true, isDefaultDatasource: true },
      // Subchart key (grafana chart sidecar.resources).
      resources: resources("20m", "64Mi", "100m", "128Mi"),
      // One probe for every sidecar, though each serves /healthz on its own HEALTH_PORT: an exec
      // probe inside each container reads that container's own port. 503 until the first sync
      // (readiness) and when the Kubernetes watch is lost (liveness).
      livenessProbe: sidecarProbe(30),
      readinessProbe: sidecarProbe(10),
    },
    additionalDataSources: [
      {
        name: "Jaeger",
        uid: "jaeger",
        type: "jaeger",
        access: "proxy",
        url: args.jaegerQueryUrl,
        editable: false,
      },
    ],
    // Subchart keys (grafana chart) from here on.
    persistence: {
      enabled: true,
      type: "pvc",
      size: `${args.config.grafanaStorageGiB}Gi`,
      accessModes: ["ReadWriteOnce"],
      ...(storageClass ? { storageClassName: storageClass } : {}),
    },
    // A ReadWriteOnce volume cannot attach to a second pod during a rolling update.
    deploymentStrategy: { type: "Recreate" },
    // The chown init container runs as root with CHOWN; fsGroup gives the volume to Grafana instead.
    initChownData: { enabled: false },
    resources: resources("100m", "256Mi", "500m", "512Mi"),
    testFramework: { enabled: false },
    "grafana.ini": {
      server: { domain: args.grafanaHostname, root_url: `https://${args.grafanaHostname}` },
      analytics: { check_for_updates: false, reporting_enabled: false },
      users: { allow_sign_up: false },
      security: { cookie_secure: true, disable_gravatar: true },
    },
  };
}
