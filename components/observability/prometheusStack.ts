import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterNetwork } from "../kubernetes/networkPolicy";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import type { PlatformNamespaces } from "../cluster/platformNamespaces";
import { platformRelease } from "../helm/helmRelease";
import { alertmanagerConfig, SLACK_WEBHOOK_KEY, SLACK_WEBHOOK_SECRET } from "./alertmanagerConfig";
import { RULE_GROUPS } from "./alertRules";
import { hostRoute, ingressRoute } from "../edge/traefikIngress";
import { podMonitor, prometheusRule, serviceMonitor } from "./customResources";
import { monitoringNetworkPolicies } from "./monitoringNetworkPolicies";
import {
  ALERTMANAGER_CONFIG_SECRET,
  GRAFANA_ADMIN_PASSWORD_KEY,
  GRAFANA_ADMIN_SECRET,
  GRAFANA_ADMIN_USER_KEY,
  GRAFANA_SERVICE,
  KPS_RELEASE,
  prometheusValues,
  type ObservabilityConfig,
} from "./prometheusValues";
import { TRAEFIK_POD_LABELS, platformHostname } from "../../policies/facts/platform";

export interface PrometheusStackArgs {
  /** Pulumi refuses to delete the release: Prometheus, Alertmanager and Grafana keep data on its volumes. */
  protect: boolean;
  /** The StorageClass of those volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** Labels Prometheus adds to every series and alert it sends out. */
  externalLabels: Record<string, string>;
  baseDomain: string;
  config: ObservabilityConfig;
  namespaces: PlatformNamespaces;
  /** The cluster's address plan, which locates the Kubernetes API. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
  /** Slack incoming-webhook URL (a Pulumi secret); required when a Slack receiver is configured. */
  slackWebhookUrl?: pulumi.Input<string>;
  /** In-cluster URL of Jaeger's query API, for Grafana's tracing datasource. */
  jaegerQueryUrl: pulumi.Input<string>;
  /** The ServiceMonitor, PodMonitor and PrometheusRule CRDs (PrometheusCrds), installed ahead. */
  crds: pulumi.Resource[];
  /** What installs Traefik's IngressRoute CRD (the Traefik component); the route waits for it. */
  ingress?: pulumi.Resource;
}

const HTTPS_PORT = 443;

/**
 * kube-prometheus-stack in namespace monitoring: Prometheus and Alertmanager sized per stack,
 * Grafana with generated admin credentials and the Access hostname as its only way in, Prism's
 * alert rules, and the scrape targets the platform's own components offer (Velero, Traefik).
 */
export class PrometheusStack extends pulumi.ComponentResource {
  /** The release; custom resources of the monitoring.coreos.com group depend on it (it installs the CRDs). */
  readonly release: k8s.helm.v3.Release;
  readonly grafanaHostname: string;

