/**
 * Helm values the platform's releases set that the checker below cannot find in the pinned
 * chart's values.yaml (or a subchart's, inside the same archive), each checked by hand against the
 * upstream source that reads it. Three kinds:
 * - free-form settings a chart writes out as they are (Grafana's `grafana.ini`), whose defaults
 *   show only some of the keys;
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

export const UPSTREAM_KEYS_OUTSIDE_VALUES_YAML: readonly UpstreamKeys[] = [
  {
    chart: "kube-prometheus-stack",
    paths: ["grafana.podAnnotations", "grafana.persistence.storageClassName"],
    evidence:
      "subchart grafana (charts/grafana in the vendored archive): templates/deployment.yaml and statefulset.yaml read .Values.podAnnotations; templates/pvc.yaml reads .Values.persistence.storageClassName (commented out in values.yaml)",
  },
  {
    chart: "kube-prometheus-stack",
    paths: [
      "prometheus-node-exporter.containerSecurityContext.allowPrivilegeEscalation",
      "prometheus-node-exporter.containerSecurityContext.capabilities",
      "prometheus-node-exporter.containerSecurityContext.runAsNonRoot",
      "prometheus-node-exporter.containerSecurityContext.seccompProfile",
    ],
    evidence:
      "subchart prometheus-node-exporter: templates/daemonset.yaml writes .Values.containerSecurityContext whole as the container's securityContext (values.yaml sets only readOnlyRootFilesystem and shows capabilities commented out)",
  },
  {
    chart: "opensearch",
    paths: ["persistence.storageClass"],
    evidence:
      "templates/statefulset.yaml reads .Values.persistence.storageClass into the volumeClaimTemplate's storageClassName (commented out in values.yaml)",
  },
  {
    chart: "kube-prometheus-stack",
    paths: [
      "grafana.grafana.ini.analytics.reporting_enabled",
      "grafana.grafana.ini.security",
      "grafana.grafana.ini.server.root_url",
      "grafana.grafana.ini.users",
    ],
    evidence:
      "subchart grafana 12.11.1 templates/_config.tpl: every section and key under `grafana.ini` is written to grafana.ini (free-form Grafana settings; values.yaml shows a few defaults)",
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
