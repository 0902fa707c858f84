/**
 * Custom resources wait for whatever installs their CRD: a create sent before the CRD exists fails
 * with "no matches for kind". Which release installs which CRD is read from the vendored charts
 * and bundles themselves, so a chart upgrade that moves a CRD breaks this test, not a deploy. The
 * custom resources a Release's own templates render count too (a chart's ServiceMonitor): Helm's
 * install fails the same way when another artifact's CRD is not there yet.
 */
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { renderPlanReleases } from "../tools/engine/renderReleases";
import { planOf } from "./harness";
import { bundleProduct, chartNameOf, vendoredCrds, type CrdKey } from "./vendoredCrds";

/** API groups Kubernetes serves itself (no CRD involved). */
const BUILT_IN = /^(apps|batch|policy|autoscaling|[a-z.]*\.k8s\.io|core|v1)$/;
const BUILT_IN_EXCEPTIONS = new Set(["autoscaling.k8s.io"]); // the VPA's CRDs

function crdOf(type: string): CrdKey | undefined {
  const m = /^kubernetes:([^/:]+)\/[^:]+:([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  const [, group, kind] = m;
  if (BUILT_IN.test(group) && !BUILT_IN_EXCEPTIONS.has(group)) return undefined;
  if (group === "helm.sh" || group === "yaml") return undefined;
  return `${group}/${kind}`;
}

/** CRD → the URNs of the planned resources that install it. */
function installers(plan: Plan): Map<CrdKey, string[]> {
  const byArtifact = vendoredCrds();
  const out = new Map<CrdKey, string[]>();
  const add = (crds: CrdKey[] | undefined, urn: string) => {
    for (const crd of crds ?? []) out.set(crd, [...(out.get(crd) ?? []), urn]);
  };
  for (const r of plan.resources) {
    if (r.type === "kubernetes:helm.sh/v3:Release") {
      const chart = chartNameOf(r.inputs.chart);
      add(byArtifact.get(chart), r.urn);
      for (const [stem, crds] of byArtifact)
        if (bundleProduct(stem) === chart && stem !== chart) add(crds, r.urn);
    } else if (r.type.startsWith("kubernetes:yaml/")) {
      const files = JSON.stringify([r.inputs.file, r.inputs.files]);
      for (const [stem, crds] of byArtifact) if (files.includes(bundleProduct(stem))) add(crds, r.urn);
    } else if (r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition") {
      const spec = r.inputs.spec as { group: string; names: { kind: string } };
      add([`${spec.group}/${spec.names.kind}`], r.urn);
    }
  }
  return out;
}

/** Everything `r` waits for, directly or transitively (a component counts for its whole subtree). */
function waitsForIn(plan: Plan): (r: PlannedResource) => Set<string> {
  const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
  const children = new Map<string, string[]>();
  for (const x of plan.resources)
    if (x.parent) children.set(x.parent, [...(children.get(x.parent) ?? []), x.urn]);
  return (r) => {
    const seen = new Set<string>();
    const todo = [...r.dependencies];
    while (todo.length) {
      const urn = todo.pop()!;
      if (seen.has(urn)) continue;
      seen.add(urn);
      const x = byUrn.get(urn);
      todo.push(...(x?.dependencies ?? []), ...(x && !x.custom ? (children.get(urn) ?? []) : []));
    }
    return seen;
  };
}

describe.each(["staging", "production"])("%s: custom resources and their CRDs", (stack) => {
  it("reads the CRDs of the vendored charts and bundles", () => {
    const all = [...vendoredCrds().values()].flat();
    expect(all).toEqual(
      expect.arrayContaining([
        "traefik.io/IngressRoute",
        "monitoring.coreos.com/ServiceMonitor",
        "argoproj.io/Application",
      ]),
    );
  });

  it("every custom resource waits for the resource that installs its CRD", async () => {
    const plan = await planOf(stack);
    const owners = installers(plan);
    const waitsFor = waitsForIn(plan);
    const problems: string[] = [];
    const crs = plan.resources.filter((r) => r.custom && crdOf(r.type));
    expect(crs.length).toBeGreaterThan(10);
    for (const cr of crs) {
      const crd = crdOf(cr.type)!;
      const installedBy = owners.get(crd) ?? [];
      if (installedBy.length === 0) {
        problems.push(`${cr.name}: nothing in the plan installs the CRD of ${crd}`);
        continue;
      }
      const waits = waitsFor(cr);
      if (!installedBy.some((urn) => waits.has(urn)))
        problems.push(
          `${cr.name} (${crd}) does not wait for ${installedBy.map((u) => u.split("::").pop()).join(" or ")}`,
        );
    }
    expect(problems).toEqual([]);
  }, 180_000);

  it("every Release that renders a custom resource of a CRD it does not install waits for its installer", async () => {
    const plan = await planOf(stack);
    const owners = installers(plan);
    const waitsFor = waitsForIn(plan);
    const releases = plan.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    const byName = new Map(
      releases.map((r) => [typeof r.inputs.name === "string" ? r.inputs.name : r.name, r]),
    );
    const problems: string[] = [];
    let foreign = 0;
    for (const rendered of await renderPlanReleases(plan)) {
      const release = byName.get(rendered.release)!;
      const own = new Set(
        rendered.manifests
          .filter((m) => m.kind === "CustomResourceDefinition")
          .map((m) => {
            const spec = m.spec as { group: string; names: { kind: string } };
            return `${spec.group}/${spec.names.kind}`;
          }),
      );
      const kinds = new Set(
        rendered.manifests
          .map((m) => crdOf(`kubernetes:${String(m.apiVersion)}:${String(m.kind)}`))
          .filter((k): k is CrdKey => k !== undefined && !own.has(k)),
      );
      for (const crd of kinds) {
        foreign++;
        const installedBy = (owners.get(crd) ?? []).filter((u) => u !== release.urn);
        if (!installedBy.some((urn) => waitsFor(release).has(urn)))
          problems.push(`release ${rendered.release} renders ${crd} but waits for nothing that installs it`);
      }
    }
    // Fluent Bit's ServiceMonitor at least.
    expect(foreign).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 300_000);
});
