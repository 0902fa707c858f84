import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  internetEgress,
  kubernetesApiEgress,
  namespacePeer,
  tcp,
  type ClusterNetwork,
} from "../kubernetes/networkPolicy";
import { AM_CERTS, OPENBAO_API_PORT, OPENBAO_CLUSTER_PORT, OPENBAO_SERVER_LABELS } from "./openbaoNames";

export interface OpenBaoNetworkPoliciesArgs {
  /** namespaces.name("openbao") */
  namespace: pulumi.Input<string>;
  /** namespaces.name("prism"): where am-certs runs. */
  clientNamespace: pulumi.Input<string>;
  /** The cluster's address plan, for the Kubernetes API's addresses. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
  parent: pulumi.Resource;
}

/**
 * The allow rules the OpenBao servers need on top of the namespace's default-deny (DNS is already
 * allowed there). What is not listed here cannot reach OpenBao, and OpenBao cannot reach it.
 *
 * Not subject to NetworkPolicy, by design of Kubernetes: `kubectl port-forward` (the kubelet enters
 * the pod's network namespace and connects to localhost), `kubectl exec`, and the kubelet's probes
 * from the node. That is how the operator and Pulumi reach OpenBao during the bootstrap.
 */
export function openBaoNetworkPolicies(
  name: string,
  args: OpenBaoNetworkPoliciesArgs,
): k8s.networking.v1.NetworkPolicy[] {
  const opts = { parent: args.parent, provider: args.provider };
  const servers = { matchLabels: OPENBAO_SERVER_LABELS };
  const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(
      `${name}-${suffix}`,
      { metadata: { name: `openbao-${suffix}`, namespace: args.namespace }, spec },
      opts,
    );

  return [
    // Raft replication, request forwarding (8201) and retry_join over the API (8200), both ways.
    policy("raft-peers", {
      podSelector: servers,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: servers }], ports: tcp(OPENBAO_API_PORT, OPENBAO_CLUSTER_PORT) }],
      egress: [{ to: [{ podSelector: servers }], ports: tcp(OPENBAO_API_PORT, OPENBAO_CLUSTER_PORT) }],
    }),
    // The PKI's one client: am-certs in the prism namespace, on the API port only.
    policy("am-certs", {
      podSelector: servers,
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [namespacePeer(args.clientNamespace, AM_CERTS.podLabels)],
          ports: tcp(OPENBAO_API_PORT),
        },
      ],
    }),
    // Google Cloud KMS and Google's OAuth endpoint, for auto-unseal. Their addresses are public and
    // change; an L3/L4 policy can only say "HTTPS to the internet, not into private ranges".
    policy("egress-google-kms", {
      podSelector: servers,
      policyTypes: ["Egress"],
      egress: [internetEgress(443)],
    }),
    // The Kubernetes API, for the kubernetes auth method's TokenReview and for service registration
    // (labelling the active pod).
    policy("egress-kubernetes-api", {
      podSelector: servers,
      policyTypes: ["Egress"],
      egress: [kubernetesApiEgress(args.clusterNetwork)],
    }),
  ];
}
