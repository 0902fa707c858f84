/** Namespaces, network isolation and exposure: PSA labels, default-deny, no stray load balancers. */
import * as k8s from "@pulumi/kubernetes";
import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { workloadOf } from "../lib/podSpec";
import { knownItems } from "../lib/unknowns";

type Meta = { name?: string; namespace?: string; labels?: Record<string, string> };

export const namespacePodSecurity: ResourceValidationPolicy = {
  name: "k8s-namespace-pod-security",
  description:
    "Every namespace sets a Pod Security Admission enforce label; anything below `restricted` must be a listed exception.",
  configSchema: {
    properties: {
      exceptions: {
        type: "object",
        additionalProperties: { enum: ["baseline", "privileged"] },
        default: { "node-agents": "privileged" },
        description: "Namespace → the PSA level it may enforce instead of restricted.",
      },
    },
  },
  validateResource: validateResourceOfType(k8s.core.v1.Namespace, (ns, args, report) => {
    const { exceptions } = args.getConfig<{ exceptions: Record<string, string> }>();
    const meta = (ns.metadata ?? {}) as Meta;
    const name = meta.name ?? args.name;
    const level = meta.labels?.["pod-security.kubernetes.io/enforce"];
    if (!level) {
      report(`namespace ${name} has no pod-security.kubernetes.io/enforce label`);
    } else if (level !== "restricted" && exceptions[name] !== level) {
      report(
        `namespace ${name} enforces "${level}"; only restricted is allowed unless listed as an exception`,
      );
    }
  }),
};

/** Kinds that are not namespaced; everything else must name a namespace other than default. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "CustomResourceDefinition",
  "APIService",
  "ClusterRole",
  "ClusterRoleBinding",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "CSIDriver",
  "IngressClass",
  "RuntimeClass",
  "VolumeSnapshotClass",
]);

function kindOf(type: string, props: Record<string, unknown>): string {
  if (typeof props.kind === "string") return props.kind;
  return type.split(":").pop() ?? "";
}

export const noDefaultNamespace: ResourceValidationPolicy = {
  name: "k8s-no-default-namespace",
  description: "Namespaced Kubernetes objects and Helm releases name a namespace, never `default`.",
  validateResource: (args, report) => {
    if (!args.type.startsWith("kubernetes:")) return;
    // Components whose children are the real objects, each naming its own namespace.
    if (
      /^kubernetes:(yaml\/v2:Config(File|Group)|helm\.sh\/v4:Chart|kustomize\/v2:Directory)$/.test(args.type)
    )
      return;
    if (args.type === "kubernetes:helm.sh/v3:Release") {
      const ns = args.props.namespace;
      if (!ns || ns === "default")
        report(`Helm release ${args.name} installs into ${ns ? "default" : "no namespace (default)"}`);
      return;
    }
    const kind = kindOf(args.type, args.props);
    // Cluster-scoped kinds, including custom ones by convention (ClusterSecretStore, ClusterIssuer, …).
    if (CLUSTER_SCOPED.has(kind) || kind.startsWith("Cluster") || kind.endsWith("List")) return;
    const meta = (args.props.metadata ?? {}) as Meta;
    if (!meta.namespace || meta.namespace === "default") {
      report(
        `${kind} ${meta.name ?? args.name} is in ${meta.namespace ? "the default namespace" : "no namespace (default)"}`,
      );
    }
  },
};

interface NetworkPolicySpec {
  podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  policyTypes?: string[];
  ingress?: unknown[];
  egress?: unknown[];
}

/** A policy that selects every pod and allows nothing in either direction. */
export function isDefaultDeny(spec: NetworkPolicySpec | undefined): boolean {
  if (!spec) return false;
  const selector = spec.podSelector ?? {};
  const selectsAll =
    Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
  const types = spec.policyTypes ?? [];
  return (
    selectsAll &&
    types.includes("Ingress") &&
    types.includes("Egress") &&
    (spec.ingress ?? []).length === 0 &&
    (spec.egress ?? []).length === 0
  );
}

export const defaultDenyNetworkPolicy: StackValidationPolicy = {
  name: "k8s-default-deny-network-policy",
  description: "Every namespace the stack creates or runs workloads in has a default-deny NetworkPolicy.",
  validateStack: (args, report) => {
    const needs = new Map<string, string>(); // namespace → URN that needs it
    const denied = new Set<string>();
    // Only the kinds it is about are read: a stack policy that reads one unknown value (on a first
    // preview, e.g. a Release's computed metadata) decides nothing at all.
    const metaOf = (r: (typeof args.resources)[number]) => (r.props.metadata ?? {}) as Meta;
    for (const r of args.resources) {
      if (r.isType(k8s.core.v1.Namespace)) {
        const name = metaOf(r).name;
        if (name) needs.set(name, r.urn);
      }
      const workload = workloadOf(r.type, r.props);
      if (workload?.namespace && !needs.has(workload.namespace)) needs.set(workload.namespace, r.urn);
      if (r.isType(k8s.networking.v1.NetworkPolicy)) {
        const namespace = metaOf(r).namespace;
        if (namespace && isDefaultDeny(r.props.spec as NetworkPolicySpec)) denied.add(namespace);
      }
    }
    for (const [ns, urn] of needs) {
      if (!denied.has(ns))
        report(
          `namespace ${ns} has no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules)`,
          urn,
        );
    }
  },
};

export const serviceExposure: ResourceValidationPolicy = {
  name: "k8s-service-exposure",
  description:
    "No Service of type LoadBalancer or NodePort unless allow-listed; allowed load balancers restrict loadBalancerSourceRanges.",
  configSchema: {
    properties: {
      allowed: {
        type: "array",
        items: { type: "string" },
        default: ["edge/traefik-cvm-agents"],
        description: "namespace/name of Services that may be exposed (the CVM agents' 7018 load balancer).",
      },
    },
  },
  validateResource: validateResourceOfType(k8s.core.v1.Service, (svc, args, report) => {
    const type = svc.spec?.type;
    if (type !== "LoadBalancer" && type !== "NodePort") return;
    const meta = (svc.metadata ?? {}) as Meta;
    const id = `${meta.namespace ?? "default"}/${meta.name ?? args.name}`;
    const { allowed } = args.getConfig<{ allowed: string[] }>();
    if (!allowed.includes(id)) {
      report(
        `Service ${id} is of type ${type} but not allow-listed; traffic enters through the Cloudflare tunnel`,
      );
      return;
    }
    // The list's length and the ranges written literally are known on a first preview; a range
    // still unknown is the /32 of an address a provider has yet to allocate (checked at the update).
    const ranges = svc.spec?.loadBalancerSourceRanges ?? [];
    const known = knownItems(ranges).map(String);
    if (type === "LoadBalancer" && (ranges.length === 0 || known.some((r) => r.endsWith("/0")))) {
      report(`Service ${id} is a load balancer without restrictive loadBalancerSourceRanges`);
    }
  }),
};

export const namespaceAndNetworkPolicies = [
  namespacePodSecurity,
  noDefaultNamespace,
  defaultDenyNetworkPolicy,
  serviceExposure,
];
