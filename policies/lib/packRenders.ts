/**
 * What a Release the pack is given installs, rendered as the offline plan renders it
 * (./renderRelease.ts): its vendored archive, values, name and namespace, the cluster's Kubernetes
 * version (from the DOKS cluster the program registers before any Release, since Releases deploy
 * through its kubeconfig) and the API versions the platform installs. Those API versions are the
 * CRDs of every vendored artifact — the bundles, and every chart archive rendered with its
 * defaults — so each Release renders alone, with no need to see the others first.
 *
 * Renders are cached in memory and in .cache/renders/ under the same keys as the plan's.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { packHelm } from "./helm";
import { withPlaceholders, readInput, type UnknownValue } from "./previewValues";
import { projectRoot } from "./projectRoot";
import {
  archivePath,
  clusterScopedCrdKinds,
  crdApiVersions,
  fileDigest,
  inheritTokenMount,
  kubeVersionOf,
  parseManifests,
  placeInNamespace,
  releaseArchive,
  renderKey,
  renderRelease,
  VENDOR_DIR,
  type Manifest,
  type RenderRequest,
} from "./renderRelease";

/** The Pulumi type token of the DOKS cluster, whose `version` input is the cluster's version. */
export const CLUSTER_TYPE = "digitalocean:index/kubernetesCluster:KubernetesCluster";

let clusterVersion: string | undefined;

/** Remembers the cluster's Kubernetes version when the pack is given the DOKS cluster. */
export function noteCluster(type: string, props: object): void {
  if (type !== CLUSTER_TYPE) return;
  const version = readInput(props, "version");
  clusterVersion = "value" in version && typeof version.value === "string" ? version.value : undefined;
}

const cacheFile = (key: string) => path.join(projectRoot(), ".cache", "renders", `${key}.json`);

function readCache<T>(key: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(cacheFile(key), "utf8")) as T;
  } catch {
    return undefined;
  }
}

function writeCache(key: string, value: unknown): void {
  const file = cacheFile(key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, JSON.stringify(value));
  fs.renameSync(partial, file);
}

const renders = new Map<string, Promise<Manifest[]>>();

/** One render, from memory, disk or helm. */
function cachedRender(request: RenderRequest): Promise<Manifest[]> {
  const key = renderKey(request, fileDigest(archivePath(request.archive)));
  let manifests = renders.get(key);
  if (!manifests) {
    const stored = readCache<Manifest[]>(key);
    manifests = stored
      ? Promise.resolve(stored)
      : renderRelease(request, packHelm).then((m) => (writeCache(key, m), m));
    renders.set(key, manifests);
  }
  return manifests;
}

interface Lock {
  charts: Record<string, { file: string }>;
  bundles?: Record<string, { file: string }>;
}

interface PlatformApis {
  apiVersions: string[];
  clusterScoped: string[];
}

const platforms = new Map<string, Promise<PlatformApis>>();

/** The API versions and cluster-scoped kinds the CRDs of every vendored artifact add. */
export function platformApis(kubeVersion: string): Promise<PlatformApis> {
  const root = projectRoot();
  const lock = JSON.parse(fs.readFileSync(path.join(root, VENDOR_DIR, "charts.lock.json"), "utf8")) as Lock;
  const charts = Object.entries(lock.charts).map(([name, { file }]) => ({
    name,
    archive: `${VENDOR_DIR}/${file}`,
  }));
  const bundles = Object.values(lock.bundles ?? {}).map(({ file }) => `${VENDOR_DIR}/${file}`);
  const key = crypto
    .createHash("sha256")
    .update(
      JSON.stringify([
        "platform-apis",
        kubeVersion,
        [...charts.map((c) => c.archive), ...bundles].map((f) => fileDigest(path.join(root, f))),
      ]),
    )
    .digest("hex");
  let apis = platforms.get(key);
  if (!apis) {
    apis = (async () => {
      const stored = readCache<PlatformApis>(key);
      if (stored) return stored;
      const fromBundles = bundles.flatMap((f) =>
        parseManifests(f, zlib.gunzipSync(fs.readFileSync(path.join(root, f))).toString("utf8")),
      );
      const fromCharts = await Promise.all(
        charts.map(({ name, archive }) =>
          cachedRender({ release: name, namespace: name, archive, values: {}, kubeVersion, apiVersions: [] }),
        ),
      );
      const crds = [...fromBundles, ...fromCharts.flat()].filter(
        (m) => m.kind === "CustomResourceDefinition",
      );
      const found = { apiVersions: crdApiVersions(crds), clusterScoped: clusterScopedCrdKinds(crds) };
      writeCache(key, found);
      return found;
    })();
    platforms.set(key, apis);
  }
  return apis;
}

