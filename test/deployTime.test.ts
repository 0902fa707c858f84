/**
 * Deploy time of a cold `pulumi up`: the CRDs other releases and resources need are installed on
 * their own ahead of the operators, and no release waits for a whole other release, so the plan's
 * critical path of production stays within cluster creation + 6 minutes.
 */
import { parse } from "yaml";
import { chartArchiveFile } from "../components/helm/chartArchive";
import { EARLY_PROMETHEUS_CRDS } from "../components/observability/prometheusCrds";
import { criticalPath, DURATIONS } from "../tools/analysis/criticalPath";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { ofType, planOf } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";
const VPC = "digitalocean:index/vpc:Vpc";

/** Everything `r` waits for, directly or transitively. */
function waitsFor(plan: Plan, r: PlannedResource): Set<string> {
  const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const todo = [...r.dependencies];
  while (todo.length) {
    const urn = todo.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    todo.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

const release = (plan: Plan, name: string) => {
  const found = ofType(plan, RELEASE).find((r) => r.name === name);
  if (!found) throw new Error(`no release ${name}`);
  return found;
};

describe("production's cold up", () => {
  it("has a critical path within cluster creation + 6 min", async () => {
    const plan = await planOf("production");
    const limit =
      DURATIONS.filter((d) => d.match === VPC || d.match === CLUSTER).reduce((t, d) => t + d.seconds, 0) +
      6 * 60;
    const path = criticalPath(plan.resources);
    const chain = path.chain.map((s) => `${s.name} (${s.doneAt} s)`);
    expect({ withinTarget: path.totalSeconds <= limit, chain }).toEqual({ withinTarget: true, chain });
  }, 180_000);

  it("runs no Helm release after another release", async () => {
    const plan = await planOf("production");
    const releases = ofType(plan, RELEASE);
    const releaseUrns = new Set(releases.map((r) => r.urn));
    const serial = releases.flatMap((r) =>
      [...waitsFor(plan, r)]
        .filter((u) => releaseUrns.has(u))
        .map((u) => `${r.name} waits for ${u.split("::").pop()}`),
    );
    expect(serial).toEqual([]);
  }, 180_000);
});

describe.each(["staging", "production"])("%s: the Prometheus operator's CRDs ahead", (stack) => {
  it("installs ServiceMonitor, PodMonitor and PrometheusRule on their own, from the vendored chart, kept on delete", async () => {
    const plan = await planOf(stack);
    const crds = ofType(plan, CRD).filter((r) => /prometheus-crds/.test(r.name));
    const kinds = crds.map((r) => (r.inputs.spec as { names: { kind: string } }).names.kind).sort();
    expect(kinds).toEqual(["PodMonitor", "PrometheusRule", "ServiceMonitor"]);
    for (const r of crds) expect(r.options.retainOnDelete).toBe(true);
    // The very CRD the chart carries (a chart bump updates it).
    const fromChart = parse(
      chartArchiveFile(
        "kube-prometheus-stack",
        "kube-prometheus-stack/charts/crds/crds/crd-servicemonitors.yaml",
      ),
    ) as { spec: { versions: { name: string }[] } };
    const planned = crds.find((r) => r.name.endsWith("servicemonitors"))!;
    expect((planned.inputs.spec as { versions: { name: string }[] }).versions.map((v) => v.name)).toEqual(
      fromChart.spec.versions.map((v) => v.name),
    );
    expect(EARLY_PROMETHEUS_CRDS.length).toBe(3);
  }, 180_000);

  it("Fluent Bit waits for the ServiceMonitor CRD, not for kube-prometheus-stack or OpenSearch; Jaeger not for OpenSearch", async () => {
    const plan = await planOf(stack);
    const serviceMonitorCrd = ofType(plan, CRD).find((r) =>
      r.name.endsWith("prometheus-crds-servicemonitors"),
    )!;
    const fluentBit = waitsFor(plan, release(plan, "fluent-bit"));
    expect(fluentBit.has(serviceMonitorCrd.urn)).toBe(true);
    expect(fluentBit.has(release(plan, "kube-prometheus-stack").urn)).toBe(false);
    const opensearch = ofType(plan, RELEASE).find((r) => r.name === "opensearch");
    if (opensearch) {
      expect(fluentBit.has(opensearch.urn)).toBe(false);
      expect(waitsFor(plan, release(plan, "jaeger")).has(opensearch.urn)).toBe(false);
    }
    // Grafana's Jaeger datasource is a name, not a wait.
    expect(waitsFor(plan, release(plan, "kube-prometheus-stack")).has(release(plan, "jaeger").urn)).toBe(
      false,
    );
  }, 180_000);
});
