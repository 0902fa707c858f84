import * as fs from "fs";
import { OTLP_EXPORT } from "../components/observability/serviceTracing";
import { PROMETHEUS_ADDRESS } from "../components/delivery/canaryAnalysis";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CHARTS } from "../components/helm/catalog";
import { SLACK_WEBHOOK_FILE, SLACK_WEBHOOK_SECRET } from "../components/observability/alertmanagerConfig";
import {
  ALERT_THRESHOLDS,
  allRules,
  COCOS_RULES,
  PLATFORM_RULES,
  RULE_GROUPS,
  SERVICE_RULES,
} from "../components/observability/alertRules";
import { DASHBOARDS_DIR, dashboardDefinitions, type Dashboard } from "../components/observability/dashboards";
import { INHIBITIONS } from "../components/observability/alertmanagerConfig";
import { COCOS_MANAGER_METRICS, SCRAPE_UP_METRIC } from "../components/observability/metrics";
import { Observability } from "../components/observability/observability";
import { image } from "../components/helm/catalog";
import { PLATFORM_HOSTS } from "../components/edge/cloudflareTunnel";
import { TRAEFIK_POD_LABELS } from "../components/edge/traefikIngress";
import type { PlatformConfig } from "../stacks/config";
import { SERVICE_METRICS, SERVICE_NAMES } from "../services/catalog";
import { checkPlan, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import type { ConfigMutation } from "../tools/engine/stackSettings";
import { ofType, oncePerStack, one, planWithFoundation, stackConfigOf } from "./harness";
import { chartOfRelease, releaseProblems } from "./upstreamCharts";
import { releaseChartPath } from "../components/helm/helmRelease";
import { storageClassFor } from "../components/cluster/retainStorageClass";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const SERVICE = "kubernetes:core/v1:Service";
const JOB = "kubernetes:batch/v1:Job";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const INGRESS_ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

type Values = Record<string, unknown>;

/** The stacks set the Slack webhook secret with `pulumi config set --secret`; offline, a placeholder. */
const withSlackWebhook: ConfigMutation = (c) => {
  c["prism:alertmanagerSlackWebhookUrl"] = { secure: "v1:slack-webhook" };
};

function build(ctx: Parameters<Parameters<typeof planWithFoundation>[1]>[0]): void {
  new Observability("observability", {
    protect: ctx.config.stateful.protect,
    storageClass: storageClassFor(ctx.config.stateful.retainVolumes),
    externalLabels: { cluster: `prism-${ctx.stack}`, environment: ctx.config.environment },
    baseDomain: ctx.config.baseDomain,
    config: ctx.config.observability,
    namespaces: ctx.namespaces,
    clusterNetwork: ctx.config.digitalocean.network,
    provider: ctx.cluster.provider,
    slackWebhookUrl: new pulumi.Config().getSecret("alertmanagerSlackWebhookUrl"),
  });
}

const planObservability = oncePerStack((stack) => planWithFoundation(stack, build, withSlackWebhook));
const stackConfig = (stack: string): PlatformConfig => stackConfigOf(stack);

function release(plan: Plan, name: string): PlannedResource {
  return one(plan, RELEASE, name);
}

function values(plan: Plan, name: string): Values {
  return release(plan, name).inputs.values as Values;
}

function at(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v as Values | undefined)?.[k], value);
}