/** One rendered object, and whether it is the same whatever the unknown values turn out to be. */
export interface PackObject {
  manifest: Manifest;
  decidable: boolean;
}

export type PackRender =
  | { release: string; objects: PackObject[]; unknowns: UnknownValue[] }
  | { release: string; undecidable: string };

const identity = (m: Manifest) =>
  `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ""}/${m.metadata.name}`;

/**
 * The objects of a Release as Helm installs them. With unknown values, the Release renders with
 * placeholders "a" and "b": an object that comes out the same both ways is decidable; whole
 * unknown lists or maps leave nothing decidable (both placeholders are empty).
 */
export async function renderForPack(props: object, name: string): Promise<PackRender> {
  const input = (key: string) => readInput(props, key);
  const release = input("name");
  const namespace = input("namespace");
  const releaseName = "value" in release && typeof release.value === "string" ? release.value : name;
  for (const [key, r] of [
    ["name", release],
    ["namespace", namespace],
    ["chart", input("chart")],
    ["version", input("version")],
  ] as const) {
    if ("unknown" in r) return { release: releaseName, undecidable: `its ${key} is unknown during preview` };
  }
  if (!clusterVersion) {
    return { release: releaseName, undecidable: "the cluster's Kubernetes version is not known yet" };
  }
  const ns = "value" in namespace && typeof namespace.value === "string" ? namespace.value : "";
  if (!ns) throw new Error(`Release ${releaseName} has no namespace`);
  const kubeVersion = kubeVersionOf(clusterVersion);
  const known = (key: string) => {
    const r = input(key);
    return "value" in r ? r.value : undefined;
  };
  const archive = releaseArchive(
    { chart: known("chart"), version: known("version") },
    `Release ${releaseName}`,
  );
  const values = input("values");
  if ("unknown" in values)
    return { release: releaseName, undecidable: "its values are unknown during preview" };
  const a = withPlaceholders(values.value ?? {}, "a");
  const apis = await platformApis(kubeVersion);
  const render = async (v: unknown) =>
    inheritTokenMount(
      placeInNamespace(
        structuredClone(
          await cachedRender({
            release: releaseName,
            namespace: ns,
            archive,
            values: v,
            kubeVersion,
            apiVersions: apis.apiVersions,
          }),
        ),
        ns,
        apis.clusterScoped,
      ),
    );
  const first = await render(a.value);
  if (a.unknowns.length === 0) {
    return {
      release: releaseName,
      objects: first.map((manifest) => ({ manifest, decidable: true })),
      unknowns: [],
    };
  }
  const whole = a.unknowns.some((u) => u.kind === "Array" || u.kind === "Object");
  const second = new Map(
    (await render(withPlaceholders(values.value ?? {}, "b").value)).map((m) => [
      identity(m),
      JSON.stringify(m),
    ]),
  );
  return {
    release: releaseName,
    unknowns: a.unknowns,
    objects: first.map((manifest) => ({
      manifest,
      decidable: !whole && second.get(identity(manifest)) === JSON.stringify(manifest),
    })),
  };
}
