/**
 * What each environment chooses when its stack file does not say: the one place per-environment
 * defaults live. `parsePlatformConfig` lays a stack's own values over these before validating, so
 * every choice that differs between staging and production (HA, replicas, sizes, protection,
 * retention) is a config key a stack may override, and no component asks which environment it is.
 *
 * Keys are spelled as in a stack file, without the project prefix; the schema in config.ts checks
 * them like any value a stack sets.
 */
import type { Environment } from "../policies/facts/platform";

/** A config value: objects merge key by key with the stack's; anything else the stack replaces. */
export type DefaultValue =
  string | number | boolean | readonly DefaultValue[] | { readonly [key: string]: DefaultValue };

export const ENVIRONMENT_DEFAULTS: Record<Environment, { readonly [key: string]: DefaultValue }> = {
  staging: {
    // Staging is rebuilt at will: nothing is protected, volumes go with their claims.
    stateful: { protect: false, retainVolumes: false },
    edge: { traefikDashboard: true },
    pki: {
      openbao: {
        autoUnseal: { protectionLevel: "SOFTWARE", destroyScheduledDays: 30 },
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
      },
    },
    // No volume to pay for, no shards competing with the logs on a single-node OpenSearch.
    observability: { tracing: { storage: "memory" } },
    // Small and disposable: single operators and poolers, instances spread where the nodes allow.
    data: {
      postgres: {
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
        sharedBuffers: "128MB",
        pooler: { instances: 1, defaultPoolSize: 10 },
        podAntiAffinity: "preferred",
      },
      valkey: {
        resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "250m", memory: "256Mi" } },
        maxmemory: "160mb",
      },
      nats: {
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
        goMemLimit: "230MiB",
      },
      cnpgOperator: { replicas: 1 },
    },
    spicedb: {
      replicas: 1,
      resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    },
    externalSecrets: { replicas: 1 },
  },
  production: {
    stateful: { protect: true, retainVolumes: true },
    edge: { traefikDashboard: false },
    pki: {
      openbao: {
        // The longest window GCP allows to undo a mistaken destroy of the unseal key.
        autoUnseal: { protectionLevel: "HSM", destroyScheduledDays: 120 },
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
      },
    },
    observability: { tracing: { storage: "opensearch" } },
    // No single pod or node loss stops a service: two of every operator and pooler, instances on
    // distinct nodes.
    data: {
      postgres: {
        resources: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } },
        sharedBuffers: "512MB",
        pooler: { instances: 2, defaultPoolSize: 20 },
        podAntiAffinity: "required",
      },
      valkey: {
        resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "768Mi" } },
        maxmemory: "512mb",
      },
      nats: {
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        goMemLimit: "900MiB",
      },
      cnpgOperator: { replicas: 2 },
    },
    spicedb: {
      replicas: 2,
      resources: { requests: { cpu: "500m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
    },
    externalSecrets: { replicas: 2 },
  },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `raw` (a stack's decoded config) over `defaults`: nested objects merge, arrays and scalars replace. */
export function overDefaults(
  defaults: { readonly [key: string]: unknown },
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(raw)) {
    const base = merged[key];
    merged[key] = isObject(base) && isObject(value) ? overDefaults(base, value) : value;
  }
  return merged;
}

/** The stack's config with its environment's defaults beneath it; an unknown environment gets none. */
export function withEnvironmentDefaults(raw: Record<string, unknown>): Record<string, unknown> {
  const environment = raw.environment;
  const defaults =
    typeof environment === "string" && Object.hasOwn(ENVIRONMENT_DEFAULTS, environment)
      ? ENVIRONMENT_DEFAULTS[environment as Environment]
      : {};
  return overDefaults(defaults, raw);
}
