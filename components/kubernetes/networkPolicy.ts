/**
 * The platform's network rules in one place: address ranges, ports, peers, the namespace baseline
 * and the one way to reach the Kubernetes API. Every platform namespace starts from DEFAULT_DENY_SPEC
 * plus ALLOW_DNS_SPEC; components add narrow openings built from the pieces below.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { cidrContains, formatAddress, parseCidr } from "../network/cidr";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type EgressRule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;
type Port = { protocol: string; port: number };

/** RFC 1918 private networks: the DOKS VPC, its pods and services, and nodes' addresses live here. */
export const RFC1918_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] as const;

/** True when `cidr` lies inside RFC 1918 (a DigitalOcean VPC must). */
export function isRfc1918Cidr(cidr: string): boolean {
  return RFC1918_RANGES.some((range) => cidrContains(range, cidr));
}

/**
 * Everything that is not the public internet, for "internet only" egress: RFC 1918, plus CGNAT
 * shared space (RFC 6598, which carrier and cloud networks use internally) and link-local (RFC 3927,
 * where cloud metadata services such as 169.254.169.254 answer with node credentials). Excluding
 * only RFC 1918 would let an "internet only" pod reach the metadata endpoint.
 */
export const PRIVATE_RANGES = [...RFC1918_RANGES, "100.64.0.0/10", "169.254.0.0/16"] as const;

/** TCP on each of `ports`. */
export function tcp(...ports: number[]): Port[] {
  return ports.map((port) => ({ protocol: "TCP", port }));
}

/** Pods of a namespace (any pod there, unless narrowed by `podLabels`). */
export function namespacePeer(namespace: pulumi.Input<string>, podLabels?: Record<string, string>): Peer {
  return {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": namespace } },
    ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
  };
}

/** Any public address, never a private one (PRIVATE_RANGES). */
export const INTERNET_PEER: Peer = { ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] } };

/** `ports` to public addresses only: for endpoints whose addresses change (cloud APIs, registries). */
export function internetEgress(...ports: number[]): EgressRule {
  return { to: [INTERNET_PEER], ports: tcp(...ports) };
}

/** Selects every pod and allows nothing: the baseline of every namespace the platform owns. */
export const DEFAULT_DENY_SPEC: Spec = {
  podSelector: {},
  policyTypes: ["Ingress", "Egress"],
};

/** DNS to kube-dns: the one thing every pod needs, allowed by default. */
export const ALLOW_DNS_SPEC: Spec = {
  podSelector: {},
  policyTypes: ["Egress"],
  egress: [
    {
      to: [namespacePeer("kube-system", { "k8s-app": "kube-dns" })],
      ports: [
        { protocol: "UDP", port: 53 },
        { protocol: "TCP", port: 53 },
      ],
    },
  ],
};

/** The cluster's address plan, which locates the Kubernetes API. */
export interface ClusterNetwork {
  /** The VPC's CIDR (the control plane's private address is inside it). */
  vpcCidr: string;
  /** The Service CIDR (the `kubernetes` Service has its first address). */
  serviceSubnet: string;
}

/** The `kubernetes` Service's ClusterIP: the first address of the service range. */
export function kubernetesServiceIp(serviceSubnet: string): string {
  const cidr = parseCidr(serviceSubnet);
  if (!cidr) throw new Error(`serviceSubnet: not an IPv4 CIDR: ${JSON.stringify(serviceSubnet)}`);
  return formatAddress(cidr.base + 1);
}

/**
 * The Kubernetes API, the one way: the `kubernetes` Service, the control plane inside the VPC, or
 * DOKS's public endpoint. Policies see the address after the Service's DNAT, which is one of these;
 * the public endpoint's address is not known before the cluster exists, so it is "any public address".
 */
export function kubernetesApiEgress(network: ClusterNetwork): EgressRule {
  return {
    to: [
      { ipBlock: { cidr: `${kubernetesServiceIp(network.serviceSubnet)}/32` } },
      { ipBlock: { cidr: network.vpcCidr } },
      INTERNET_PEER,
    ],
    ports: tcp(443, 6443),
  };
}
