/** The pure parts of rendering a Release (policies/lib/renderRelease.ts), shared with the pack. */
import { VENDOR_DIR as CATALOG_VENDOR_DIR, vendoredChartArchive } from "../components/helm/catalog";
import { releaseChartPath } from "../components/helm/helmRelease";
import {
  crdApiVersions,
  inheritTokenMount,
  kubeVersionOf,
  placeInNamespace,
  releaseArchive,
  renderKey,
  VENDOR_DIR,
  type Manifest,
} from "../policies/lib/renderRelease";

const crd = (
  group: string,
  kind: string,
  versions: { name: string; served: boolean }[],
  scope = "Namespaced",
) =>
  ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.toLowerCase()}s.${group}` },
    spec: { group, scope, names: { kind }, versions },
  }) as Manifest;

describe("rendering a Release", () => {
  it("names the vendored archive the catalog names, or the archive path the Release gives", () => {
    expect(VENDOR_DIR).toBe(CATALOG_VENDOR_DIR);
    expect(releaseArchive({ chart: "traefik", version: "41.3.0" }, "r")).toBe(
      vendoredChartArchive("traefik"),
    );
    // A Release's chart input is relative to the program's working directory, stacks/.
    expect(releaseArchive({ chart: releaseChartPath("nats") }, "r")).toBe(vendoredChartArchive("nats"));
    expect(releaseArchive({ chart: "../charts/vendor/nats-2.14.2.tgz" }, "r")).toBe(
      "charts/vendor/nats-2.14.2.tgz",
    );
    expect(() => releaseArchive({ chart: "traefik" }, "Release traefik")).toThrow(
      /Release traefik.*no version/,
    );
    expect(() => releaseArchive({}, "Release x")).toThrow(/Release x: Release has no chart/);
  });

  it("takes the cluster's version as Helm does", () => {
    expect(kubeVersionOf("1.34.3-do.1")).toBe("1.34.3");
    expect(kubeVersionOf("v1.33")).toBe("1.33.0");
    expect(() => kubeVersionOf("latest")).toThrow(/"latest" is not a Kubernetes version/);
  });

  it("keys the cache on everything that changes the output", () => {
    const base = {
      release: "r",
      namespace: "n",
      archive: "a.tgz",
      values: { a: 1 },
      kubeVersion: "1.34.3",
      apiVersions: ["x/v1"],
    };
    const key = renderKey(base, "digest");
    expect(renderKey({ ...base, apiVersions: ["x/v1"] }, "digest")).toBe(key);
    for (const changed of [
      renderKey(base, "other-digest"),
      renderKey({ ...base, values: { a: 2 } }, "digest"),
      renderKey({ ...base, kubeVersion: "1.35.0" }, "digest"),
      renderKey({ ...base, apiVersions: ["x/v1", "y/v1"] }, "digest"),
      renderKey({ ...base, namespace: "m" }, "digest"),
      renderKey({ ...base, release: "s" }, "digest"),
    ]) {
      expect(changed).not.toBe(key);
    }
  });

  it("lists the API versions CRDs serve, not those they stop serving", () => {
    const crds = [
      crd("example.io", "Widget", [
        { name: "v1", served: true },
        { name: "v1beta1", served: false },
      ]),
    ];
    expect(crdApiVersions(crds)).toEqual(["example.io/v1", "example.io/v1/Widget"]);
  });

  it("places namespaced objects in the release's namespace, never cluster-scoped ones", () => {
    const objects: Manifest[] = [
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "d", namespace: "kube-system" } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } },
      { apiVersion: "example.io/v1", kind: "Gadget", metadata: { name: "g" } },
    ];
    const placed = placeInNamespace(objects, "edge", ["Gadget"]);
    expect(placed.map((m) => m.metadata.namespace)).toEqual(["edge", "kube-system", undefined, undefined]);
  });

  it("gives a pod its ServiceAccount's token setting only when the pod leaves it unset", () => {
    const pod = (name: string, spec: Record<string, unknown>): Manifest => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name, namespace: "n" },
      spec: { template: { spec: { containers: [], ...spec } } },
    });
    const objects = inheritTokenMount([
      {
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "quiet", namespace: "n" },
        automountServiceAccountToken: false,
      },
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "loud", namespace: "n" } },
      pod("inherits", { serviceAccountName: "quiet" }),
      pod("keeps", { serviceAccountName: "quiet", automountServiceAccountToken: true }),
      pod("other", { serviceAccountName: "loud" }),
      pod("absent", { serviceAccountName: "elsewhere" }),
    ]);
    const token = (m: Manifest) =>
      (m.spec as { template: { spec: { automountServiceAccountToken?: boolean } } }).template.spec
        .automountServiceAccountToken;
    expect(objects.slice(2).map(token)).toEqual([false, true, undefined, undefined]);
  });
});
