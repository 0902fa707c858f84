/**
 * The service chart's values for one service in one stack: the single source of them, read by the
 * ArgoCD Applications (as their valuesObject) and by the offline plan and tests that render the
 * chart. Everything about a service comes from services/catalog.ts; everything about the stack
 * from its config. The chart (services/chart) only lays the values out as Kubernetes objects.
 */
import { CLUSTER_SECRET_STORE } from "../components/secrets/externalSecrets";
import { SERVICES_INITIAL_RELEASE_TAG } from "../components/helm/catalog";
import {
  dependencyEndpoint,
  egressPeers,
  ingressPeers,
  serviceAddress,
  SERVICES_NAMESPACE,
  type Peer,
} from "../components/delivery/serviceNetwork";
import { canaryAnalysis, type CanaryAnalysisValues } from "../components/delivery/canaryAnalysis";
import { serviceTracingEnv } from "../components/observability/serviceTracing";
import {
  backendsCredentialsMount,
  backendsCredentialsPath,
  backendsTokenMount,
} from "../components/confidential/landingZone";
import { GCP_TOKEN_AUDIENCE, GCP_TOKEN_EXPIRATION_SECONDS } from "../components/gcp/workloadIdentity";
import type { Environment } from "../policies/facts/platform";
import { SERVICES, type ServiceName } from "./catalog";
import { platformHostname } from "../policies/facts/platform";

/** How new images reach a stack: a mutable tag pinned by digest, or the newest matching semver tag. */
export type ImageUpdateOptions =
  { strategy: "digest"; tag: string } | { strategy: "semver"; allowTags: string };

/**
 * What the services' values read from the stack, and nothing else: the stack's validated config
 * satisfies it, and stacks/ passes that config in.
 */
export interface ServiceValuesOptions {
  environment: Environment;
  /** The platform hostnames are `<label>.<baseDomain>`. */
  baseDomain: string;
  delivery: {
    /** Registry path the service images live under, e.g. ghcr.io/org. */
    imageRegistry: string;
    imageUpdate: ImageUpdateOptions;
    /** How a new version replaces the running one. */
    rollout: "rolling" | "canary";
    /** Replica bounds every service's HorizontalPodAutoscaler gets. */
    serviceReplicas: { min: number; max: number };
  };
  observability: { tracing: { samplingPercent: number } };
  /** The clouds whose landing zones are enabled: the CVM launcher gets their settings and credentials. */
  confidential: { azure: { enabled: boolean }; gcp: { enabled: boolean }; aws: { enabled: boolean } };
  /** keyless: the CVM launcher reaches GCP with a projected token (workload identity federation). */
  gcpServiceAccountKeys: "keyless" | "allowed";
}

export { SERVICES_NAMESPACE };

/** Repository path of the service chart; the Applications' source path. */
export const SERVICE_CHART_PATH = "services/chart";

/** External Secrets' ClusterSecretStore backed by Google Secret Manager. */
export const SECRET_STORE_NAME = CLUSTER_SECRET_STORE;

/** The docker-registry Secret (in prism and argocd) with read access to the image registry. */
export const IMAGE_PULL_SECRET = "ghcr-pull";

/** Secret Manager holds one copy of each secret per environment: `<environment>-<name>`. */
export function remoteSecretKey(environment: string, name: string): string {
  return `${environment}-${name}`;
}

/**
 * The service that launches confidential VMs. ConfidentialCapacity writes its settings
 * and credentials per enabled cloud into prism as `backends-<cloud>` and `backends-<cloud>-credentials`.
 */
export const CVM_LAUNCHER: ServiceName = "backends";

/** The clouds the stack launches CVMs in. */
export function enabledClouds(config: ServiceValuesOptions): ("azure" | "gcp" | "aws")[] {
  const { azure, gcp, aws } = config.confidential;
  return [
    ...(azure.enabled ? ["azure" as const] : []),
    ...(gcp.enabled ? ["gcp" as const] : []),
    ...(aws.enabled ? ["aws" as const] : []),
  ];
}

/** Production canary: 20% → manual gate → 40% → 60% → 80%, 2-minute pauses → 100%. */
export const CANARY_STEPS: CanaryStep[] = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 40 },
  { pause: { duration: "2m" } },
  { setWeight: 60 },
  { pause: { duration: "2m" } },
  { setWeight: 80 },
  { pause: { duration: "2m" } },
];