  constructor(name: string, args: PrometheusStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:PrometheusStack", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const namespace = args.namespaces.name("monitoring");
    const settings = args.config.alertmanager;
    this.grafanaHostname = platformHostname("grafana", args.baseDomain);

    const amConfig = alertmanagerConfig(settings);
    const slack = settings.receivers.some((r) => r.type === "slack");

    const adminPassword = new random.RandomPassword(
      `${name}-grafana-admin`,
      { length: 32, special: false },
      { parent: this },
    );
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-grafana-admin`,
      {
        metadata: { name: GRAFANA_ADMIN_SECRET, namespace, labels: { "app.kubernetes.io/name": "grafana" } },
        type: "Opaque",
        stringData: {
          [GRAFANA_ADMIN_USER_KEY]: "admin",
          [GRAFANA_ADMIN_PASSWORD_KEY]: pulumi.secret(adminPassword.result),
        },
      },
      k8sOpts,
    );

    const amSecret = new k8s.core.v1.Secret(
      `${name}-alertmanager-config`,
      {
        metadata: {
          name: ALERTMANAGER_CONFIG_SECRET,
          namespace,
          labels: { "app.kubernetes.io/name": "alertmanager" },
        },
        type: "Opaque",
        stringData: { "alertmanager.yaml": stringify(amConfig) },
      },
      k8sOpts,
    );
    const secrets: pulumi.Resource[] = [adminSecret, amSecret];
    if (slack && args.slackWebhookUrl !== undefined) {
      secrets.push(
        new k8s.core.v1.Secret(
          `${name}-slack-webhook`,
          {
            metadata: {
              name: SLACK_WEBHOOK_SECRET,
              namespace,
              labels: { "app.kubernetes.io/name": "alertmanager" },
            },
            type: "Opaque",
            stringData: { [SLACK_WEBHOOK_KEY]: pulumi.secret(args.slackWebhookUrl) },
          },
          k8sOpts,
        ),
      );
    }

    const smtpPort = settings.smtpSmarthost ? Number(settings.smtpSmarthost.split(":")[1]) : undefined;
    const notificationPorts = [
      ...(smtpPort !== undefined && settings.receivers.some((r) => r.type === "email") ? [smtpPort] : []),
      ...(slack ? [HTTPS_PORT] : []),
    ];
    const policies = monitoringNetworkPolicies(
      name,
      { namespace, notificationPorts, clusterNetwork: args.clusterNetwork },
      k8sOpts,
    );

    this.release = platformRelease(KPS_RELEASE, {
      chart: "kube-prometheus-stack",
      namespace,
      values: prometheusValues({
        storageClass: args.storageClass,
        externalLabels: args.externalLabels,
        config: args.config,
        grafanaHostname: this.grafanaHostname,
        alertmanagerSecrets: slack ? [SLACK_WEBHOOK_SECRET] : [],
        nodeAgentsNamespace: args.namespaces.name("node-agents"),
        jaegerQueryUrl: args.jaegerQueryUrl,
      }),
      provider: args.provider,
      // Prometheus, Alertmanager and Grafana keep their data on the release's volumes.
      protect: args.protect,
      parent: this,
      // Prometheus' volume and the CRDs take a while on a cold cluster.
      timeoutSeconds: 900,
      // The pods read these Secrets at start and reach the API through these policies.
      // The CRDs installed ahead: the chart's crds/ install then skips them instead of racing them.
      dependsOn: [...secrets, ...policies, ...args.crds],
    });
    // The rules and monitors need their CRDs only; the operator picks them up once it runs.
    const crdOpts = { ...k8sOpts, dependsOn: args.crds };

    for (const group of RULE_GROUPS) {
      prometheusRule(
        `${name}-${group.name}`,
        { name: group.name, namespace, labels: { "app.kubernetes.io/part-of": "prism" } },
        { groups: [group] },
        crdOpts,
      );
    }

    // Velero's server metrics (its NetworkPolicy already admits monitoring on 8085).
    serviceMonitor(
      `${name}-velero`,
      { name: "velero", namespace: args.namespaces.name("velero") },
      {
        selector: {
          matchLabels: { "app.kubernetes.io/name": "velero", "app.kubernetes.io/instance": "velero" },
        },
        endpoints: [{ port: "http-monitoring", path: "/metrics", interval: "30s" }],
      },
      crdOpts,
    );
    // Traefik's metrics entry point (not on its Service), for request and certificate metrics.
    podMonitor(
      `${name}-traefik`,
      { name: "traefik", namespace: args.namespaces.name("edge") },
      {
        selector: { matchLabels: { ...TRAEFIK_POD_LABELS } },
        podMetricsEndpoints: [{ port: "metrics", path: "/metrics", interval: "30s" }],
      },
      crdOpts,
    );

    // Grafana's only way in: the Access-protected hostname, through Traefik.
    ingressRoute(
      `${name}-grafana-route`,
      { name: "grafana", namespace },
      hostRoute(this.grafanaHostname, GRAFANA_SERVICE),
      { ...k8sOpts, dependsOn: args.ingress ? [this.release, args.ingress] : [this.release] },
    );

    this.registerOutputs({ grafanaHostname: this.grafanaHostname });
  }
}
