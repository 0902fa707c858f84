/**
 * NetworkPolicy building blocks for the observability namespaces. Every platform namespace starts
 * default-deny with DNS allowed (PlatformNamespaces); these are the narrow openings its workloads
 * need, each named after what it allows.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { kubernetesApiEgress, type ClusterNetwork } from "../kubernetes/networkPolicy";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;

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
  network: ClusterNetwork,
  opts: pulumi.CustomResourceOptions,
): k8s.networking.v1.NetworkPolicy {
  return networkPolicy(
    name,
    metadata,
    {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Egress"],
      egress: [kubernetesApiEgress(network)],
    },
    opts,
  );
}