export type CanaryStep = { setWeight: number } | { pause: { duration?: string } };

/** The chart's values (services/chart/values.schema.json says the same, for Helm). */
export interface ServiceChartValues {
  name: ServiceName;
  description: string;
  environment: Environment;
  image: { repository: string; tag: string; pullPolicy: "IfNotPresent" | "Always" };
  imagePullSecrets: string[];
  ports: { http: number; grpc?: number; agent?: number };
  /** Traefik's route to the HTTP port, for services the tunnel's public hosts serve. */
  route?: ChartRoute;
  replicas: { min: number; max: number };
  resources: {
    requests: { cpu: string; memory: string };
    limits: { cpu: string; memory: string };
  };
  probes: { liveness: string; readiness: string };
  rollout: {
    strategy: ServiceValuesOptions["delivery"]["rollout"];
    maxSurge: string;
    maxUnavailable: number;
    steps: CanaryStep[];
    /**
     * Argo Rollouts sets the canary's share of the route's requests on a Traefik TraefikService
     * (the chart adds it and the stable/canary Services): canaries of services with a route.
     * Without it the weights are approximated by ReplicaSet sizes.
     */
    traefikRouting: boolean;
  };
  /**
   * The AnalysisTemplate on the service's health signals: in the background from the first canary
   * step (a failed measurement aborts), or after a rolling update as a dry run (reported, never blocking).
   */
  analysis: CanaryAnalysisValues;
  autoscaling: { cpuUtilization: number; memoryUtilization: number };
  vpa: { enabled: boolean; updateMode: "Off" };
  openbaoLogin: { enabled: boolean; expirationSeconds: number };
  /** Connection Secrets from other layers, each mounted at /var/run/secrets/prism/<mount>. */
  connectionSecrets: { name: string; mount: string }[];
  /** Projected tokens for a cloud's workload identity federation, each at /var/run/secrets/prism/<mount>/token. */
  cloudTokens: { mount: string; audience: string; expirationSeconds: number }[];
  /** Settings ConfigMaps from other layers, each mounted at /etc/prism/<mount>. */
  configMaps: { name: string; mount: string }[];
  externalSecrets: {
    storeName: string;
    refreshInterval: string;
    items: { name: string; remoteKey: string }[];
  };
  networkPolicy: { ingress: Peer[]; egress: Peer[]; internet: { name: string; ports: number[] }[] };
  serviceMonitor: { enabled: boolean; interval: string; path: string; labels: Record<string, string> };
  config: Record<string, string>;
}

/** An IngressRoute's target: the full hostname and, on a shared host, the service's path prefix. */
export interface ChartRoute {
  host: string;
  pathPrefix?: string;
}

/** The catalog's route on the stack's domain (`<label>.<baseDomain>`, as the tunnel routes it). */
export function serviceRoute(config: ServiceValuesOptions, service: ServiceName): ChartRoute | undefined {
  const route = SERVICES[service].route;
  if (!route) return undefined;
  return {
    host: platformHostname(route.host, config.baseDomain),
    ...(route.pathPrefix ? { pathPrefix: route.pathPrefix } : {}),
  };
}

/** The image tag a stack deploys before Image Updater has run. */
export function initialImageTag(config: ServiceValuesOptions): string {
  const update = config.delivery.imageUpdate;
  return update.strategy === "digest" ? update.tag : SERVICES_INITIAL_RELEASE_TAG;
}

/** The image repository of a service: `<delivery.imageRegistry>/<image>`. */
export function imageRepository(config: ServiceValuesOptions, service: ServiceName): string {
  return `${config.delivery.imageRegistry}/${SERVICES[service].image}`;
}

