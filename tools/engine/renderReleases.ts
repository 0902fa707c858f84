/**
 * Renders every Helm Release of a plan the way Helm will install it (policies/lib/renderRelease.ts):
 * from its vendored archive, with its exact values, name and namespace, the cluster's Kubernetes
 * version and the API versions the platform installs. The pack's Kubernetes rules then see every
 * object an add-on runs, not only the Release resource.
 *
 * The API versions come from the CRDs the platform installs: the vendored bundles, plus every CRD the
 * releases themselves render. A first pass renders with the bundles' API versions to learn the
 * releases' CRDs; the next renders with all of them; passes repeat until the CRD set is stable.
 *
 * Renders run side by side and are cached in memory and in .cache/renders/, keyed by archive digest,
 * values, Kubernetes version, API versions, release name and namespace: a warm plan runs no helm.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
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
  RELEASE_TYPE,
  renderKey,
  renderRelease,
  VENDOR_DIR,
  type Manifest,
  type RenderRequest,
} from "../../policies/lib/renderRelease";
import { helmAsync } from "../helm";
import type { Plan } from "./plan";
import type { RenderedObject } from "./policyRun";
import { PROJECT_ROOT } from "./engine";
import { readRenderCache, writeRenderCache } from "./renderCache";

export { RELEASE_TYPE };

/** The Pulumi type token of the DOKS cluster, whose version input is the cluster's Kubernetes version. */
export const CLUSTER_TYPE = "digitalocean:index/kubernetesCluster:KubernetesCluster";

const LOCK_FILE = path.join(PROJECT_ROOT, VENDOR_DIR, "charts.lock.json");

/** What one Release installs. */
export interface RenderedRelease {
  release: string;
  namespace: string;
  /** The vendored archive, relative to the project root. */
  archive: string;
  manifests: Manifest[];
}

const memory = new Map<string, Manifest[]>();

/** One render, from memory, disk, or helm (in that order). */
async function cachedRender(request: RenderRequest): Promise<Manifest[]> {
  const key = renderKey(request, fileDigest(archivePath(request.archive, PROJECT_ROOT)));
  let manifests = memory.get(key) ?? readRenderCache<Manifest[]>(key);
  if (!manifests) {
    manifests = await renderRelease(request, helmAsync, PROJECT_ROOT);
    writeRenderCache(key, manifests);
  }
  memory.set(key, manifests);
  return manifests;
}

/** Runs `fn` over the items with at most `limit` at a time, keeping order. */
async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const PARALLEL = Math.max(2, os.availableParallelism?.() ?? os.cpus().length);

/** The vendored bundles (installed from files, not charts), as recorded in charts.lock.json. */
function bundleFiles(): string[] {
  const lock = JSON.parse(fs.readFileSync(LOCK_FILE, "utf8")) as {
    bundles?: Record<string, { file: string }>;
  };
  return Object.values(lock.bundles ?? {}).map(({ file }) => path.join(PROJECT_ROOT, VENDOR_DIR, file));
}

/** Every object of the vendored bundles. */
export function bundleManifests(): Manifest[] {
  return bundleFiles().flatMap((abs) => {
    const text = zlib.gunzipSync(fs.readFileSync(abs)).toString("utf8");
    return parseManifests(path.relative(PROJECT_ROOT, abs), text);
  });
}

interface BundleApis {
  apiVersions: string[];
  clusterScoped: string[];
}

/** What the bundles' CRDs add to the API: parsed once per bundle digest (the YAML is large). */
function bundleApis(): BundleApis {
  const key = crypto
    .createHash("sha256")
    .update(`bundle-apis\0${bundleFiles().map(fileDigest).join("\0")}`)
    .digest("hex");
  let apis = readRenderCache<BundleApis>(key);
  if (!apis) {
    const manifests = bundleManifests();
    apis = { apiVersions: crdApiVersions(manifests), clusterScoped: clusterScopedCrdKinds(manifests) };
    writeRenderCache(key, apis);
  }
  return apis;
}

