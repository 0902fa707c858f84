/**
 * What a Release the pack is given installs, rendered as the offline plan renders it
 * (./renderRelease.ts): its vendored archive, values, name and namespace, the cluster's Kubernetes
 * version (from the DOKS cluster the program registers before any Release, since Releases deploy
 * through its kubeconfig) and the API versions the platform installs. Those API versions are the
 * CRDs of every vendored artifact — the bundles, and every chart archive rendered with its
 * defaults — and those the Release renders itself, so each Release renders alone, with no need to
 * see the others first.
 *
 * The offline plan renders its Releases through the same functions (tools/engine/renderReleases.ts
 * passes its own helm, cache and parallelism), so both check the same objects. Renders are cached
 * in memory and in .cache/renders/.
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

/** Where renders are kept between runs, under keys that cover everything deciding them. */
export interface RenderStore {
  read<T>(key: string): T | undefined;
  write(key: string, value: unknown): void;
}

/**
 * A store of one JSON file per key in the directory `dir()` names (asked at each use, so a pack
 * with no repository fails only when it renders). Writes are atomic: a temporary file, then rename.
 */
export function renderStoreIn(dir: () => string): RenderStore {
  const file = (key: string) => path.join(dir(), `${key}.json`);
  return {
    read<T>(key: string): T | undefined {
      try {
        return JSON.parse(fs.readFileSync(file(key), "utf8")) as T;
      } catch {
        return undefined;
      }
    },
    write(key: string, value: unknown): void {
      const target = file(key);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      const partial = `${target}.${process.pid}.tmp`;
      fs.writeFileSync(partial, JSON.stringify(value));
      fs.renameSync(partial, target);
    },
  };
}

/** What renders run with: the repository, helm, the store and how many renders run at once. */
export interface RenderEnv {
  root: string;
  helm: (args: string[]) => Promise<string>;
  store: RenderStore;
  parallel: number;
}

/** The pack's own: its helm and the repository's .cache/renders/ (the plan's too), all at once. */
const PACK_ENV: RenderEnv = {
  // Found when first rendering, not when the pack loads: a pack with no repository fails there.
  get root() {
    return projectRoot();
  },
  helm: packHelm,
  store: renderStoreIn(() => path.join(projectRoot(), ".cache", "renders")),
  parallel: Infinity,
};

const renders = new Map<string, Promise<Manifest[]>>();

