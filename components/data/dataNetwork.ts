/**
 * What the data components share: who uses which data service (read from services/catalog.ts,
 * never restated), where each database's credentials go, and the NetworkPolicy building blocks.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { internetEgress, namespacePeer } from "../kubernetes/networkPolicy";
import {
  DATABASES,
  SERVICE_NAMES,
  SERVICES,
  type PlatformDependency,
  type ServiceName,
} from "../../services/catalog";

export type DatabaseName = (typeof DATABASES)[number];

/** A workload node pool as placement sees it (prism:digitalocean.nodePools.workloads). */
export interface WorkloadPool {
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: string }[];
}

/** Where data pods run: the stack's dedicated data pool when it has one (tainted for them). */
export interface DataPlacement {
  nodeSelector: Record<string, string>;
  tolerations: { key: string; operator: "Equal"; value: string; effect: string }[];
}

/** The node label that marks a workload pool's purpose (Pulumi.<stack>.yaml node pools). */
const WORKLOAD_LABEL = "prism.io/workload";

/** Placement on the pool labelled prism.io/workload=data, tolerating its taints; none without one. */
export function dataPlacement(pools: WorkloadPool[]): DataPlacement {
  const pool = pools.find((p) => p.labels[WORKLOAD_LABEL] === "data");
  if (!pool) return { nodeSelector: {}, tolerations: [] };
  return {
    nodeSelector: { [WORKLOAD_LABEL]: "data" },
    tolerations: pool.taints.map((t) => ({
      key: t.key,
      operator: "Equal",
      value: t.value,
      effect: t.effect,
    })),
  };
}
type Peer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type Rule = k8s.types.input.networking.v1.NetworkPolicyEgressRule;

/** The label every Prism service's pods carry (the service chart sets it to the service's name). */
export const SERVICE_NAME_LABEL = "app.kubernetes.io/name";

/** The services whose catalog entry says they use `dependency`. */
export function servicesUsing(dependency: PlatformDependency): ServiceName[] {
  return SERVICE_NAMES.filter((s) => SERVICES[s].uses.includes(dependency));
}

/**
 * Who reads a database: the service of the same name in `prism`, or SpiceDB (operator-managed pods
 * and migration Jobs, so the whole `spicedb` namespace) for its own database.
 */
export function databaseConsumer(database: DatabaseName): {
  namespace: PlatformNamespace;
  service?: ServiceName;
} {
  return database === "spicedb" ? { namespace: "spicedb" } : { namespace: "prism", service: database };
}

/** One Prism service's pods, in the `prism` namespace. */
export function servicePeer(service: ServiceName): Peer {
  return { ...namespacePeer("prism"), podSelector: { matchLabels: { [SERVICE_NAME_LABEL]: service } } };
}

/** HTTPS to public addresses only: Spaces has changing public addresses, so L4 cannot name it better. */
export const publicHttpsEgress: Rule = internetEgress(443);
