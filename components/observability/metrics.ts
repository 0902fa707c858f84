/**
 * The metric names and PromQL the dashboards and alert rules share. Service metrics come from the
 * service catalog (SERVICE_METRICS); the Cocos manager's are defined here, once. Both the Grafana
 * dashboards (services/dashboards/*.json) and the PrometheusRules are built from these functions,
 * so a panel and the alert that fires on it always ask the same question.
 */
import { SERVICE_METRICS, SERVICE_NAMES, type ServiceName } from "../../services/catalog";
import type { PlatformNamespace } from "../cluster/platformNamespaces";

/**
 * What the Cocos manager (the agent inside every confidential VM) exposes, as Prism consumes it.
 * The managers dial in to the Backends service on 7018 and are never reachable from the cluster, so
 * the Backends service re-exports these series on its own /metrics for every manager it holds a
 * stream for (labels: the CVM's id and its cloud). Prism's contract with Backends is these names;
 * change them here and the dashboard and both Cocos alerts follow.
 */
export const COCOS_MANAGER_METRICS = {
  /** Gauge: 1 while the manager's stream to Backends is up and its heartbeats arrive, else 0. */
  up: "cocos_manager_up",
  /** Counter: attestation reports from the CVM that failed verification. */
  attestationFailures: "cocos_manager_attestation_failures_total",
  labels: { cvm: "cvm_id", cloud: "cloud" },
} as const;

/**
 * Prometheus' own per-target series (1 when the scrape succeeded). Not a service metric, but the
 * only honest "is it running" signal, so the service-down alert reads it for the services' jobs.
 */
export const SCRAPE_UP_METRIC = "up";

/** Namespace of the services: their scrape jobs (named after each service's Service) live there. */
export const SERVICES_NAMESPACE: PlatformNamespace = "prism";

/** The rate window of every service query: long enough to smooth a 15 s scrape, short enough to alert. */
export const RATE_WINDOW = "5m";

const { requests, duration, labels } = SERVICE_METRICS;

/** Label matcher for one service, or for every service in the catalog. */
export function serviceMatcher(service?: ServiceName): string {
  return service ? `${labels.service}="${service}"` : `${labels.service}=~"${SERVICE_NAMES.join("|")}"`;
}

/** Responses the services count as errors: any 5xx status. */
export const ERROR_STATUS_MATCHER = `${labels.status}=~"5.."`;

/** Requests per second, summed by `by` (the service label unless told otherwise). */
export function requestRate(matcher: string, by: readonly string[] = [labels.service]): string {
  return `sum by (${by.join(", ")}) (rate(${requests}{${matcher}}[${RATE_WINDOW}]))`;
}

/** Fraction (0..1) of requests answered with a 5xx, per service. */
export function errorRatio(matcher: string): string {
  return (
    `sum by (${labels.service}) (rate(${requests}{${matcher},${ERROR_STATUS_MATCHER}}[${RATE_WINDOW}]))` +
    ` / ` +
    `sum by (${labels.service}) (rate(${requests}{${matcher}}[${RATE_WINDOW}]))`
  );
}

/** The given quantile (0.95 for P95) of request duration in seconds, per service. */
export function latencyQuantile(quantile: number, matcher: string): string {
  return (
    `histogram_quantile(${quantile}, sum by (${labels.service}, le) ` +
    `(rate(${duration}_bucket{${matcher}}[${RATE_WINDOW}])))`
  );
}

/** Scrape health of the services' pods: their jobs are named after the services. */
export function servicesUp(): string {
  return `${SCRAPE_UP_METRIC}{namespace="${SERVICES_NAMESPACE}",job=~"${SERVICE_NAMES.join("|")}"}`;
}