/** One render, from memory, the store or helm. */
function cachedRender(request: RenderRequest, env: RenderEnv): Promise<Manifest[]> {
  const key = renderKey(request, fileDigest(archivePath(request.archive, env.root)));
  let manifests = renders.get(key);
  if (!manifests) {
    const stored = env.store.read<Manifest[]>(key);
    manifests = stored
      ? Promise.resolve(stored)
      : renderRelease(request, env.helm, env.root).then((m) => (env.store.write(key, m), m));
    renders.set(key, manifests);
  }
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

interface Lock {
  charts: Record<string, { file: string }>;
  bundles?: Record<string, { file: string }>;
}

/** The vendored charts and bundles, and a cache key over their digests. */
function vendored(env: RenderEnv, purpose: string, kubeVersion: string) {
  const lock = JSON.parse(
    fs.readFileSync(path.join(env.root, VENDOR_DIR, "charts.lock.json"), "utf8"),
  ) as Lock;
  const charts = Object.entries(lock.charts).map(([name, { file }]) => ({
    name,
    archive: `${VENDOR_DIR}/${file}`,
  }));
  const bundles = Object.values(lock.bundles ?? {}).map(({ file }) => `${VENDOR_DIR}/${file}`);
  const key = crypto
    .createHash("sha256")
    .update(
      JSON.stringify([
        purpose,
        kubeVersion,
        [...charts.map((c) => c.archive), ...bundles].map((f) => fileDigest(archivePath(f, env.root))),
      ]),
    )
    .digest("hex");
  return { charts, bundles, key };
}

const crdSets = new Map<string, Promise<Manifest[]>>();

/**
 * The CRDs of every vendored artifact: the bundles, and every chart archive rendered with its
 * defaults. Kept under the digests of everything they come from: the bundles' YAML is slow to parse.
 */
export function vendoredCrds(kubeVersion: string, env: RenderEnv = PACK_ENV): Promise<Manifest[]> {
  const { charts, bundles, key } = vendored(env, "vendored-crds", kubeVersion);
  let crds = crdSets.get(key);
  if (!crds) {
    crds = (async () => {
      const stored = env.store.read<Manifest[]>(key);
      if (stored) return stored;
      const fromBundles = bundles.flatMap((f) =>
        parseManifests(f, zlib.gunzipSync(fs.readFileSync(path.join(env.root, f))).toString("utf8")),
      );
      const fromCharts = await inParallel(charts, env.parallel, ({ name, archive }) =>
        cachedRender(
          { release: name, namespace: name, archive, values: {}, kubeVersion, apiVersions: [] },
          env,
        ),
      );
      const found = [...fromBundles, ...fromCharts.flat()].filter(
        (m) => m.kind === "CustomResourceDefinition",
      );
      env.store.write(key, found);
      return found;
    })();
    crdSets.set(key, crds);
  }
  return crds;
}

interface PlatformApis {
  apiVersions: string[];
  clusterScoped: string[];
}

const platforms = new Map<string, Promise<PlatformApis>>();

/** The API versions and cluster-scoped kinds the CRDs of every vendored artifact add. */
export function platformApis(kubeVersion: string, env: RenderEnv = PACK_ENV): Promise<PlatformApis> {
  // Kept apart from the CRDs themselves: the pack needs only these, and they are small to read.
  const { key } = vendored(env, "platform-apis", kubeVersion);
  let apis = platforms.get(key);
  if (!apis) {
    apis = (async () => {
      const stored = env.store.read<PlatformApis>(key);
      if (stored) return stored;
      const crds = await vendoredCrds(kubeVersion, env);
      const found = { apiVersions: crdApiVersions(crds), clusterScoped: clusterScopedCrdKinds(crds) };
      env.store.write(key, found);
      return found;
    })();
    platforms.set(key, apis);
  }
  return apis;
}

/** A Release to render: everything of its request but what the cluster decides. */
export type ReleaseTarget = Omit<RenderRequest, "apiVersions" | "kubeVersion">;

/** The target of a Release resource from its inputs; `name` is the resource's. */
export function releaseTargetOf(inputs: Record<string, unknown>, name: string): ReleaseTarget {
  const release = typeof inputs.name === "string" ? inputs.name : name;
  const namespace = inputs.namespace;
  if (typeof namespace !== "string" || !namespace) throw new Error(`Release ${name} has no namespace`);
  return {
    release,
    namespace,
    archive: releaseArchive(inputs, `Release ${name}`),
    values: inputs.values ?? {},
  };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The objects of each target as Helm installs it. The API versions are those of every vendored
 * artifact's CRDs and of the CRDs the targets render themselves (which values may turn on): passes
 * repeat until that set is stable. Namespaced objects land in their release's namespace, and pods
 * inherit their ServiceAccount's token mount.
 */
export async function renderTargets(
  targets: ReleaseTarget[],
  kubeVersion: string,
  env: RenderEnv = PACK_ENV,
): Promise<Manifest[][]> {
  const platform = await platformApis(kubeVersion, env);
  let apiVersions = platform.apiVersions;
  for (let pass = 0; pass < 4; pass++) {
    const rendered = await inParallel(targets, env.parallel, (t) =>
      cachedRender({ ...t, kubeVersion, apiVersions }, env),
    );
    const all = rendered.flat();
    const next = [...new Set([...platform.apiVersions, ...crdApiVersions(all)])].sort();
    if (sameSet(next, apiVersions)) {
      const clusterScoped = [...platform.clusterScoped, ...clusterScopedCrdKinds(all)];
      return targets.map((t, i) =>
        inheritTokenMount(placeInNamespace(structuredClone(rendered[i]), t.namespace, clusterScoped)),
      );
    }
    apiVersions = next;
  }
  throw new Error(
    "the CRDs the releases render do not settle: each pass with their API versions renders different CRDs",
  );
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
  const known = (key: string) => {
    const r = input(key);
    return "value" in r ? r.value : undefined;
  };
  const target = releaseTargetOf(
    { name: known("name"), namespace: known("namespace"), chart: known("chart"), version: known("version") },
    name,
  );
  const kubeVersion = kubeVersionOf(clusterVersion);
  const values = input("values");
  if ("unknown" in values)
    return { release: releaseName, undecidable: "its values are unknown during preview" };
  const a = withPlaceholders(values.value ?? {}, "a");
  const render = async (v: unknown) => (await renderTargets([{ ...target, values: v }], kubeVersion))[0];
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
