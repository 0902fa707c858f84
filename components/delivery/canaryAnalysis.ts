/**
 * The canary analysis of a service: the AnalysisTemplate the service chart renders, measuring the
 * health signals the alert rules fire on (components/observability/serviceHealth.ts) — same
 * metrics, same limits — over the pods of the ReplicaSet being rolled out only. Argo Rollouts' controller
 * runs it against Prometheus; a measurement above a limit fails the run.
 */
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { serviceMatcher } from "../observability/metrics";
import { PROMETHEUS_SERVICE } from "../observability/prometheusValues";
import { healthSignals } from "../observability/serviceHealth";
import type { ServiceName } from "../../services/catalog";

const MONITORING: PlatformNamespace = "monitoring";

/** Where the controller queries Prometheus (kube-prometheus-stack's Service in monitoring). */
export const PROMETHEUS_ADDRESS = `http://${PROMETHEUS_SERVICE.name}.${MONITORING}.svc:${PROMETHEUS_SERVICE.port}`;

/** The label Argo Rollouts puts on each ReplicaSet's pods; the ServiceMonitor copies it onto every series. */
export const POD_TEMPLATE_HASH_LABEL = "rollouts-pod-template-hash";
/** The same label on the series: the Prometheus operator turns `-` into `_` in target labels. */
export const POD_TEMPLATE_HASH_SERIES_LABEL = POD_TEMPLATE_HASH_LABEL.replace(/-/g, "_");
/** The AnalysisTemplate's argument: the new ReplicaSet's pod-template hash (podTemplateHashValue: Latest). */
export const CANARY_HASH_ARG = "canary-hash";

/** One metric of the AnalysisTemplate. */
export interface AnalysisMetric {
  name: string;
  /** PromQL; `{{args.canary-hash}}` is Argo Rollouts' substitution, not Helm's. */
  query: string;
  /**
   * Fails the measurement when a value is above the limit. An empty result (no request reached the
   * new pods yet, or none failed) and NaN (no requests in the window) are not failures: a quiet
   * canary is not a broken one, and the readiness probes and the service-down alert cover dead pods.
   */
  failureCondition: string;
}

export interface CanaryAnalysisValues {
  prometheusAddress: string;
  /** Time between measurements. */
  interval: string;
  /** Measurements per run: absent, the run lasts as long as the rollout (background analysis). */
  count?: number;
  metrics: AnalysisMetric[];
}

/** Measurements a minute apart: the rate window is five minutes, so each one sees fresh requests. */
const INTERVAL = "1m";
/** After a rolling update, five measurements: the new version's first five minutes at full traffic. */
const AFTER_UPDATE_MEASUREMENTS = 5;

/** The service's health signals over the new ReplicaSet's pods. */
export function canaryMetrics(service: ServiceName): AnalysisMetric[] {
  const matcher = `${serviceMatcher(service)},${POD_TEMPLATE_HASH_SERIES_LABEL}="{{args.${CANARY_HASH_ARG}}}"`;
  return healthSignals(matcher).map((signal) => ({
    name: signal.name,
    query: signal.query,
    failureCondition: `len(result) > 0 && result[0] > ${signal.limit}`,
  }));
}

/**
 * The analysis for a service's rollout strategy: a canary measures in the background for the whole
 * rollout; a rolling update measures five times once the new version serves everything.
 */
export function canaryAnalysis(service: ServiceName, strategy: "rolling" | "canary"): CanaryAnalysisValues {
  return {
    prometheusAddress: PROMETHEUS_ADDRESS,
    interval: INTERVAL,
    ...(strategy === "rolling" ? { count: AFTER_UPDATE_MEASUREMENTS } : {}),
    metrics: canaryMetrics(service),
  };
}
