/**
 * Typed helpers for the custom resources the observability layer creates: the Prometheus
 * operator's PrometheusRule, ServiceMonitor and PodMonitor (monitoring.coreos.com/v1, CRDs from
 * kube-prometheus-stack); Traefik's IngressRoute helper lives with Traefik (edge/traefikIngress.ts).
 * Each spec interface is the subset of the CRD the platform uses, so a misspelt field is a
 * compile error rather than a silently ignored key. Callers pass `dependsOn` on the release that
 * installs the CRD.
 */
import type * as pulumi from "@pulumi/pulumi";
import { customResourceKind } from "../kubernetes/customResource";

export interface ObjectMeta {
  name: string;
  namespace: pulumi.Input<string>;
  labels?: Record<string, string>;
}

export type Severity = "warning" | "critical";

export interface AlertingRule {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires (a Prometheus duration). */
  for?: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string } & Record<string, string>;
}

export interface RuleGroup {
  name: string;
  /** Evaluation interval; Prometheus' global one when unset. */
  interval?: string;
  rules: AlertingRule[];
}

export interface PrometheusRuleSpec {
  groups: RuleGroup[];
}

export const prometheusRule = customResourceKind<PrometheusRuleSpec, ObjectMeta>(
  "monitoring.coreos.com/v1",
  "PrometheusRule",
);

interface LabelSelector {
  matchLabels: Record<string, string>;
}

export interface ScrapeEndpoint {
  /** Named port of the Service (ServiceMonitor) or container (PodMonitor). */
  port: string;
  path?: string;
  interval?: string;
  scheme?: "http" | "https";
}

export interface ServiceMonitorSpec {
  selector: LabelSelector;
  /** The job label's value comes from this Service label (the Service's name when unset). */
  jobLabel?: string;
  endpoints: ScrapeEndpoint[];
}

export const serviceMonitor = customResourceKind<ServiceMonitorSpec, ObjectMeta>(
  "monitoring.coreos.com/v1",
  "ServiceMonitor",
);

export interface PodMonitorSpec {
  selector: LabelSelector;
  jobLabel?: string;
  podMetricsEndpoints: ScrapeEndpoint[];
}

export const podMonitor = customResourceKind<PodMonitorSpec, ObjectMeta>(
  "monitoring.coreos.com/v1",
  "PodMonitor",
);
