/**
 * What "healthy" means for a Prism service, defined once: the 5xx share of its requests and its
 * P95 request duration, each with its limit. The alert rules fire on these signals over
 * every service; the canary analysis of each Rollout measures the same signals over the new
 * version's pods and aborts the rollout on the same limits; the dashboards draw the same lines.
 */
import { errorRatio, latencyQuantile } from "./metrics";

/** The limits each service is held to. */
export const SERVICE_HEALTH = {
  /** 5xx share of requests for the warning, and the most a canary may answer 5xx. */
  errorRatioWarning: 0.05,
  /** 5xx share of requests that pages. */
  errorRatioCritical: 0.2,
  /** P95 request duration, seconds: above it the alert fires and a canary fails. */
  latencyP95Seconds: 2,
};

/** One health signal: a PromQL query returning one value per service, and the limit it must stay under. */
export interface HealthSignal {
  /** Metric name in an AnalysisTemplate. */
  name: "error-rate" | "p95-latency";
  query: string;
  /** The value above which the signal is unhealthy. */
  limit: number;
}

/** The signals over the series `matcher` selects: one service, all of them, or one ReplicaSet's pods. */
export function healthSignals(matcher: string): [HealthSignal, HealthSignal] {
  return [
    { name: "error-rate", query: errorRatio(matcher), limit: SERVICE_HEALTH.errorRatioWarning },
    { name: "p95-latency", query: latencyQuantile(0.95, matcher), limit: SERVICE_HEALTH.latencyP95Seconds },
  ];
}

/** `0.05` as "5%", for alert summaries and dashboard descriptions that quote the limit. */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
