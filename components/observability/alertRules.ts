/**
 * The platform's alert rules, as typed data: the service rules the platform sets (error rate, P95
 * latency, service down), the Cocos manager's, and the platform's own (backups, certificates,
 * volumes, OpenBao). PrometheusStack ships them as PrometheusRules; tests read them from here.
 */
import type { AlertingRule, RuleGroup } from "./customResources";
import { COCOS_MANAGER_METRICS, serviceMatcher, servicesUp } from "./metrics";
import { healthSignals, percent, SERVICE_HEALTH } from "./serviceHealth";

/** The thresholds: the services' from SERVICE_HEALTH (shared with canary analysis). */
export const ALERT_THRESHOLDS = {
  ...SERVICE_HEALTH,
  /** The daily backup runs at 02:00; a day plus two hours of slack before "missing". */
  backupMaxAgeHours: 26,
  /** Days before a served certificate expires. */
  certificateExpiryDays: 14,
  /** Free space below this fraction of a volume. */
  volumeFreeRatio: 0.1,
} as const;

const svc = "{{ $labels.component }}";

const [errors, latency] = healthSignals(serviceMatcher());

/**
 * The Prism services: error rate, latency and liveness. Reads SERVICE_METRICS names only (and `up`);
 * the error-rate and latency rules are the health signals canary analysis measures, on every service.
 */
export const SERVICE_RULES: RuleGroup = {
  name: "prism-services",
  rules: [
    {
      alert: "PrismServiceHighErrorRate",
      expr: `${errors.query} > ${errors.limit}`,
      for: "5m",
      labels: { severity: "warning" },
      annotations: {
        summary: `${svc}: more than ${percent(errors.limit)} of requests fail`,
        description: `{{ $value | humanizePercentage }} of ${svc}'s requests answered 5xx over 5 minutes.`,
      },
    },
    {
      alert: "PrismServiceCriticalErrorRate",
      expr: `${errors.query} > ${SERVICE_HEALTH.errorRatioCritical}`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: `${svc}: more than ${percent(SERVICE_HEALTH.errorRatioCritical)} of requests fail`,
        description: `{{ $value | humanizePercentage }} of ${svc}'s requests answered 5xx over 5 minutes.`,
      },
    },
    {
      alert: "PrismServiceHighLatency",
      expr: `${latency.query} > ${latency.limit}`,
      for: "10m",
      labels: { severity: "warning" },
      annotations: {
        summary: `${svc}: P95 latency above ${latency.limit} s`,
        description: `${svc}'s 95th percentile request duration is {{ $value | humanizeDuration }}.`,
      },
    },
    {
      alert: "PrismServiceDown",
      expr: `${servicesUp()} == 0`,
      for: "2m",
      labels: { severity: "critical" },
      annotations: {
        summary: "{{ $labels.job }} is down",
        description: "Prometheus cannot scrape {{ $labels.job }} pod {{ $labels.pod }} for 2 minutes.",
      },
    },
  ],
};

const cvm = `{{ $labels.${COCOS_MANAGER_METRICS.labels.cvm} }}`;

/** The confidential VMs' Cocos managers, as Backends reports them. */
export const COCOS_RULES: RuleGroup = {
  name: "prism-cocos",
  rules: [
    {
      alert: "CocosManagerDown",
      expr: `${COCOS_MANAGER_METRICS.up} == 0`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: `Cocos manager of CVM ${cvm} is down`,
        description: `The Cocos manager in CVM ${cvm} ({{ $labels.${COCOS_MANAGER_METRICS.labels.cloud} }}) has not reported to Backends for 5 minutes.`,
      },
    },
    {
      alert: "AttestationFailed",
      expr: `increase(${COCOS_MANAGER_METRICS.attestationFailures}[10m]) > 0`,
      labels: { severity: "critical" },
      annotations: {
        summary: `Attestation failed for CVM ${cvm}`,
        description: `CVM ${cvm} presented an attestation report that failed verification; treat it as untrusted.`,
      },
    },
  ],
};

const DAY = 24 * 3600;

/** The platform underneath: backups, certificates, volumes, OpenBao. */
export const PLATFORM_RULES: RuleGroup = {
  name: "prism-platform",
  rules: [
    {
      // Velero's server metrics (ServiceMonitor in PrometheusStack).
      alert: "VeleroBackupFailed",
      expr: `increase(velero_backup_failure_total{schedule!=""}[1h]) > 0`,
      labels: { severity: "critical" },
      annotations: {
        summary: "Velero backup {{ $labels.schedule }} failed",
        description:
          "A backup of schedule {{ $labels.schedule }} failed in the last hour: `velero backup get`.",
      },
    },
    {
      // The daily schedule is named velero-daily (components/backup/veleroValues.ts).
      alert: "VeleroBackupMissing",
      expr: `time() - velero_backup_last_successful_timestamp{schedule="velero-daily"} > ${ALERT_THRESHOLDS.backupMaxAgeHours * 3600}`,
      labels: { severity: "critical" },
      annotations: {
        summary: "No successful daily backup for 26 hours",
        description: "The last successful velero-daily backup is {{ $value | humanizeDuration }} old.",
      },
    },
    {
      // traefik_tls_certs_not_after: Traefik's own metric (metrics port 9100, PodMonitor in
      // PrometheusStack), the expiry of every certificate it serves on the platform hostnames.
      alert: "CertificateExpiringSoon",
      expr: `min by (cn, sans) (traefik_tls_certs_not_after) - time() < ${ALERT_THRESHOLDS.certificateExpiryDays * DAY}`,
      for: "1h",
      labels: { severity: "warning" },
      annotations: {
        summary: "Certificate {{ $labels.cn }} expires within 14 days",
        description:
          "Traefik serves certificate {{ $labels.cn }} ({{ $labels.sans }}), which expires in {{ $value | humanizeDuration }}.",
      },
    },
    {
      alert: "PersistentVolumeFillingUp",
      expr:
        `kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < ${ALERT_THRESHOLDS.volumeFreeRatio}` +
        ` and predict_linear(kubelet_volume_stats_available_bytes[6h], 4 * ${DAY}) < 0`,
      for: "15m",
      labels: { severity: "warning" },
      annotations: {
        summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is filling up",
        description: "Under 10% free and, at the last 6 hours' rate, full within 4 days.",
      },
    },
    {
      alert: "PersistentVolumeAlmostFull",
      expr: `kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.03`,
      for: "5m",
      labels: { severity: "critical" },
      annotations: {
        summary: "Volume {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full",
        description: "Under 3% free: {{ $value | humanizePercentage }}.",
      },
    },
    {
      // OpenBao kept Vault's telemetry prefix: its core.unsealed gauge is vault_core_unsealed.
      alert: "OpenBaoSealed",
      expr: "vault_core_unsealed == 0",
      for: "1m",
      labels: { severity: "critical" },
      annotations: {
        summary: "OpenBao {{ $labels.pod }} is sealed",
        description:
          "A sealed OpenBao cannot issue CVM agent or service certificates; check the auto-unseal key.",
      },
    },
  ],
};

/** Every rule group the platform ships, in the order of the PrometheusRules. */
export const RULE_GROUPS: readonly RuleGroup[] = [SERVICE_RULES, COCOS_RULES, PLATFORM_RULES];

export function allRules(): AlertingRule[] {
  return RULE_GROUPS.flatMap((g) => g.rules);
}