/** JSON with sorted keys, for containment checks that ignore key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Values).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

function byMetaName(plan: Plan, type: string, name: string): PlannedResource {
  const found = ofType(plan, type).filter((r) => at(r.inputs, "metadata", "name") === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
}

const PROMQL_WORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
]);

/** Metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = stripped.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || PROMQL_WORDS.has(m[0])) continue;
    names.push(m[0]);
  }
  return [...new Set(names)];
}

const SERVICE_METRIC_NAMES = [SERVICE_METRICS.requests, `${SERVICE_METRICS.duration}_bucket`];

describe("PromQL metric extraction (the check the tests below rely on)", () => {
  it("finds metrics and ignores functions, labels, ranges and grouping", () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (component, le) (rate(http_request_duration_seconds_bucket{component=~"a|b"}[5m]))) > 2',
      ),
    ).toEqual(["http_request_duration_seconds_bucket"]);
    expect(metricNames("count(cocos_manager_up == 0) or vector(0)")).toEqual(["cocos_manager_up"]);
    expect(metricNames("time() - velero_backup_last_successful_timestamp > 3600")).toEqual([
      "velero_backup_last_successful_timestamp",
    ]);
  });
});

describe("alert rules", () => {
  it("service alerts read only the metrics the services expose (and Prometheus' up)", () => {
    for (const rule of SERVICE_RULES.rules) {
      for (const name of metricNames(rule.expr)) {
        expect([...SERVICE_METRIC_NAMES, SCRAPE_UP_METRIC]).toContain(name);
      }
    }
    // up only for the services' jobs in their namespace.
    const down = SERVICE_RULES.rules.find((r) => r.alert === "PrismServiceDown");
    expect(down?.expr).toMatch(new RegExp(`namespace="prism",job=~"${SERVICE_NAMES.join("\\|")}"`));
  });

  it("uses the thresholds: 5% warning, 20% critical, P95 above 2 s", () => {
    const rule = (alert: string) => SERVICE_RULES.rules.find((r) => r.alert === alert);
    expect(rule("PrismServiceHighErrorRate")).toMatchObject({ for: "5m", labels: { severity: "warning" } });
    expect(rule("PrismServiceHighErrorRate")?.expr).toMatch(/status_code=~"5\.\."/);
    expect(rule("PrismServiceHighErrorRate")?.expr).toMatch(/ > 0\.05$/);
    expect(rule("PrismServiceCriticalErrorRate")).toMatchObject({ labels: { severity: "critical" } });
    expect(rule("PrismServiceCriticalErrorRate")?.expr).toMatch(/ > 0\.2$/);
    expect(rule("PrismServiceHighLatency")?.expr).toMatch(/^histogram_quantile\(0\.95, .* > 2$/);
    expect(ALERT_THRESHOLDS).toMatchObject({
      errorRatioWarning: 0.05,
      errorRatioCritical: 0.2,
      latencyP95Seconds: 2,
    });
  });

  it("has the Cocos manager alerts on the metrics defined for it", () => {
    expect(COCOS_RULES.rules.map((r) => r.alert).sort()).toEqual(["AttestationFailed", "CocosManagerDown"]);
    const cocos = [COCOS_MANAGER_METRICS.up, COCOS_MANAGER_METRICS.attestationFailures];
    for (const rule of COCOS_RULES.rules)
      expect(cocos).toEqual(expect.arrayContaining(metricNames(rule.expr)));
  });

  it("covers backups failed or missing, certificates, volumes and a sealed OpenBao", () => {
    const exprs = Object.fromEntries(PLATFORM_RULES.rules.map((r) => [r.alert, r.expr]));
    expect(exprs.VeleroBackupFailed).toMatch(/increase\(velero_backup_failure_total/);
    expect(exprs.VeleroBackupMissing).toMatch(
      /time\(\) - velero_backup_last_successful_timestamp.* > 93600$/,
    );
    expect(metricNames(exprs.CertificateExpiringSoon)).toEqual(["traefik_tls_certs_not_after"]);
    expect(exprs.PersistentVolumeFillingUp).toMatch(
      /kubelet_volume_stats_available_bytes \/ kubelet_volume_stats_capacity_bytes < 0\.1/,
    );
    expect(exprs.PersistentVolumeFillingUp).toMatch(
      /predict_linear\(kubelet_volume_stats_available_bytes\[6h\]/,
    );
    expect(exprs.OpenBaoSealed).toBe("vault_core_unsealed == 0");
  });

  it("every rule has a unique name, a severity, a summary, and Alertmanager's inhibitions name real rules", () => {
    const names = allRules().map((r) => r.alert);
    expect(new Set(names).size).toBe(names.length);
    for (const rule of allRules()) {
      expect(["warning", "critical"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(0);
    }
    for (const inhibition of INHIBITIONS) {
      for (const m of [...inhibition.source_matchers, ...inhibition.target_matchers]) {
        expect(names).toContain(/alertname = "(.+)"/.exec(m)?.[1]);
      }
    }
  });
});

describe("dashboards", () => {
  const files = fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith(".json"));
  const read = (file: string) =>
    JSON.parse(fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8")) as Dashboard;

  it("has one per service plus the Cocos manager's", () => {
    expect(files.sort()).toEqual([...SERVICE_NAMES.map((s) => `${s}.json`), "cocos-manager.json"].sort());
  });

  it("are valid JSON, identical to what the generator builds from the catalog", () => {
    const generated = dashboardDefinitions();
    for (const file of files) expect(read(file)).toEqual(generated[file]);
  });

  it.each(SERVICE_NAMES)("%s: request rate, error ratio and P95 latency from SERVICE_METRICS", (service) => {
    const board = read(`${service}.json`);
    expect(board.uid).toBe(`prism-${service}`);
    expect(board.panels.map((p) => p.title)).toEqual(["Request rate", "Error ratio (5xx)", "P95 latency"]);
    for (const panel of board.panels) {
      expect(panel.targets.length).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect(target.expr).toContain(`${SERVICE_METRICS.labels.service}="${service}"`);
        for (const name of metricNames(target.expr)) expect(SERVICE_METRIC_NAMES).toContain(name);
      }
    }
    expect(board.panels[2].targets[0].expr).toMatch(/^histogram_quantile\(0\.95,/);
  });

  it("cocos-manager: up and attestation failures from the Cocos metrics", () => {
    const exprs = read("cocos-manager.json").panels.flatMap((p) => p.targets.map((t) => t.expr));
    const used = new Set(exprs.flatMap(metricNames));
    expect(used).toEqual(
      new Set([COCOS_MANAGER_METRICS.up, COCOS_MANAGER_METRICS.attestationFailures, SCRAPE_UP_METRIC]),
    );
  });
});

describe.each(["staging", "production"])("observability in %s", (stack) => {
  const cfg = stackConfig(stack);
  const obs = cfg.observability;

  it("installs every release at the catalog's version with values upstream knows", async () => {
    const plan = await planObservability(stack);
    const releases = ofType(plan, RELEASE);
    expect(releases.map((r) => r.name).sort()).toEqual(
      ["fluent-bit", "jaeger", "kube-prometheus-stack", "opensearch", "opensearch-dashboards", "vpa"].sort(),
    );
    for (const r of releases) {
      const name = chartOfRelease(r);
      expect(name && r.inputs.chart).toBe(name && releaseChartPath(name));
      expect(r.inputs.version).toBe(name && CHARTS[name].version);
      expect(r.inputs.repositoryOpts).toBeUndefined();
    }
    // Subchart keys and commented-out template keys are accepted only where documented with evidence.
    expect(releaseProblems(plan)).toEqual([]);
  });

  it("installs no metrics-server: DOKS runs it as a managed component", async () => {
    const plan = await planObservability(stack);
    expect(ofType(plan, RELEASE).filter((r) => String(r.inputs.chart).includes("metrics-server"))).toEqual(
      [],
    );
    expect(values(plan, "vpa")).toMatchObject({
      "metrics-server": { enabled: false },
      recommender: { enabled: true },
      updater: { enabled: false },
      admissionController: { enabled: false },
    });
    expect(release(plan, "vpa").inputs.namespace).toBe("monitoring");
  });

  it("has zero mandatory policy violations", async () => {
    const plan = await planObservability(stack);
    expect(mandatory(await checkPlan(plan, stackPolicyConfig(stack)))).toEqual([]);
  });

  it("sizes Prometheus from config and opens it to every namespace's monitors and rules", async () => {
    const kps = values(await planObservability(stack), "kube-prometheus-stack");
    const spec = at(kps, "prometheus", "prometheusSpec") as Values;
    expect(spec).toMatchObject({
      replicas: obs.prometheus.replicas,
      retention: `${obs.prometheus.retentionDays}d`,
      storageSpec: {
        volumeClaimTemplate: {
          spec: { resources: { requests: { storage: `${obs.prometheus.storageGiB}Gi` } } },
        },
      },
      serviceMonitorSelectorNilUsesHelmValues: false,
      podMonitorSelectorNilUsesHelmValues: false,
      ruleSelectorNilUsesHelmValues: false,
      serviceMonitorNamespaceSelector: {},
      ruleNamespaceSelector: {},
    });
    expect(at(kps, "prometheus-node-exporter", "namespaceOverride")).toBe("node-agents");
    expect(at(kps, "grafana", "persistence")).toMatchObject({
      enabled: true,
      size: `${obs.grafanaStorageGiB}Gi`,
    });
    expect(at(kps, "grafana", "sidecar", "dashboards")).toMatchObject({
      enabled: true,
      label: "grafana_dashboard",
      labelValue: "1",
      searchNamespace: "ALL",
    });
  });

  it("keeps Grafana's admin credentials in a generated Secret the chart references", async () => {
    const plan = await planObservability(stack);
    const kps = values(plan, "kube-prometheus-stack");
    expect(at(kps, "grafana", "admin")).toEqual({
      existingSecret: "grafana-admin",
      userKey: "admin-user",
      passwordKey: "admin-password",
    });
    expect(at(kps, "grafana", "adminPassword")).toBeUndefined();
    const secret = byMetaName(plan, SECRET, "grafana-admin");
    expect(at(secret.inputs, "metadata", "namespace")).toBe("monitoring");
    expect(secret.secretPaths.some((p) => p.startsWith("stringData"))).toBe(true);
    expect(ofType(plan, "random:index/randomPassword:RandomPassword").length).toBeGreaterThanOrEqual(2);
    expect(release(plan, "kube-prometheus-stack").dependencies).toContain(secret.urn);
  });

  it("configures Alertmanager's receivers from config, the Slack webhook only by file", async () => {
    const plan = await planObservability(stack);
    const kps = values(plan, "kube-prometheus-stack");
    expect(at(kps, "alertmanager", "alertmanagerSpec")).toMatchObject({
      useExistingSecret: true,
      secrets: [SLACK_WEBHOOK_SECRET],
    });
    const configSecret = byMetaName(plan, SECRET, "alertmanager-kps-alertmanager");
    const file = parseYaml(String(at(configSecret.inputs, "stringData", "alertmanager.yaml"))) as Values;
    expect(at(file, "global")).toMatchObject({
      smtp_smarthost: obs.alertmanager.smtpSmarthost,
      smtp_from: obs.alertmanager.smtpFrom,
    });
    const receiver = (file.receivers as Values[]).find((r) => r.name === at(file, "route", "receiver"));
    const emails = obs.alertmanager.receivers.flatMap((r) => (r.type === "email" ? r.to : []));
    const channels = obs.alertmanager.receivers.flatMap((r) => (r.type === "slack" ? [r.channel] : []));
    expect((receiver?.email_configs as Values[]).map((e) => e.to)).toEqual(emails);
    expect(receiver?.slack_configs).toEqual(
      channels.map((channel) => expect.objectContaining({ channel, api_url_file: SLACK_WEBHOOK_FILE })),
    );
    expect(JSON.stringify(file)).not.toMatch(/api_url"|slack-webhook"|offline-placeholder/);
    const webhook = byMetaName(plan, SECRET, SLACK_WEBHOOK_SECRET);
    expect(webhook.secretPaths.some((p) => p.startsWith("stringData"))).toBe(true);
  });

  it("ships the alert rules as PrometheusRules after the operator's CRDs", async () => {
    const plan = await planObservability(stack);
    const rules = ofType(plan, PROMETHEUS_RULE);
    const groups = (r: PlannedResource) => at(r.inputs, "spec", "groups") as { name: string }[];
    expect(rules.map(groups).sort((a, b) => a[0].name.localeCompare(b[0].name))).toEqual(
      RULE_GROUPS.map((g) => [g]).sort((a, b) => a[0].name.localeCompare(b[0].name)),
    );
    // The PrometheusRule CRD, installed on its own ahead of the chart (not the whole release).
    const crd = ofType(plan, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").find((c) =>
      c.name.endsWith("prometheus-crds-prometheusrules"),
    );
    expect(crd).toBeDefined();
    const kps = release(plan, "kube-prometheus-stack");
    for (const r of rules) {
      expect(at(r.inputs, "metadata", "namespace")).toBe("monitoring");
      expect(r.dependencies).toContain(crd?.urn);
      expect(r.dependencies).not.toContain(kps.urn);
    }
  });

  it("ships a dashboard ConfigMap per JSON file, labelled for Grafana's sidecar", async () => {
    const plan = await planObservability(stack);
    const maps = ofType(plan, CONFIG_MAP).filter(
      (r) => at(r.inputs, "metadata", "labels", "grafana_dashboard") === "1",
    );
    const files = fs.readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith(".json"));
    expect(maps.length).toBe(files.length);
    for (const file of files) {
      const map = maps.find((m) => at(m.inputs, "data", file) !== undefined);
      expect(at(map?.inputs, "metadata", "namespace")).toBe("monitoring");
      expect(at(map?.inputs, "data", file)).toBe(fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8"));
    }
  });

  it("routes Grafana and OpenSearch Dashboards only through their Access hostnames", async () => {
    const plan = await planObservability(stack);
    const exposed = ofType(plan, SERVICE).filter((s) =>
      ["LoadBalancer", "NodePort"].includes(String(at(s.inputs, "spec", "type"))),
    );
    expect(exposed).toEqual([]);
    const kps = values(plan, "kube-prometheus-stack");
    expect(at(kps, "grafana", "ingress", "enabled")).toBe(false);
    expect(at(kps, "grafana", "service", "type")).toBeUndefined();
    const dashboards = values(plan, "opensearch-dashboards");
    expect(dashboards).toMatchObject({ service: { type: "ClusterIP" }, ingress: { enabled: false } });

    const routes = ofType(plan, INGRESS_ROUTE).map((r) => r.inputs as Values);
    const expected = [
      { label: "grafana", service: { name: "kube-prometheus-stack-grafana", port: 80 }, port: 3000 },
      { label: "logs", service: { name: "opensearch-dashboards", port: 5601 }, port: 5601 },
    ];
    expect(routes).toHaveLength(expected.length);
    for (const e of expected) {
      const host = PLATFORM_HOSTS.find((h) => h.label === e.label);
      expect(host?.operatorUi).toBe(true);
      const route = routes.find((r) => at(r, "metadata", "namespace") === host?.namespace);
      expect(at(route, "spec")).toEqual({
        entryPoints: ["websecure"],
        routes: [{ match: `Host(\`${e.label}.${cfg.baseDomain}\`)`, kind: "Rule", services: [e.service] }],
        tls: {},
      });
      const admitsTraefik = ofType(plan, NETWORK_POLICY).filter(
        (p) =>
          at(p.inputs, "metadata", "namespace") === host?.namespace &&
          canonical(at(p.inputs, "spec", "ingress") ?? null).includes(canonical(TRAEFIK_POD_LABELS)),
      );
      expect(admitsTraefik).toHaveLength(1);
      expect(at(admitsTraefik[0].inputs, "spec", "ingress")).toEqual([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } },
              podSelector: { matchLabels: TRAEFIK_POD_LABELS },
            },
          ],
          ports: [{ protocol: "TCP", port: e.port }],
        },
      ]);
    }
  });

  it("sizes OpenSearch from config, with a generated admin password and no privileged sysctl", async () => {
    const plan = await planObservability(stack);
    const os = values(plan, "opensearch");
    expect(os).toMatchObject({
      replicas: obs.logs.opensearchReplicas,
      singleNode: obs.logs.opensearchReplicas === 1,
      persistence: { enabled: true, enableInitChown: false, size: `${obs.logs.storageGiB}Gi` },
      sysctl: { enabled: false },
      sysctlInit: { enabled: false },
    });
    expect(at(os, "config", "opensearch.yml")).toMatch(/^node\.store\.allow_mmap: false$/m);
    expect(at(os, "extraEnvs")).toEqual([
      {
        name: "OPENSEARCH_INITIAL_ADMIN_PASSWORD",
        valueFrom: { secretKeyRef: { name: "opensearch-admin", key: "password" } },
      },
    ]);
    const admin = byMetaName(plan, SECRET, "opensearch-admin");
    expect(admin.secretPaths.some((p) => p.startsWith("stringData"))).toBe(true);
    expect(release(plan, "opensearch").options.protect).toBe(stack === "production");
  });

  it("applies a retention policy for prism-logs* from config through a hardened Job", async () => {
    const plan = await planObservability(stack);
    const map = byMetaName(plan, CONFIG_MAP, "opensearch-retention");
    const policy = JSON.parse(String(at(map.inputs, "data", "policy.json"))) as Values;
    expect(at(policy, "policy", "ism_template")).toEqual([
      expect.objectContaining({ index_patterns: expect.arrayContaining(["prism-logs*"]) }),
    ]);
    expect(JSON.stringify(at(policy, "policy", "states"))).toContain(
      `"min_index_age":"${obs.logs.retentionDays}d"`,
    );
    const template = JSON.parse(String(at(map.inputs, "data", "index-template.json"))) as Values;
    expect(at(template, "template", "settings", "number_of_replicas")).toBe(
      obs.logs.opensearchReplicas > 1 ? 1 : 0,
    );

    const job = one(plan, JOB);
    const pod = at(job.inputs, "spec", "template", "spec") as Values;
    const [container] = pod.containers as Values[];
    expect(container.image).toBe(image("curl"));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
    expect(container.env).toContainEqual({
      name: "OPENSEARCH_PASSWORD",
      valueFrom: { secretKeyRef: { name: "opensearch-admin", key: "password" } },
    });
    expect(job.dependencies).toContain(release(plan, "opensearch").urn);
  });

  it("ships container logs from node-agents with the CRI parser and the Kubernetes filter", async () => {
    const plan = await planObservability(stack);
    const fb = values(plan, "fluent-bit");
    expect(release(plan, "fluent-bit").inputs.namespace).toBe("node-agents");
    const config = fb.config as Record<string, string>;
    expect(config.inputs).toMatch(/Path \/var\/log\/containers\/\*\.log/);
    expect(config.inputs).toMatch(/multiline\.parser cri/);
    expect(config.filters).toMatch(/Name kubernetes/);
    expect(config.outputs).toMatch(/Name opensearch/);
    expect(config.outputs).toMatch(/Logstash_Prefix prism-logs\n/);
    expect(config.outputs).toMatch(/HTTP_Passwd \$\{OPENSEARCH_PASSWORD\}/);
    expect(fb.env).toEqual([
      {
        name: "OPENSEARCH_PASSWORD",
        valueFrom: { secretKeyRef: { name: "fluent-bit-opensearch", key: "password" } },
      },
    ]);
  });

  it("admits exactly the services' trace export to Jaeger, and Argo Rollouts' analysis queries to Prometheus", async () => {
    const plan = await planObservability(stack);
    expect(byMetaName(plan, NETWORK_POLICY, "allow-jaeger-from-services").inputs.spec).toEqual({
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/component": "all-in-one" },
      },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prism" } },
              podSelector: {
                matchExpressions: [
                  { key: "app.kubernetes.io/name", operator: "In", values: [...SERVICE_NAMES] },
                ],
              },
            },
          ],
          // The port of OTEL_EXPORTER_OTLP_ENDPOINT, and no other.
          ports: [{ protocol: "TCP", port: Number(new URL(OTLP_EXPORT.endpoint).port) }],
        },
      ],
    });
    expect(byMetaName(plan, NETWORK_POLICY, "allow-prometheus-from-argo-rollouts").inputs.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "argo-rollouts" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "argo-rollouts" } },
            },
          ],
          ports: [{ protocol: "TCP", port: Number(new URL(PROMETHEUS_ADDRESS).port) }],
        },
      ],
    });
  });

  it("samples traces at the stack's rate, in OpenSearch in production and in memory in staging", async () => {
    const plan = await planObservability(stack);
    const jaeger = values(plan, "jaeger");
    expect(release(plan, "jaeger").inputs.namespace).toBe("monitoring");
    const userconfig = jaeger.userconfig as Values;
    // The services sample where a trace starts (OTEL_TRACES_SAMPLER_ARG, test/serviceChart.test.ts);
    // Jaeger stores what arrives and serves no sampling endpoint nobody would poll.
    expect(at(userconfig, "extensions", "remote_sampling")).toBeUndefined();
    expect(at(userconfig, "service", "extensions")).toEqual([
      "jaeger_storage",
      "jaeger_query",
      "healthcheckv2",
    ]);
    expect(at(userconfig, "receivers", "otlp", "protocols", "grpc", "endpoint")).toBe("0.0.0.0:4317");
    const backend = at(userconfig, "extensions", "jaeger_storage", "backends", "primary") as Values;
    expect(Object.keys(backend)).toEqual([stack === "production" ? "opensearch" : "memory"]);
    expect(at(jaeger, "jaeger", "securityContext")).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    });
  });

  it("follows config changes: Prometheus and OpenSearch sizes, retention", async () => {
    const plan = await planWithFoundation(stack, build, (c) => {
      withSlackWebhook(c);
      const o = c["prism:observability"] as Values;
      o.prometheus = { replicas: 3, retentionDays: 11, storageGiB: 33 };
      o.logs = { opensearchReplicas: 3, storageGiB: 44, retentionDays: 5 };
    });
    expect(at(values(plan, "kube-prometheus-stack"), "prometheus", "prometheusSpec")).toMatchObject({
      replicas: 3,
      retention: "11d",
    });
    expect(values(plan, "opensearch")).toMatchObject({ replicas: 3, persistence: { size: "44Gi" } });
    const map = byMetaName(plan, CONFIG_MAP, "opensearch-retention");
    expect(String(at(map.inputs, "data", "policy.json"))).toContain('"min_index_age": "5d"');
  });
});

describe("Alertmanager receivers that cannot work", () => {
  it("need no webhook when only email is configured", async () => {
    const plan = await planWithFoundation("staging", build, (c) => {
      const am = (c["prism:observability"] as Values).alertmanager as Values;
      am.receivers = [{ type: "email", to: ["ops@example.com"] }];
    });
    expect(
      ofType(plan, SECRET).filter((s) => at(s.inputs, "metadata", "name") === SLACK_WEBHOOK_SECRET),
    ).toEqual([]);
    expect(at(values(plan, "kube-prometheus-stack"), "alertmanager", "alertmanagerSpec", "secrets")).toEqual(
      [],
    );
  });
});
