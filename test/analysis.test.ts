import { criticalPath, assumptionFor } from "../tools/analysis/criticalPath";
import { componentGraph, toDot, toMermaid, type GraphResource } from "../tools/analysis/graph";
import { diffPlans, renderDiffMarkdown } from "../tools/analysis/planDiff";
import { SECRET_MASK, type JsonResource, type PlanJson } from "../tools/engine/plan";

const STACK = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";
// The engine's URNs: top-level resources carry no stack prefix; children carry the parent's type chain.
const urn = (type: string, name: string, parentType?: string) =>
  `urn:pulumi:s::p::${parentType ? `${parentType}$` : ""}${type}::${name}`;

function res(
  type: string,
  name: string,
  deps: string[] = [],
  extra: Partial<GraphResource> = {},
): GraphResource {
  return {
    urn: urn(type, name),
    type,
    name,
    parent: STACK,
    dependencies: deps,
    options: { dependsOn: [] },
    ...extra,
  };
}

describe("critical path", () => {
  // vpc (5 s) → cluster (420 s) → pool (240 s); cluster → release (180 s) which also dependsOn the pool.
  const vpc = res("digitalocean:index/vpc:Vpc", "vpc");
  const cluster = res("digitalocean:index/kubernetesCluster:KubernetesCluster", "cluster", [vpc.urn]);
  const pool = res("digitalocean:index/kubernetesNodePool:KubernetesNodePool", "pool", [cluster.urn]);
  const release = res("kubernetes:helm.sh/v3:Release", "release", [cluster.urn, pool.urn], {
    options: { dependsOn: [pool.urn] },
  });
  const configMap = res("kubernetes:core/v1:ConfigMap", "cm", [cluster.urn]);
  const stack: GraphResource = {
    urn: STACK,
    type: "pulumi:pulumi:Stack",
    name: "p-s",
    dependencies: [],
    options: { dependsOn: [] },
  };

  it("finds the longest chain with the documented durations", () => {
    const path = criticalPath([stack, vpc, cluster, pool, release, configMap]);
    expect(path.chain.map((s) => s.name)).toEqual(["vpc", "cluster", "pool", "release"]);
    expect(path.totalSeconds).toBe(5 + 420 + 240 + 180);
    expect(path.chain.map((s) => s.doneAt)).toEqual([5, 425, 665, 845]);
  });

  it("flags an explicit dependsOn on the chain and what removing it saves", () => {
    // Without it the release runs beside the pool: done at 665 s instead of 845 s.
    const path = criticalPath([stack, vpc, cluster, pool, release, configMap]);
    expect(path.explicitWaits).toEqual([{ resource: release.urn, waitsFor: pool.urn, savesSeconds: 180 }]);
  });

  it("counts the provider as a wait and rejects cycles", () => {
    const provider = res("pulumi:providers:kubernetes", "k8s", [cluster.urn]);
    const ns = res("kubernetes:core/v1:Namespace", "ns", [], { provider: provider.urn });
    expect(criticalPath([vpc, cluster, provider, ns]).chain.map((s) => s.name)).toEqual([
      "vpc",
      "cluster",
      "k8s",
      "ns",
    ]);
    const a = res("kubernetes:core/v1:ConfigMap", "a", [urn("kubernetes:core/v1:ConfigMap", "b")]);
    const b = res("kubernetes:core/v1:ConfigMap", "b", [a.urn]);
    expect(() => criticalPath([a, b])).toThrow(/cycle/);
  });

  it("a release whose pods are pinned to a node pool is not ready before the pool's nodes and its pods are", () => {
    const dataPool = res("digitalocean:index/kubernetesNodePool:KubernetesNodePool", "data", [cluster.urn], {
      inputs: { labels: { "prism.io/workload": "data" } },
    });
    const placed = res("kubernetes:helm.sh/v3:Release", "nats", [cluster.urn], {
      inputs: { values: { podTemplate: { nodeSelector: { "prism.io/workload": "data" } } } },
    });
    const elsewhere = res("kubernetes:helm.sh/v3:Release", "other", [cluster.urn], {
      inputs: { values: { nodeSelector: { "prism.io/workload": "services" } } },
    });
    const path = criticalPath([stack, vpc, cluster, dataPool, placed, elsewhere]);
    // No edge joins the release to the pool, yet it is done only 120 s after the pool (665 s).
    expect(path.chain.map((s) => s.name)).toEqual(["vpc", "cluster", "data", "nats"]);
    expect(path.totalSeconds).toBe(5 + 420 + 240 + 120);
    expect(path.chain.map((s) => s.seconds)).toEqual([5, 420, 240, 120]);
    expect(path.explicitWaits).toEqual([]);
  });

  it("documents an assumption for every duration", () => {
    expect(assumptionFor("kubernetes:apps/v1:Deployment")).toMatchObject({ seconds: 60 });
    expect(assumptionFor("something:new:Type")).toMatchObject({
      seconds: 5,
      basis: expect.stringContaining("unlisted"),
    });
  });
});