/** The cluster's Kubernetes version as the plan resolved it. */
export function planKubeVersion(plan: Plan): string {
  const clusters = plan.resources.filter((r) => r.type === CLUSTER_TYPE);
  const version = clusters[0]?.inputs.version;
  if (clusters.length !== 1 || typeof version !== "string") {
    throw new Error(`the plan has ${clusters.length} DOKS clusters; expected one with a version`);
  }
  return kubeVersionOf(version);
}

type ReleaseTarget = Omit<RenderRequest, "apiVersions" | "kubeVersion">;

/** Release name, namespace, archive and values of every Release in the plan. */
export function planReleaseTargets(plan: Plan): ReleaseTarget[] {
  return plan.resources
    .filter((r) => r.type === RELEASE_TYPE)
    .map((r) => {
      const inputs = r.inputs;
      const release = typeof inputs.name === "string" ? inputs.name : r.name;
      const namespace = inputs.namespace;
      if (typeof namespace !== "string" || !namespace) throw new Error(`Release ${r.name} has no namespace`);
      return {
        release,
        namespace,
        archive: releaseArchive(inputs, `Release ${r.name}`),
        values: inputs.values ?? {},
      };
    });
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Every Release of the plan, rendered as Helm installs it, with the final API-version set. The
 * renders' namespaced objects are placed in their release's namespace.
 */
export async function renderPlanReleases(plan: Plan): Promise<RenderedRelease[]> {
  const targets = planReleaseTargets(plan);
  const kubeVersion = planKubeVersion(plan);
  const bundles = bundleApis();
  let apiVersions = bundles.apiVersions;
  for (let pass = 0; pass < 4; pass++) {
    const rendered = await inParallel(targets, PARALLEL, (t) =>
      cachedRender({ ...t, kubeVersion, apiVersions }),
    );
    const all = rendered.flat();
    const next = [...new Set([...bundles.apiVersions, ...crdApiVersions(all)])].sort();
    if (sameSet(next, apiVersions)) {
      const clusterScoped = [...bundles.clusterScoped, ...clusterScopedCrdKinds(all)];
      return targets.map((t, i) => ({
        release: t.release,
        namespace: t.namespace,
        archive: t.archive,
        manifests: inheritTokenMount(
          placeInNamespace(structuredClone(rendered[i]), t.namespace, clusterScoped),
        ),
      }));
    }
    apiVersions = next;
  }
  throw new Error(
    "the CRDs the releases render do not settle: each pass with their API versions renders different CRDs",
  );
}

/**
 * The CRDs of every vendored artifact: the bundles, and every chart archive rendered with its
 * defaults, as the pack renders them for its API versions (policies/lib/packRenders.ts, same
 * requests, so the same cache entries).
 */
export async function vendoredCrds(kubeVersion: string): Promise<Manifest[]> {
  const lock = JSON.parse(fs.readFileSync(LOCK_FILE, "utf8")) as { charts: Record<string, { file: string }> };
  const archives = Object.entries(lock.charts).map(([name, { file }]) => ({
    name,
    archive: `${VENDOR_DIR}/${file}`,
  }));
  // The bundles' YAML is slow to parse: the CRDs are kept under the digests of everything they come from.
  const key = crypto
    .createHash("sha256")
    .update(
      JSON.stringify([
        "vendored-crds",
        kubeVersion,
        [...archives.map((a) => archivePath(a.archive, PROJECT_ROOT)), ...bundleFiles()].map(fileDigest),
      ]),
    )
    .digest("hex");
  const stored = memory.get(key) ?? readRenderCache<Manifest[]>(key);
  if (stored) return (memory.set(key, stored), stored);
  const charts = await inParallel(archives, PARALLEL, ({ name, archive }) =>
    cachedRender({ release: name, namespace: name, archive, values: {}, kubeVersion, apiVersions: [] }),
  );
  const crds = [...bundleManifests(), ...charts.flat()].filter((m) => m.kind === "CustomResourceDefinition");
  writeRenderCache(key, crds);
  memory.set(key, crds);
  return crds;
}

/** The rendered releases as the policy run takes them (policyRun.checkRendered). */
export function releaseObjects(stack: string, releases: RenderedRelease[]): RenderedObject[] {
  return releases.flatMap(({ release, manifests }) =>
    manifests.map((manifest) => ({ stack, release, origin: "Release" as const, manifest })),
  );
}
