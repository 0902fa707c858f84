import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ALLOW_DNS_SPEC, DEFAULT_DENY_SPEC } from "../kubernetes/networkPolicy";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

interface NamespaceSpec {
  /** Pod Security Admission level enforced on the namespace. */
  podSecurity: PodSecurityLevel;
  /** What runs there, and for anything below `restricted`, why it needs more. */
  purpose: string;
}

/**
 * Every namespace the platform owns. All are `restricted` except `node-agents`, which holds the
 * per-node collectors that must read the host (node-exporter: host network and PID namespace;
 * Fluent Bit: host log directories) and so cannot run under `restricted` or `baseline`.
 */
export const PLATFORM_NAMESPACES = {
  edge: { podSecurity: "restricted", purpose: "Traefik ingress and cloudflared" },
  openbao: { podSecurity: "restricted", purpose: "OpenBao PKI" },
  velero: { podSecurity: "restricted", purpose: "Velero backups" },
  monitoring: { podSecurity: "restricted", purpose: "Prometheus, Alertmanager, Grafana, Jaeger" },
  logging: { podSecurity: "restricted", purpose: "OpenSearch and OpenSearch Dashboards" },
  "node-agents": {
    podSecurity: "privileged",
    purpose: "node-exporter and Fluent Bit, which read host metrics and host log files",
  },
  data: { podSecurity: "restricted", purpose: "PostgreSQL clusters and poolers, Valkey, NATS" },
  "cnpg-system": { podSecurity: "restricted", purpose: "CloudNativePG operator" },
  spicedb: { podSecurity: "restricted", purpose: "SpiceDB operator and cluster" },
  "external-secrets": { podSecurity: "restricted", purpose: "External Secrets operator" },
  argocd: { podSecurity: "restricted", purpose: "ArgoCD and Image Updater" },
  "argo-rollouts": { podSecurity: "restricted", purpose: "Argo Rollouts controller" },
  prism: { podSecurity: "restricted", purpose: "the Prism microservices" },
  "restore-drill": {
    podSecurity: "restricted",
    purpose: "the restore drill's scratch copies of backups, deleted after each drill",
  },
} as const satisfies Record<string, NamespaceSpec>;

export type PlatformNamespace = keyof typeof PLATFORM_NAMESPACES;

export interface PlatformNamespacesArgs {
  provider: k8s.Provider;
  /** Kubernetes minor ("1.34") the Pod Security profiles are pinned to. */
  kubernetesVersion: string;
}

/**
 * The platform namespaces, each with Pod Security Admission labels and a default-deny
 * NetworkPolicy; DNS egress is the one thing allowed by default, since nothing works without it.
 * Components add the narrow allow rules their workloads need.
 */
export class PlatformNamespaces extends pulumi.ComponentResource {
  private readonly names: Record<PlatformNamespace, pulumi.Output<string>>;

  constructor(name: string, args: PlatformNamespacesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:cluster:PlatformNamespaces", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const psaVersion = `v${args.kubernetesVersion}`;
    const names = {} as Record<PlatformNamespace, pulumi.Output<string>>;

    for (const [ns, spec] of Object.entries(PLATFORM_NAMESPACES) as [PlatformNamespace, NamespaceSpec][]) {
      const namespace = new k8s.core.v1.Namespace(
        ns,
        {
          metadata: {
            name: ns,
            labels: {
              "app.kubernetes.io/part-of": "prism",
              "pod-security.kubernetes.io/enforce": spec.podSecurity,
              "pod-security.kubernetes.io/enforce-version": psaVersion,
              // Warn and audit at `restricted` everywhere, so exceptions stay visible.
              "pod-security.kubernetes.io/warn": "restricted",
              "pod-security.kubernetes.io/warn-version": psaVersion,
              "pod-security.kubernetes.io/audit": "restricted",
              "pod-security.kubernetes.io/audit-version": psaVersion,
            },
            annotations: { "prism.io/purpose": spec.purpose },
          },
        },
        k8sOpts,
      );
      const nsName = namespace.metadata.name;

      new k8s.networking.v1.NetworkPolicy(
        `${ns}-default-deny`,
        {
          metadata: { name: "default-deny", namespace: nsName },
          spec: DEFAULT_DENY_SPEC,
        },
        k8sOpts,
      );
      new k8s.networking.v1.NetworkPolicy(
        `${ns}-allow-dns`,
        {
          metadata: { name: "allow-dns", namespace: nsName },
          spec: ALLOW_DNS_SPEC,
        },
        k8sOpts,
      );
      names[ns] = nsName;
    }
    this.names = names;
    this.registerOutputs({});
  }

  /** Every platform namespace's name. */
  all(): pulumi.Output<string[]> {
    return pulumi.all(Object.values(this.names));
  }

  /** The namespace's name, as an output that depends on the namespace existing. */
  name(ns: PlatformNamespace): pulumi.Output<string> {
    return this.names[ns];
  }
}