describe("component graph", () => {
  it("folds resources into top-level components and exports Mermaid and DOT", () => {
    const cUrn = urn("prism:cluster:DoksCluster", "prism");
    const nUrn = urn("prism:cluster:PlatformNamespaces", "platform");
    const comp = (type: string, name: string): GraphResource => ({
      ...res(type, name),
      urn: urn(type, name),
    });
    const cluster: GraphResource = {
      ...res("digitalocean:index/kubernetesCluster:KubernetesCluster", "c"),
      urn: urn("digitalocean:index/kubernetesCluster:KubernetesCluster", "c", "prism:cluster:DoksCluster"),
      parent: cUrn,
    };
    const ns: GraphResource = {
      ...res("kubernetes:core/v1:Namespace", "edge", [cluster.urn]),
      urn: urn("kubernetes:core/v1:Namespace", "edge", "prism:cluster:PlatformNamespaces"),
      parent: nUrn,
    };
    const graph = componentGraph([
      comp("prism:cluster:DoksCluster", "prism"),
      comp("prism:cluster:PlatformNamespaces", "platform"),
      cluster,
      ns,
    ]);
    expect(graph.nodes.map((n) => n.label)).toEqual(["prism", "platform"]);
    expect(graph.edges).toEqual([["DoksCluster_prism", "PlatformNamespaces_platform"]]);
    expect(toMermaid(graph)).toContain("DoksCluster_prism --> PlatformNamespaces_platform");
    expect(toDot(graph)).toContain("DoksCluster_prism -> PlatformNamespaces_platform;");
  });
});

describe("plan diff", () => {
  const options = {
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    replaceOnChanges: [],
    additionalSecretOutputs: [],
    dependsOn: [],
  };
  const r = (
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    extra: Partial<JsonResource> = {},
  ): JsonResource => ({
    urn: urn(type, name),
    type,
    name,
    custom: true,
    inputs,
    secretPaths: [],
    dependencies: [],
    options,
    ...extra,
  });
  const plan = (resources: JsonResource[], extra: Partial<PlanJson> = {}): PlanJson => ({
    project: "p",
    stack: "s",
    resources,
    outputs: {},
    ...extra,
  });
  const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";

  const base = plan(
    [
      r(CLUSTER, "c", { region: "fra1", ha: false, version: "1.34.1-do.0" }),
      r("kubernetes:core/v1:ConfigMap", "gone", { metadata: { name: "gone", namespace: "a" } }),
      r("pulumi:providers:kubernetes", "k8s", { kubeconfig: SECRET_MASK }),
      r("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "apps" } }),
    ],
    {
      policy: {
        violations: [{ policy: "old-rule", enforcementLevel: "mandatory", message: "fixed now", urn: "u1" }],
      },
      cost: { monthlyUsd: 100 },
    },
  );
  const head = plan(
    [
      r(CLUSTER, "c", { region: "fra1", ha: true, version: "1.34.2-do.0" }),
      r("kubernetes:core/v1:ConfigMap", "new", { metadata: { name: "new", namespace: "a" } }),
      r("pulumi:providers:kubernetes", "k8s", { kubeconfig: SECRET_MASK }),
      r("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "applications" } }),
    ],
    {
      policy: {
        violations: [{ policy: "new-rule", enforcementLevel: "mandatory", message: "broken", urn: "u2" }],
      },
      cost: { monthlyUsd: 140 },
    },
  );

  it("classifies adds, updates, replacements and deletes with property-level changes", () => {
    const diff = diffPlans(base, head);
    const byName = Object.fromEntries(diff.resources.map((c) => [c.name, c]));
    expect(byName.new.kind).toBe("add");
    expect(byName.gone.kind).toBe("delete");
    expect(byName.c.kind).toBe("update");
    expect(byName.c.changes.map((c) => [c.path, c.before, c.after])).toEqual([
      ["ha", false, true],
      ["version", "1.34.1-do.0", "1.34.2-do.0"],
    ]);
    expect(byName.ns).toMatchObject({
      kind: "replace",
      changes: [{ path: "metadata.name", replaces: true }],
    });
    expect(byName.k8s).toBeUndefined();
  });

  it("pairs the same resource across two stacks", () => {
    const staging = plan([r(CLUSTER, "c", { ha: false })]);
    const production: PlanJson = {
      ...plan([
        {
          ...r(CLUSTER, "c", { ha: true }),
          urn: urn(CLUSTER, "c").replace("urn:pulumi:s::", "urn:pulumi:production::"),
        },
      ]),
      stack: "production",
    };
    const diff = diffPlans(staging, production);
    expect(diff.resources.map((c) => [c.kind, c.name, c.changes.map((x) => x.path)])).toEqual([
      ["update", "c", ["ha"]],
    ]);
  });

  it("renders the comment: summary, table, policy and cost, with secrets masked", () => {
    const secretBase = plan([
      r("pulumi:providers:kubernetes", "k8s", { kubeconfig: SECRET_MASK, namespace: "a" }),
    ]);
    const secretHead = plan([
      r("pulumi:providers:kubernetes", "k8s", { kubeconfig: SECRET_MASK, namespace: "b" }),
    ]);
    expect(diffPlans(secretBase, secretHead).resources[0].changes.map((c) => c.path)).toEqual(["namespace"]);

    const md = renderDiffMarkdown(diffPlans(base, head));
    expect(md).toContain("**1 to add, 2 to change (1 replacement ⚠️), 1 to delete**");
    expect(md).toContain("policy: 1 new violation(s) (1 mandatory ❌), 1 fixed");
    expect(md).toContain("cost: $100.00 → $140.00 /month (+$40.00)");
    expect(md).toContain(
      '| +- ⛔ | `ns` | `kubernetes:core/v1:Namespace` | ⚠️ `metadata.name`: `"apps"` → `"applications"` |',
    );
    expect(md).toContain("- ❌ new [mandatory] `new-rule`: broken");
    expect(md).toContain("- ✅ fixed `old-rule`: fixed now");
    const withSecret = renderDiffMarkdown(
      diffPlans(
        plan([r("x:y:Z", "s", { password: "a" })]),
        plan([r("x:y:Z", "s", { password: SECRET_MASK })]),
      ),
    );
    expect(withSecret).toContain("[secret]");
    expect(withSecret).not.toMatch(/`"a"` → `"\[secret\]"`/);
  });
});
