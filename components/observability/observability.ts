import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { image } from "../helm/catalog";
import type { PlatformNamespaces } from "../cluster/platformNamespaces";
import type { ClusterNetwork } from "../kubernetes/networkPolicy";
import { Autoscaling } from "./autoscaling";
import { GrafanaDashboards } from "./dashboards";
import { LogShipping } from "./logShipping";
import { LogStorage } from "./logStorage";
import { PrometheusCrds } from "./prometheusCrds";
import { PrometheusStack } from "./prometheusStack";
import type { ObservabilityConfig } from "./prometheusValues";
import { Tracing } from "./tracing";

export interface ObservabilityArgs {
  /**
   * Pulumi refuses to delete the releases that keep data on volumes (Prometheus, Alertmanager,
   * Grafana, OpenSearch): config stateful.protect.
   */
  protect: boolean;
  /** The StorageClass of every volume here; DOKS's default when undefined. */
  storageClass?: string;
  /** Labels Prometheus adds to every series and alert it sends out (e.g. cluster, environment). */
  externalLabels: Record<string, string>;
  baseDomain: string;
  config: ObservabilityConfig;
  namespaces: PlatformNamespaces;
  /** The cluster's address plan, which locates the Kubernetes API for the egress policies. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
  /** Slack incoming-webhook URL (the alertmanagerSlackWebhookUrl secret); required by a Slack receiver. */
  slackWebhookUrl?: pulumi.Output<string>;
  /** The Traefik component: it installs the IngressRoute CRD the operator UIs' routes use. */
  ingress?: pulumi.Resource;
}

/**
 * Metrics, dashboards, alerts, traces and logs for the platform:
 * - kube-prometheus-stack (namespace monitoring): Prometheus and Alertmanager sized per stack,
 *   Grafana behind the `grafana` Access hostname, Prism's alert rules; node-exporter in node-agents;
 * - a dashboard per service and one for the Cocos managers (ConfigMaps Grafana's sidecar loads);
 * - Jaeger (monitoring) sampling at the stack's rate;
 * - OpenSearch and Dashboards (logging) with a retention policy, Dashboards behind `logs`;
 * - Fluent Bit (node-agents) shipping every container's log to OpenSearch;
 * - the VPA recommender for the services' recommendation-mode autoscalers. metrics-server is DOKS's.
 */
export class Observability extends pulumi.ComponentResource {
  readonly grafanaHostname: string;
  readonly logsHostname: string;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:Observability", name, {}, opts);
    const { config, namespaces, provider } = args;
    const child = { parent: this };
    const monitoring = namespaces.name("monitoring");

    // Logs first: Jaeger may store its traces in the same OpenSearch.
    const logs = new LogStorage(
      `${name}-logs`,
      {
        baseDomain: args.baseDomain,
        protect: args.protect,
        storageClass: args.storageClass,
        config: config.logs,
        namespace: namespaces.name("logging"),
        provider,
        retentionJobImage: image("curl"),
        ingress: args.ingress,
      },
      child,
    );

    const tracing = new Tracing(
      `${name}-tracing`,
      {
        config: config.tracing,
        namespace: monitoring,
        provider,
        ...(config.tracing.storage === "opensearch"
          ? {
              store: {
                url: logs.url,
                username: logs.adminUser,
                password: logs.adminPassword,
                indexReplicas: logs.indexReplicas,
              },
            }
          : {}),
      },
      child,
    );

    // The Prometheus operator's CRDs others create objects of, on their own ahead of every release.
    const crds = new PrometheusCrds(`${name}-prometheus-crds`, { provider }, child).crds;

    const prometheus = new PrometheusStack(
      `${name}-prometheus`,
      {
        protect: args.protect,
        storageClass: args.storageClass,
        externalLabels: args.externalLabels,
        baseDomain: args.baseDomain,
        config,
        namespaces,
        clusterNetwork: args.clusterNetwork,
        provider,
        slackWebhookUrl: args.slackWebhookUrl,
        jaegerQueryUrl: tracing.queryUrl,
        crds,
        ingress: args.ingress,
      },
      child,
    );

    new GrafanaDashboards(`${name}-dashboards`, { namespace: monitoring, provider }, child);

    new LogShipping(
      `${name}-log-shipping`,
      {
        namespace: namespaces.name("node-agents"),
        opensearch: { url: logs.url, user: logs.adminUser, password: logs.adminPassword },
        clusterNetwork: args.clusterNetwork,
        provider,
        // The ServiceMonitor CRD for its own metrics; OpenSearch it retries until it answers.
        dependsOn: crds,
      },
      child,
    );

    // DOKS ships metrics-server as a managed component: nothing here installs it (autoscaling.ts).
    new Autoscaling(
      `${name}-autoscaling`,
      { namespace: monitoring, clusterNetwork: args.clusterNetwork, provider },
      child,
    );

    this.grafanaHostname = prometheus.grafanaHostname;
    this.logsHostname = logs.logsHostname;
    this.registerOutputs({ grafanaHostname: this.grafanaHostname, logsHostname: this.logsHostname });
  }
}
