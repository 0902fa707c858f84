/**
 * Grafana dashboards: one per Prism service and one for the Cocos managers, kept as JSON files in
 * services/dashboards/ (the artifact operators read and edit) and shipped as ConfigMaps labelled
 * `grafana_dashboard: "1"`, which Grafana's sidecar loads. The JSON is generated from the same
 * PromQL as the alert rules (metrics.ts); test/observability.test.ts fails when a file drifts from
 * what the generator produces. Regenerate with:
 *   npx tsx -e 'require("./components/observability/dashboards").writeDashboardFiles()'
 */
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_METRICS, SERVICE_NAMES, SERVICES, type ServiceName } from "../../services/catalog";
import { ALERT_THRESHOLDS } from "./alertRules";
import {
  COCOS_MANAGER_METRICS,
  errorRatio,
  latencyQuantile,
  requestRate,
  SCRAPE_UP_METRIC,
  serviceMatcher,
  SERVICES_NAMESPACE,
} from "./metrics";

export const DASHBOARDS_DIR = path.resolve(__dirname, "..", "..", "services", "dashboards");

/** The label (and value) Grafana's dashboard sidecar selects ConfigMaps by. */
export const DASHBOARD_LABEL = { grafana_dashboard: "1" } as const;

/** kube-prometheus-stack provisions its Prometheus datasource with this uid. */
const PROMETHEUS = { type: "prometheus", uid: "prometheus" };

interface Target {
  refId: string;
  expr: string;
  legendFormat: string;
}

interface Panel {
  id: number;
  type: "timeseries" | "stat";
  title: string;
  description: string;
  datasource: typeof PROMETHEUS;
  gridPos: { h: number; w: number; x: number; y: number };
  fieldConfig: {
    defaults: {
      unit: string;
      thresholds?: { mode: "absolute"; steps: { color: string; value: number | null }[] };
    };
    overrides: never[];
  };
  targets: Target[];
}

export interface Dashboard {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  timezone: "utc";
  editable: false;
  refresh: string;
  schemaVersion: number;
  time: { from: string; to: string };
  templating: { list: never[] };
  panels: Panel[];
}

type PanelSpec = Omit<Panel, "id" | "datasource" | "gridPos" | "fieldConfig" | "targets"> & {
  unit: string;
  /** Values where the panel turns orange, then red. */
  thresholds?: [number, number] | [number];
  targets: Omit<Target, "refId">[];
};

/** Lays panels out three to a row, eight units high. */
function panels(specs: PanelSpec[]): Panel[] {
  return specs.map((spec, i) => {
    const { unit, thresholds, targets, ...rest } = spec;
    const colors = ["orange", "red"];
    return {
      id: i + 1,
      ...rest,
      datasource: PROMETHEUS,
      gridPos: { h: 8, w: 8, x: (i % 3) * 8, y: Math.floor(i / 3) * 8 },
      fieldConfig: {
        defaults: {
          unit,
          ...(thresholds
            ? {
                thresholds: {
                  mode: "absolute" as const,
                  steps: [
                    { color: "green", value: null },
                    ...thresholds.map((value, j) => ({ color: colors[j + (2 - thresholds.length)], value })),
                  ],
                },
              }
            : {}),
        },
        overrides: [],
      },
      targets: targets.map((t, j) => ({ refId: String.fromCharCode(65 + j), ...t })),
    };
  });
}

function dashboard(uid: string, title: string, description: string, tags: string[], specs: PanelSpec[]) {
  const result: Dashboard = {
    uid,
    title,
    description,
    tags: ["prism", ...tags],
    timezone: "utc",
    editable: false,
    refresh: "30s",
    schemaVersion: 39,
    time: { from: "now-6h", to: "now" },
    templating: { list: [] },
    panels: panels(specs),
  };
  return result;
}

const { labels } = SERVICE_METRICS;

/** Request rate, error ratio and P95 latency of one service, with the alert thresholds drawn in. */
export function serviceDashboard(service: ServiceName): Dashboard {
  const m = serviceMatcher(service);
  return dashboard(
    `prism-${service}`,
    `Prism / ${service}`,
    `${service}: ${SERVICES[service].description}`,
    ["service"],
    [
      {
        type: "timeseries",
        title: "Request rate",
        description: "Requests per second, by status code.",
        unit: "reqps",
        targets: [{ expr: requestRate(m, [labels.status]), legendFormat: `{{${labels.status}}}` }],
      },
      {
        type: "timeseries",
        title: "Error ratio (5xx)",
        description: "Share of requests answered 5xx; the alerts fire at 5% (warning) and 20% (critical).",
        unit: "percentunit",
        thresholds: [ALERT_THRESHOLDS.errorRatioWarning, ALERT_THRESHOLDS.errorRatioCritical],
        targets: [{ expr: errorRatio(m), legendFormat: "errors" }],
      },
      {
        type: "timeseries",
        title: "P95 latency",
        description: "95th percentile request duration; the alert fires above 2 s.",
        unit: "s",
        thresholds: [ALERT_THRESHOLDS.latencyP95Seconds],
        targets: [{ expr: latencyQuantile(0.95, m), legendFormat: "p95" }],
      },
    ],
  );
}

