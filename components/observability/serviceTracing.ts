/**
 * The one place the services' tracing is configured: where Jaeger's collector listens and what every
 * service's OpenTelemetry SDK is told through the standard OTEL_* environment variables (export
 * endpoint and protocol, service name, the stack's sampling ratio). The service chart's values put
 * these into each service's ConfigMap, the services' egress policies open exactly this endpoint,
 * and Jaeger's ingress policy admits exactly the services on it.
 */
import type { Environment } from "../../policies/facts/platform";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { SERVICES_NAMESPACE } from "./metrics";

/** Helm release name; the chart names its Deployment and Service after it. */
export const JAEGER_RELEASE = "jaeger";
export const JAEGER_NAMESPACE: PlatformNamespace = "monitoring";
export const JAEGER_POD_LABELS = {
  "app.kubernetes.io/name": "jaeger",
  "app.kubernetes.io/component": "all-in-one",
} as const;

/** Jaeger v2's listeners: OTLP in, the query API out, its own metrics. */
export const JAEGER_PORTS = {
  otlpGrpc: 4317,
  otlpHttp: 4318,
  query: 16686,
  metrics: 8888,
};

/** What the services export spans to: OTLP over gRPC, plaintext inside the cluster. */
export const OTLP_EXPORT = {
  endpoint: `http://${JAEGER_RELEASE}.${JAEGER_NAMESPACE}.svc:${JAEGER_PORTS.otlpGrpc}`,
  protocol: "grpc",
  port: JAEGER_PORTS.otlpGrpc,
} as const;

export interface ServiceTracing {
  service: string;
  environment: Environment;
  /** config.observability.tracing.samplingPercent */
  samplingPercent: number;
}

/**
 * The OpenTelemetry SDK settings of one service. Sampling is decided where a trace starts
 * (parent-based: a call inside a sampled trace is always recorded) at the stack's ratio. Metrics
 * and logs are not exported over OTLP: Prometheus scrapes /metrics and Fluent Bit ships stdout,
 * and Jaeger's collector only accepts traces.
 */
export function serviceTracingEnv({
  service,
  environment,
  samplingPercent,
}: ServiceTracing): Record<string, string> {
  return {
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${environment},service.namespace=${SERVICES_NAMESPACE}`,
    OTEL_TRACES_EXPORTER: "otlp",
    OTEL_EXPORTER_OTLP_ENDPOINT: OTLP_EXPORT.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: OTLP_EXPORT.protocol,
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: String(samplingPercent / 100),
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  };
}
