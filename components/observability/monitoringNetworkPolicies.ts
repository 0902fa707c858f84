/**
 * The openings namespace monitoring needs on top of default-deny: its components talk to each
 * other; Prometheus scrapes every namespace and the nodes; Grafana, the operator and
 * kube-state-metrics read the Kubernetes API; Alertmanager reaches its notification endpoints;
 * Traefik (namespace edge) reaches Grafana, Argo Rollouts' controller queries Prometheus for the
 * canary analyses, and nothing else gets in from outside.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { kubeApiPolicy, networkPolicy, sameNamespacePolicy } from "./network";
import {
  internetEgress,
  kubernetesApiEgress,
  namespacePeer,
  RFC1918_RANGES,
  tcp,
  type ClusterNetwork,
} from "../kubernetes/networkPolicy";
import {
  ALERTMANAGER_POD_LABELS,
  GRAFANA_CONTAINER_PORT,
  GRAFANA_POD_LABELS,
  KUBE_STATE_METRICS_POD_LABELS,
  OPERATOR_POD_LABELS,
  PROMETHEUS_POD_LABELS,
  PROMETHEUS_SERVICE,
} from "./prometheusValues";
import { TRAEFIK_POD_LABELS } from "../../policies/facts/platform";

/** Argo Rollouts' controller pods (components/delivery/rollouts.ts), in namespace argo-rollouts. */
const ROLLOUTS_CONTROLLER_LABELS = { "app.kubernetes.io/name": "argo-rollouts" } as const;

/** Kubelet (cAdvisor, volume stats) and node-exporter, both on the nodes' addresses. */
const NODE_PORTS = { kubelet: 10250, nodeExporter: 9100 };

export interface MonitoringNetworkPoliciesArgs {
  namespace: pulumi.Input<string>;
  /** Ports Alertmanager sends notifications to (SMTP relay, Slack's HTTPS). */
  notificationPorts: number[];
  /** The cluster's address plan, which locates the Kubernetes API. */
  clusterNetwork: ClusterNetwork;
}

export function monitoringNetworkPolicies(
  name: string,
  args: MonitoringNetworkPoliciesArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy[] {
  const ns = args.namespace;
  const meta = (suffix: string) => ({ name: suffix, namespace: ns });
  const policies = [sameNamespacePolicy(`${name}-same-namespace`, ns, opts)];

  policies.push(
    networkPolicy(
      `${name}-prometheus-scrape`,
      meta("allow-prometheus-scrape"),
      {
        podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
        policyTypes: ["Egress"],
        egress: [
          // Every pod it has a ServiceMonitor or PodMonitor for; each target namespace admits it.
          { to: [{ namespaceSelector: {} }] },
          // Kubelets and host-network node-exporters answer on the nodes' VPC addresses.
          {
            to: RFC1918_RANGES.map((cidr) => ({ ipBlock: { cidr } })),
            ports: tcp(NODE_PORTS.kubelet, NODE_PORTS.nodeExporter),
          },
          // Service discovery and the API server's own metrics.
          kubernetesApiEgress(args.clusterNetwork),
        ],
      },
      opts,
    ),
  );

  const apiClients: [string, Record<string, string>][] = [
    ["grafana", GRAFANA_POD_LABELS],
    ["operator", OPERATOR_POD_LABELS],
    ["kube-state-metrics", KUBE_STATE_METRICS_POD_LABELS],
  ];
  for (const [client, labels] of apiClients) {
    policies.push(
      kubeApiPolicy(
        `${name}-${client}-api`,
        meta(`allow-${client}-kube-api`),
        labels,
        args.clusterNetwork,
        opts,
      ),
    );
  }

  if (args.notificationPorts.length > 0) {
    policies.push(
      networkPolicy(
        `${name}-alertmanager-notify`,
        meta("allow-alertmanager-notifications"),
        {
          podSelector: { matchLabels: { ...ALERTMANAGER_POD_LABELS } },
          policyTypes: ["Egress"],
          // The SMTP relay and Slack are outside the cluster, at addresses that change.
          egress: [internetEgress(...args.notificationPorts)],
        },
        opts,
      ),
    );
  }

  policies.push(
    networkPolicy(
      `${name}-grafana-from-traefik`,
      meta("allow-grafana-from-traefik"),
      {
        podSelector: { matchLabels: { ...GRAFANA_POD_LABELS } },
        policyTypes: ["Ingress"],
        ingress: [
          { from: [namespacePeer("edge", { ...TRAEFIK_POD_LABELS })], ports: tcp(GRAFANA_CONTAINER_PORT) },
        ],
      },
      opts,
    ),
  );
  policies.push(
    networkPolicy(
      `${name}-prometheus-from-rollouts`,
      meta("allow-prometheus-from-argo-rollouts"),
      {
        podSelector: { matchLabels: { ...PROMETHEUS_POD_LABELS } },
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [namespacePeer("argo-rollouts", { ...ROLLOUTS_CONTROLLER_LABELS })],
            ports: tcp(PROMETHEUS_SERVICE.port),
          },
        ],
      },
      opts,
    ),
  );
  return policies;
}