const { up, attestationFailures } = COCOS_MANAGER_METRICS;

/** The service the Cocos managers dial (the one with the agents' port) and that re-exports their metrics. */
function agentsService(): ServiceName {
  const found = SERVICE_NAMES.find((s) => SERVICES[s].agentPort !== undefined);
  if (!found) throw new Error("services/catalog.ts has no service with an agentPort");
  return found;
}
const { cvm, cloud } = COCOS_MANAGER_METRICS.labels;

/** The confidential VMs' Cocos managers: who is connected, and attestation failures. */
export function cocosManagerDashboard(): Dashboard {
  return dashboard(
    "prism-cocos-manager",
    "Prism / Cocos manager",
    "The Cocos managers in the confidential VMs, as the Backends service reports them.",
    ["cocos", "cvm"],
    [
      {
        type: "stat",
        title: "Managers connected",
        description: "Cocos managers whose stream to Backends is up.",
        unit: "none",
        targets: [{ expr: `sum(${up})`, legendFormat: "connected" }],
      },
      {
        type: "stat",
        title: "Managers down",
        description: "Managers Backends knows of that stopped reporting.",
        unit: "none",
        thresholds: [1],
        targets: [{ expr: `count(${up} == 0) or vector(0)`, legendFormat: "down" }],
      },
      {
        type: "timeseries",
        title: "Attestation failures (1h)",
        description: "Attestation reports that failed verification, per CVM.",
        unit: "none",
        thresholds: [1],
        targets: [
          {
            expr: `sum by (${cvm}, ${cloud}) (increase(${attestationFailures}[1h]))`,
            legendFormat: `{{${cvm}}}`,
          },
        ],
      },
      {
        type: "timeseries",
        title: "Manager up, per CVM",
        description: "1 while the manager reports, 0 once it stops.",
        unit: "none",
        targets: [{ expr: up, legendFormat: `{{${cvm}}} ({{${cloud}}})` }],
      },
      {
        type: "timeseries",
        title: "Backends scrape health",
        description: "Whether Prometheus reaches the Backends pods that re-export the managers' metrics.",
        unit: "none",
        targets: [
          {
            expr: `${SCRAPE_UP_METRIC}{namespace="${SERVICES_NAMESPACE}",job="${agentsService()}"}`,
            legendFormat: "{{pod}}",
          },
        ],
      },
    ],
  );
}

/** File name → dashboard: one per service, plus the Cocos manager's. */
export function dashboardDefinitions(): Record<string, Dashboard> {
  const out: Record<string, Dashboard> = {};
  for (const service of SERVICE_NAMES) out[`${service}.json`] = serviceDashboard(service);
  out["cocos-manager.json"] = cocosManagerDashboard();
  return out;
}

/** Writes the generated dashboards to services/dashboards/ (run prettier on them afterwards). */
export function writeDashboardFiles(dir = DASHBOARDS_DIR): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, board] of Object.entries(dashboardDefinitions())) {
    fs.writeFileSync(path.join(dir, file), `${JSON.stringify(board, null, 2)}\n`);
  }
}

export interface GrafanaDashboardsArgs {
  /** Namespace monitoring, where Grafana runs. */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
}

/** Ships every JSON file in services/dashboards/ as a ConfigMap Grafana's sidecar picks up. */
export class GrafanaDashboards extends pulumi.ComponentResource {
  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:GrafanaDashboards", name, {}, opts);
    const files = fs
      .readdirSync(DASHBOARDS_DIR)
      .filter((f) => f.endsWith(".json"))
      .sort();
    for (const file of files) {
      const id = file.replace(/\.json$/, "");
      new k8s.core.v1.ConfigMap(
        `${name}-${id}`,
        {
          metadata: {
            name: `dashboard-${id}`,
            namespace: args.namespace,
            labels: { ...DASHBOARD_LABEL, "app.kubernetes.io/part-of": "prism" },
          },
          data: { [file]: fs.readFileSync(path.join(DASHBOARDS_DIR, file), "utf8") },
        },
        { parent: this, provider: args.provider },
      );
    }
    this.registerOutputs({});
  }
}
