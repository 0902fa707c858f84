import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease } from "../helm/helmRelease";
import { CNPG_LABELS, CNPG_PORTS } from "./postgresCluster";
import { kubernetesApiEgress, namespacePeer, tcp, type ClusterNetwork } from "../kubernetes/networkPolicy";
import { tokenNeeded } from "../kubernetes/podSecurity";
import type { PlatformNamespace } from "../cluster/platformNamespaces";

export interface CloudNativePgOperatorArgs {
  /**
   * Operator pods (leader election). The webhooks fail closed, so with a single operator any
   * moment it is unavailable blocks every change to a Cluster; two keep one serving.
   */
  replicas: number;
  /** namespaces.name("cnpg-system") */
  namespace: pulumi.Input<string>;
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

/** The Helm release name; the chart names the Deployment and its pods' labels after it. */
const RELEASE = "cloudnative-pg";
/** Labels of the operator's pods (chart name and release name). */
export const CNPG_OPERATOR_LABELS = {
  "app.kubernetes.io/name": "cloudnative-pg",
  "app.kubernetes.io/instance": RELEASE,
};
const WEBHOOK_PORT = 9443;
/** Namespaces that hold PostgreSQL clusters the operator manages. */
export const POSTGRES_NAMESPACES = ["data", "restore-drill"] as const satisfies readonly PlatformNamespace[];
const OPERATOR_METRICS_PORT = 8080;

/**
 * The CloudNativePG operator (with its CRDs) in cnpg-system, watching every namespace. Its own
 * monitoring toggles stay off: the PodMonitor CRD comes with kube-prometheus-stack, which another
 * component installs; the PostgreSQL clusters ask the operator for their PodMonitors instead.
 */
export class CloudNativePgOperator extends pulumi.ComponentResource {
  /** The release that installs the CRDs: Cluster, Pooler and ScheduledBackup depend on it. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: CloudNativePgOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:data:CloudNativePgOperator", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: { name: `cnpg-operator-${suffix}`, namespace: args.namespace }, spec },
        k8sOpts,
      );
    const operatorPods = { matchLabels: CNPG_OPERATOR_LABELS };
    const networkPolicies = [
      // The admission webhooks are called by the API server, whose source address on DOKS is not a
      // stable in-cluster one; the port is the only narrowing possible. Prometheus scrapes metrics.
      policy("ingress", {
        podSelector: operatorPods,
        policyTypes: ["Ingress"],
        ingress: [
          { ports: tcp(WEBHOOK_PORT) },
          { from: [namespacePeer("monitoring")], ports: tcp(OPERATOR_METRICS_PORT) },
        ],
      }),
      // The API server, and every PostgreSQL instance (status on 8000, SQL on 5432) where clusters
      // run: `data`, and the restore drill's scratch copies.
      policy("egress", {
        podSelector: operatorPods,
        policyTypes: ["Egress"],
        egress: [
          kubernetesApiEgress(args.clusterNetwork),
          {
            to: POSTGRES_NAMESPACES.map((ns) => ({
              ...namespacePeer(ns),
              podSelector: { matchExpressions: [{ key: CNPG_LABELS.cluster, operator: "Exists" }] },
            })),
            ports: tcp(CNPG_PORTS.status, CNPG_PORTS.postgres),
          },
        ],
      }),
    ];

    this.release = platformRelease(RELEASE, {
      chart: "cloudnative-pg",
      namespace: args.namespace,
      values: {
        replicaCount: args.replicas,
        crds: { create: true },
        config: { clusterWide: true },
        podAnnotations: tokenNeeded("reconciles PostgreSQL Clusters and Poolers through the Kubernetes API"),
        resources: {
          requests: { cpu: "100m", memory: "128Mi" },
          limits: { cpu: "500m", memory: "512Mi" },
        },
        podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        containerSecurityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsUser: 10001,
          runAsGroup: 10001,
          seccompProfile: { type: "RuntimeDefault" },
          capabilities: { drop: ["ALL"] },
        },
        webhook: {
          mutating: { create: true, failurePolicy: "Fail" },
          validating: { create: true, failurePolicy: "Fail" },
        },
        // Off: the PodMonitor CRD belongs to kube-prometheus-stack, which this component does not own.
        monitoring: { podMonitorEnabled: false, grafanaDashboard: { create: false } },
      },
      provider: args.provider,
      parent: this,
      // The operator must reach the API server from its first start.
      dependsOn: networkPolicies,
    });

    this.registerOutputs({ release: this.release.name });
  }
}
