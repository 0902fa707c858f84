/**
 * The Prism microservices: what each one is, what it listens on, what it stores and
 * whom it calls. Everything that deploys, secures or watches a service reads it from here: the
 * service chart's values, the NetworkPolicies (the `calls` graph is the allow-list), the
 * databases, the dashboards and the alerts.
 */

import { AGENTS_PORT } from "../policies/facts/platform";

export const SERVICE_NAMES = [
  "auth",
  "users",
  "domains",
  "computations",
  "backends",
  "am-certs",
  "certs",
  "billing",
  "ui",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Platform dependencies a service may reach besides other services. */
export type PlatformDependency = "postgres" | "valkey" | "nats" | "spicedb" | "openbao";

/**
 * Where Traefik serves a service from, on one of the tunnel's public hosts (PLATFORM_HOSTS in
 * policies/facts/platform.ts): the whole host, or the paths under `pathPrefix`.
 */
export interface ServiceRoute {
  host: "ui" | "api";
  /** `/<service>` on the shared API host; absent for a service that owns its host. */
  pathPrefix?: string;
}

export interface ServiceSpec {
  description: string;
  /** Image name under the stack's `delivery.imageRegistry`. */
  image: string;
  httpPort: number;
  grpcPort?: number;
  /** Extra TCP port served to the outside through Traefik (Backends: the CVM agents' 7018). */
  agentPort?: number;
  /** Has its own PostgreSQL database (database per service). */
  database: boolean;
  /**
   * The name this service had before a rename. Its database keeps living under that name (cluster,
   * volumes, SQL names, backups) and its Pulumi resources are aliased to their old names, so a
   * rename never deletes the database and creates an empty one.
   */
  formerName?: string;
  /** Services this one calls (egress), over gRPC where the callee has a gRPC port, else HTTP. */
  calls: ServiceName[];
  uses: PlatformDependency[];
  /** Reached from Traefik (the public API or UI); exactly the services with a `route`. */
  public: boolean;
  /** Traefik's HTTP route to the service's HTTP port (an IngressRoute in the service chart). */
  route?: ServiceRoute;
  /** HTTP paths of the health endpoints. */
  probes: { liveness: string; readiness: string };
  resources: { cpu: string; memory: string; cpuLimit: string; memoryLimit: string };
  /** Google Secret Manager secret names (per stack prefix) the service reads through ExternalSecrets. */
  secrets: string[];
  /** VerticalPodAutoscaler in recommendation mode (resource-hungry backend services). */
  vpa: boolean;
}

const small = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
const medium = { cpu: "250m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" };
const large = { cpu: "500m", memory: "512Mi", cpuLimit: "2", memoryLimit: "1Gi" };
const health = { liveness: "/health", readiness: "/health" };

export const SERVICES: Readonly<Record<ServiceName, ServiceSpec>> = {
  auth: {
    description: "identity and access management",
    image: "auth",
    httpPort: 8189,
    grpcPort: 8181,
    database: true,
    calls: ["users"],
    uses: ["postgres", "spicedb"],
    public: true,
    route: { host: "api", pathPrefix: "/auth" },
    probes: health,
    resources: medium,
    secrets: ["auth-jwt-signing-key", "auth-oauth-client-secret"],
    vpa: false,
  },
  users: {
    description: "user lifecycle and profiles",
    image: "users",
    httpPort: 9003,
    grpcPort: 7005,
    database: true,
    calls: ["auth"],
    uses: ["postgres", "spicedb"],
    public: true,
    route: { host: "api", pathPrefix: "/users" },
    probes: health,
    resources: small,
    secrets: ["users-smtp-password"],
    vpa: false,
  },
  domains: {
    description: "domain management, cached in Valkey",
    image: "domains",
    httpPort: 9013,
    grpcPort: 7013,
    database: true,
    calls: ["auth", "users"],
    uses: ["postgres", "valkey", "spicedb"],
    public: true,
    route: { host: "api", pathPrefix: "/domains" },
    probes: health,
    resources: small,
    secrets: [],
    vpa: false,
  },
  computations: {
    description: "AI workload orchestration",
    image: "computations",
    httpPort: 9000,
    database: true,
    calls: ["auth", "users", "domains", "backends"],
    uses: ["postgres", "nats", "spicedb"],
    public: true,
    route: { host: "api", pathPrefix: "/computations" },
    probes: health,
    resources: medium,
    secrets: [],
    vpa: true,
  },
  backends: {
    description:
      "confidential-VM provider abstraction (Azure TDX, GCP and AWS SEV-SNP); CVM agents dial it on 7018",
    image: "backends",
    httpPort: 9011,
    grpcPort: 7006,
    agentPort: AGENTS_PORT,
    database: true,
    calls: ["auth", "am-certs", "computations"],
    uses: ["postgres", "nats"],
    public: true,
    route: { host: "api", pathPrefix: "/backends" },
    probes: health,
    resources: large,
    secrets: [],
    vpa: true,
  },
  "am-certs": {
    description: "attestation and short-lived certificates for CVM agents, backed by OpenBao",
    image: "am-certs",
    httpPort: 9010,
    grpcPort: 7012,
    database: true,
    calls: ["auth"],
    uses: ["postgres", "openbao"],
    public: false,
    probes: health,
    resources: small,
    secrets: [],
    vpa: false,
  },
  certs: {
    description: "general PKI management",
    image: "certs",
    httpPort: 8090,
    grpcPort: 7008,
    database: true,
    calls: ["auth", "domains"],
    uses: ["postgres"],
    public: true,
    route: { host: "api", pathPrefix: "/certs" },
    probes: health,
    resources: small,
    secrets: [],
    vpa: false,
  },
  billing: {
    description: "financial operations and subscriptions",
    image: "billing",
    httpPort: 9022,
    grpcPort: 7022,
    database: true,
    calls: ["auth", "users", "domains", "computations"],
    uses: ["postgres", "nats"],
    public: true,
    route: { host: "api", pathPrefix: "/billing" },
    probes: health,
    resources: small,
    secrets: ["billing-stripe-api-key", "billing-stripe-webhook-secret"],
    vpa: false,
  },
  ui: {
    description: "the web front end",
    image: "ui",
    httpPort: 9095,
    database: false,
    calls: [],
    uses: [],
    public: true,
    route: { host: "ui" },
    probes: { liveness: "/", readiness: "/" },
    resources: small,
    secrets: [],
    vpa: false,
  },
};

/** Databases the platform runs: one per service that has one, plus SpiceDB's. */
export const DATABASES = [...SERVICE_NAMES.filter((s) => SERVICES[s].database), "spicedb"] as const;

/** The name a database's data lives under: the service's former name after a rename. */
export function storedNameOf(database: (typeof DATABASES)[number]): string {
  return database === "spicedb" ? database : (SERVICES[database].formerName ?? database);
}

/** Problems with the catalog's renames: a former name must be free and used once. */
export function renameProblems(services: Readonly<Record<string, ServiceSpec>>): string[] {
  const names = Object.keys(services);
  const former = names.flatMap((n) => (services[n].formerName ? [[n, services[n].formerName ?? ""]] : []));
  const problems: string[] = [];
  for (const [name, old] of former) {
    if (names.includes(old)) problems.push(`${name}.formerName "${old}" is the name of a current service`);
    if (former.filter(([, o]) => o === old).length > 1)
      problems.push(`${name}.formerName "${old}" is claimed twice`);
    if (!services[name].database)
      problems.push(`${name}.formerName is set but ${name} has no database to keep`);
  }
  return problems;
}

/** SpiceDB's gRPC port. */
export const SPICEDB_GRPC_PORT = 50051;

/**
 * The metrics every service exposes on its HTTP port at /metrics: request counts by component and
 * status code, and request-duration histograms. Dashboards and alert rules use these names only.
 */
export const SERVICE_METRICS = {
  requests: "http_requests_total",
  duration: "http_request_duration_seconds",
  labels: { service: "component", status: "status_code" },
} as const;

/** Who calls a service: the ingress side of the allow-list graph. */
export function callersOf(service: ServiceName): ServiceName[] {
  return SERVICE_NAMES.filter((s) => SERVICES[s].calls.includes(service));
}
