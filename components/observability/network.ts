/**
 * NetworkPolicy building blocks for the observability namespaces. Every platform namespace starts
 * default-deny with DNS allowed (PlatformNamespaces); these are the narrow openings its workloads
 * need, each named after what it allows.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformNamespace } from "../cluster/platformNamespaces";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** Pods of a platform namespace (any pod there, unless narrowed by `podLabels`). */
export function namespacePeer(ns: PlatformNamespace, podLabels?: Record<string, string>): Peer {
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

export function tcp(...ports: number[]): { protocol: string; port: number }[] {
  return ports.map((port) => ({ protocol: "TCP", port }));
}

/** Private ranges: node addresses (kubelets, host-network exporters) live in the DOKS VPC inside them. */
export const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/**
 * The Kubernetes API. The DOKS control plane sits outside the cluster network at an address this
 * program does not know before the cluster exists (and may change), so the rule is the API ports on
 * any address — the same opening Traefik and Velero use.
 */
export const KUBE_API_EGRESS: EgressRule = {
  to: [{ ipBlock: { cidr: "0.0.0.0/0" } }],
  ports: tcp(443, 6443),
};

export function networkPolicy(
  name: string,
  metadata: { name: string; namespace: pulumi.Input<string> },
  spec: Spec,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(name, { metadata, spec }, opts);
}

/** Every pod of the namespace may reach every other: the components of one stack talk freely. */
export function sameNamespacePolicy(
  name: string,
  namespace: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return networkPolicy(
    name,
    { name: "allow-same-namespace", namespace },
    {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    },
    opts,
  );
}

/** Pods with these labels may call the Kubernetes API. */
export function kubeApiPolicy(
  name: string,
  metadata: { name: string; namespace: pulumi.Input<string> },
  podLabels: Record<string, string>,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return networkPolicy(
    name,
    metadata,
    { podSelector: { matchLabels: podLabels }, policyTypes: ["Egress"], egress: [KUBE_API_EGRESS] },
    opts,
  );
}
