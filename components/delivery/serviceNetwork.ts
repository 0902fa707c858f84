/**
 * The services' network allow-list, generated from the catalog graph: who may reach each service
 * (its callers, Traefik when public, Prometheus) and whom it may reach (its callees and the platform
 * dependencies in `uses`, as the data layer, SpiceDB and OpenBao run them). services/values.ts puts
 * it into the chart's values; the chart turns it into NetworkPolicies.
 */
import { SPICEDB_CLIENT_SECRET, SPICEDB_NAMESPACE, SPICEDB_POD_LABELS } from "../authz/spicedbNames";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { NATS_PORTS } from "../data/nats";
import { CNPG_LABELS, CNPG_PORTS } from "../data/postgresCluster";
import { VALKEY_CLIENT_SECRET, VALKEY_PORT } from "../data/valkey";
import { JAEGER_NAMESPACE, JAEGER_POD_LABELS, OTLP_EXPORT } from "../observability/serviceTracing";
import {
  OPENBAO_API_PORT,
  OPENBAO_CLUSTER_ADDRESS,
  OPENBAO_NAMESPACE,
  OPENBAO_SERVER_LABELS,
} from "../pki/openbaoNames";

import {
  callersOf,
  SERVICES,
  SPICEDB_GRPC_PORT,
  type PlatformDependency,
  type ServiceName,
} from "../../services/catalog";
import { TRAEFIK_POD_LABELS } from "../../policies/facts/platform";

/** The namespace the services run in (PLATFORM_NAMESPACES.prism). */
export const SERVICES_NAMESPACE = "prism" satisfies PlatformNamespace;

/** Secret with the service's PostgreSQL connection, created in prism by the data layer (DATABASE_SECRET_KEYS). */
export function databaseSecretName(service: ServiceName): string {
  return `${service}-db`;
}

/** The port a caller uses: gRPC where the callee has it, else HTTP (catalog `calls`). */
export function callPort(service: ServiceName): number {
  return SERVICES[service].grpcPort ?? SERVICES[service].httpPort;
}

/** In-cluster address of a service, as callers find it. */
export function serviceAddress(service: ServiceName): string {
  return `${service}.${SERVICES_NAMESPACE}.svc.cluster.local:${callPort(service)}`;
}

export interface PodSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: {
    key: string;
    operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
    values?: string[];
  }[];
}

/** A NetworkPolicy peer: pods in a namespace, on TCP ports. */
export interface Peer {
  name: string;
  namespace: string;
  podSelector: PodSelector;
  ports: number[];
}

/** How a service reaches one platform dependency. */
export interface DependencyEndpoint {
  namespace: PlatformNamespace;
  podSelector: PodSelector;
  port: number;
  /** Connection details the data layer writes into prism, mounted at /var/run/secrets/prism/<mount>. */
  secret?: { name: string; mount: string };
  /** A non-secret address, as an environment variable. */
  env?: [string, string];
}

/**
 * The platform services behind `uses`, as the data layer (components/data), SpiceDB
 * (components/authz) and the PKI run them: whose pods, on which port, and where the service finds
 * the connection details.
 */
export function dependencyEndpoint(dependency: PlatformDependency, service: ServiceName): DependencyEndpoint {
  switch (dependency) {
    case "postgres":
      // The service's own PgBouncer pooler (`<database>-pooler`, components/data/postgresDatabase.ts).
      return {
        namespace: "data",
        podSelector: { matchLabels: { [CNPG_LABELS.pooler]: `${databaseSecretName(service)}-pooler` } },
        port: CNPG_PORTS.postgres,
        secret: { name: databaseSecretName(service), mount: "database" },
      };
    case "valkey":
      // The valkey chart's pod labels (release `valkey`, components/data/valkey.ts).
      return {
        namespace: "data",
        podSelector: {
          matchLabels: { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "valkey" },
        },
        port: VALKEY_PORT,
        secret: { name: VALKEY_CLIENT_SECRET, mount: "valkey" },
      };
    case "nats":
      // The nats chart's server pods (release `nats`, components/data/nats.ts).
      return {
        namespace: "data",
        podSelector: {
          matchLabels: {
            "app.kubernetes.io/name": "nats",
            "app.kubernetes.io/instance": "nats",
            "app.kubernetes.io/component": "nats",
          },
        },
        port: NATS_PORTS.client,
        env: ["NATS_URL", `nats://nats.data.svc.cluster.local:${NATS_PORTS.client}`],
      };
    case "spicedb":
      return {
        namespace: SPICEDB_NAMESPACE,
        podSelector: { matchLabels: { ...SPICEDB_POD_LABELS } },
        port: SPICEDB_GRPC_PORT,
        secret: { name: SPICEDB_CLIENT_SECRET.name, mount: "spicedb" },
      };
    case "openbao":
      return {
        namespace: OPENBAO_NAMESPACE,
        podSelector: { matchLabels: OPENBAO_SERVER_LABELS },
        port: OPENBAO_API_PORT,
        env: ["OPENBAO_ADDR", OPENBAO_CLUSTER_ADDRESS],
      };
  }
}

const servicePods = (service: ServiceName): PodSelector => ({
  matchLabels: { "app.kubernetes.io/name": service },
});

/** Who may connect to the service: its callers, Traefik when public, Prometheus for /metrics. */
export function ingressPeers(service: ServiceName): Peer[] {
  const spec = SERVICES[service];
  const peers: Peer[] = callersOf(service).map((caller) => ({
    name: caller,
    namespace: SERVICES_NAMESPACE,
    podSelector: servicePods(caller),
    ports: [callPort(service)],
  }));
  const fromTraefik = [...(spec.public ? [spec.httpPort] : []), ...(spec.agentPort ? [spec.agentPort] : [])];
  if (fromTraefik.length) {
    peers.push({
      name: "traefik",
      namespace: "edge",
      podSelector: { matchLabels: { ...TRAEFIK_POD_LABELS } },
      ports: fromTraefik,
    });
  }
  peers.push({ name: "prometheus", namespace: "monitoring", podSelector: {}, ports: [spec.httpPort] });
  return peers;
}

/** Every service exports its spans to Jaeger's collector, on the one port its exporter uses. */
export function tracingPeer(): Peer {
  return {
    name: "jaeger (traces)",
    namespace: JAEGER_NAMESPACE,
    podSelector: { matchLabels: { ...JAEGER_POD_LABELS } },
    ports: [OTLP_EXPORT.port],
  };
}

/** Whom the service may connect to: its callees, the platform services it uses, the trace collector. */
export function egressPeers(service: ServiceName): Peer[] {
  const spec = SERVICES[service];
  return [
    ...spec.calls.map((callee) => ({
      name: callee,
      namespace: SERVICES_NAMESPACE,
      podSelector: servicePods(callee),
      ports: [callPort(callee)],
    })),
    ...spec.uses.map((dependency) => {
      const endpoint = dependencyEndpoint(dependency, service);
      return {
        name: dependency,
        namespace: endpoint.namespace,
        podSelector: endpoint.podSelector,
        ports: [endpoint.port],
      };
    }),
    tracingPeer(),
  ];
}