function runtimeConfig(config: ServiceValuesOptions, service: ServiceName): Record<string, string> {
  const spec = SERVICES[service];
  const env: Record<string, string> = {
    PRISM_SERVICE: service,
    PRISM_ENVIRONMENT: config.environment,
    HTTP_PORT: String(spec.httpPort),
    LOG_FORMAT: "json",
    ...serviceTracingEnv({
      service,
      environment: config.environment,
      samplingPercent: config.observability.tracing.samplingPercent,
    }),
  };
  if (spec.grpcPort) env.GRPC_PORT = String(spec.grpcPort);
  if (spec.agentPort) env.AGENT_PORT = String(spec.agentPort);
  for (const callee of spec.calls) {
    env[`${callee.toUpperCase().replace(/-/g, "_")}_ADDR`] = serviceAddress(callee);
  }
  for (const dependency of spec.uses) {
    const { env: variable, secret } = dependencyEndpoint(dependency, service);
    if (variable) env[variable[0]] = variable[1];
    if (secret) env[`${dependency.toUpperCase()}_SECRET_DIR`] = `/var/run/secrets/prism/${secret.mount}`;
  }
  if (spec.uses.includes("openbao")) env.OPENBAO_TOKEN_FILE = "/var/run/secrets/openbao/token";
  // The launcher's GCP credentials file: a key, or the external_account configuration (keyless).
  if (service === CVM_LAUNCHER && config.confidential.gcp.enabled)
    env.GOOGLE_APPLICATION_CREDENTIALS = backendsCredentialsPath("gcp");
  return env;
}

/** The values for one service in one stack. */
export function serviceValues(config: ServiceValuesOptions, service: ServiceName): ServiceChartValues {
  const spec = SERVICES[service];
  const canary = config.delivery.rollout === "canary";
  const launcher = service === CVM_LAUNCHER ? enabledClouds(config) : [];
  const route = serviceRoute(config, service);
  return {
    name: service,
    description: spec.description,
    environment: config.environment,
    image: {
      repository: imageRepository(config, service),
      tag: initialImageTag(config),
      pullPolicy: "IfNotPresent",
    },
    imagePullSecrets: [IMAGE_PULL_SECRET],
    ports: {
      http: spec.httpPort,
      ...(spec.grpcPort ? { grpc: spec.grpcPort } : {}),
      ...(spec.agentPort ? { agent: spec.agentPort } : {}),
    },
    ...(route ? { route } : {}),
    replicas: { ...config.delivery.serviceReplicas },
    resources: {
      requests: { cpu: spec.resources.cpu, memory: spec.resources.memory },
      limits: { cpu: spec.resources.cpuLimit, memory: spec.resources.memoryLimit },
    },
    probes: { ...spec.probes },
    rollout: {
      strategy: config.delivery.rollout,
      // Staging's "fast rolling update": surge a quarter, never drop below the current count.
      maxSurge: "25%",
      maxUnavailable: 0,
      steps: canary ? CANARY_STEPS.map((s) => structuredClone(s)) : [],
      traefikRouting: canary && route !== undefined,
    },
    analysis: canaryAnalysis(service, config.delivery.rollout),
    autoscaling: { cpuUtilization: 70, memoryUtilization: 80 },
    vpa: { enabled: spec.vpa, updateMode: "Off" },
    openbaoLogin: { enabled: spec.uses.includes("openbao"), expirationSeconds: 3600 },
    connectionSecrets: [
      ...spec.uses.flatMap((d) => dependencyEndpoint(d, service).secret ?? []),
      ...launcher.map((cloud) => ({
        name: `${CVM_LAUNCHER}-${cloud}-credentials`,
        mount: backendsCredentialsMount(cloud),
      })),
    ],
    cloudTokens:
      launcher.includes("gcp") && config.gcpServiceAccountKeys === "keyless"
        ? [
            {
              mount: backendsTokenMount("gcp"),
              audience: GCP_TOKEN_AUDIENCE,
              expirationSeconds: GCP_TOKEN_EXPIRATION_SECONDS,
            },
          ]
        : [],
    configMaps: launcher.map((cloud) => ({ name: `${CVM_LAUNCHER}-${cloud}`, mount: cloud })),
    externalSecrets: {
      storeName: SECRET_STORE_NAME,
      refreshInterval: "1h",
      items: spec.secrets.map((name) => ({ name, remoteKey: remoteSecretKey(config.environment, name) })),
    },
    networkPolicy: {
      ingress: ingressPeers(service),
      egress: egressPeers(service),
      // The clouds' APIs have changing public addresses: L4 can only say "HTTPS, not private".
      internet: launcher.length ? [{ name: `CVM launch APIs (${launcher.join(", ")})`, ports: [443] }] : [],
    },
    serviceMonitor: { enabled: true, interval: "30s", path: "/metrics", labels: {} },
    config: runtimeConfig(config, service),
  };
}
