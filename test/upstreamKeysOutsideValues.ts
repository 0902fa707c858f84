/**
 * Helm values the platform's releases set that the checker below cannot find in the pinned
 * chart's values.yaml, each checked by hand against the upstream source that reads it. Three kinds:
 * - subchart keys: kube-prometheus-stack hands `grafana`, `kube-state-metrics` and
 *   `prometheus-node-exporter` to its dependencies, whose values.yaml files are not in
 *   ../shared/charts;
 * - keys a template reads that values.yaml only shows commented out;
 * - fields added to a Kubernetes object the chart copies verbatim (`toYaml`) into the pod spec,
 *   such as a securityContext: any field of that Kubernetes type is valid there, but the checker
 *   only knows the fields the chart's default happens to set.
 * releaseProblems (upstreamCharts.ts) accepts exactly these paths and nothing else; adding one
 * needs its evidence.
 */
import type { ChartName } from "../components/helm/catalog";

export interface UpstreamKeys {
  chart: ChartName;
  /** Values paths as releaseProblems reports them (up to the first segment it does not know). */
  paths: string[];
  /** Where upstream defines or reads them. */
  evidence: string;
}

const GRAFANA =
  "grafana 12.11.1, a kube-prometheus-stack 88.5.3 dependency (grafana-community/helm-charts charts/grafana/values.yaml)";

export const UPSTREAM_KEYS_OUTSIDE_VALUES_YAML: readonly UpstreamKeys[] = [
  {
    chart: "kube-prometheus-stack",
    paths: [
      "grafana.sidecar.resources",
      "grafana.persistence",
      "grafana.deploymentStrategy",
      "grafana.initChownData",
      "grafana.resources",
      "grafana.testFramework",
      "grafana.grafana.ini",
      "grafana.podAnnotations",
      "grafana.sidecar.livenessProbe",
      "grafana.sidecar.readinessProbe",
    ],
    evidence: `subchart ${GRAFANA}: sidecar.resources, persistence, deploymentStrategy, initChownData, resources, testFramework, grafana.ini, podAnnotations, sidecar.livenessProbe, sidecar.readinessProbe`,
  },
  {
    chart: "kube-prometheus-stack",
    paths: ["kube-state-metrics.resources", "kube-state-metrics.podAnnotations"],
    evidence:
      "subchart kube-state-metrics 8.4.0 (prometheus-community/helm-charts charts/kube-state-metrics/values.yaml): resources, podAnnotations",
  },
  {
    chart: "kube-prometheus-stack",
    paths: ["prometheus-node-exporter.resources", "prometheus-node-exporter.containerSecurityContext"],
    evidence:
      "subchart prometheus-node-exporter 4.56.1 (prometheus-community/helm-charts charts/prometheus-node-exporter/values.yaml): resources, containerSecurityContext",
  },
  {
    chart: "argo-cd",
    paths: [
      "redis-ha.haproxy.init",
      "redis-ha.haproxy.resources",
      "redis-ha.haproxy.serviceAccount",
      "redis-ha.init",
      "redis-ha.redis.resources",
      "redis-ha.sentinel",
      "redis-ha.splitBrainDetection",
    ],
    evidence:
      "subchart redis-ha 4.38.0, an argo-cd 10.1.1 dependency (DandyDeveloper/charts charts/redis-ha/values.yaml): haproxy.init.resources, haproxy.resources, haproxy.serviceAccount.automountToken, init.resources, redis.resources, sentinel.resources, splitBrainDetection.resources",
  },
  {
    chart: "kube-prometheus-stack",
    paths: [
      "prometheusOperator.containerSecurityContext.runAsNonRoot",
      "prometheusOperator.containerSecurityContext.seccompProfile",
    ],
    evidence:
      "templates/prometheus-operator/deployment.yaml: `toYaml .Values.prometheusOperator.containerSecurityContext`",
  },
  {
    chart: "jaeger",
    paths: ["jaeger.resources"],
    evidence:
      "templates/jaeger/jaeger-deploy.yaml: `with .Values.jaeger.resources` (commented out in values.yaml)",
  },
  {
    chart: "jaeger",
    paths: ["jaeger.podSecurityContext.runAsNonRoot", "jaeger.podSecurityContext.seccompProfile"],
    evidence:
      "templates/jaeger/jaeger-deploy.yaml: `toYaml .Values.jaeger.podSecurityContext` (a PodSecurityContext)",
  },
  {
    chart: "opensearch",
    paths: [
      "podSecurityContext.runAsGroup",
      "podSecurityContext.runAsNonRoot",
      "podSecurityContext.seccompProfile",
      "securityContext.allowPrivilegeEscalation",
      "securityContext.readOnlyRootFilesystem",
      "securityContext.seccompProfile",
      "resources.limits",
    ],
    evidence:
      "templates/statefulset.yaml: `toYaml .Values.podSecurityContext`, `toYaml .Values.securityContext`, `toYaml .Values.resources`",
  },
  {
    chart: "opensearch-dashboards",
    paths: [
      "securityContext.allowPrivilegeEscalation",
      "securityContext.readOnlyRootFilesystem",
      "securityContext.seccompProfile",
    ],
    evidence: "templates/deployment.yaml: `toYaml .Values.securityContext` (a container SecurityContext)",
  },
];
