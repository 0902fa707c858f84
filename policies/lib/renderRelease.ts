/**
 * What a Helm Release installs, as Helm itself would template it: the vendored archive the Release
 * names, its exact values, release name and namespace, the cluster's Kubernetes version and the API
 * versions the platform installs. Shared by the offline plan and the pack under the Pulumi CLI, so
 * both check the same objects. Pulumi never runs `helm test`: test hooks are left out (--skip-tests);
 * every other hook (install/upgrade Jobs) is rendered and checked, because Pulumi runs those.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { projectRoot } from "./projectRoot";
import { typeTokenOf, workloadOf } from "./podSpec";

/** Where vendored chart archives live, relative to the project root (components/helm/catalog.ts). */
export const VENDOR_DIR = "charts/vendor";

/** The Pulumi type token of a Helm release. */
export const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** One Kubernetes object out of a render. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** Everything that decides a render's output. */
export interface RenderRequest {
  release: string;
  namespace: string;
  /** Path of the chart archive, relative to the project root. */
  archive: string;
  values: unknown;
  /** `major.minor.patch` of the cluster. */
  kubeVersion: string;
  /** Capabilities.APIVersions beyond Helm's built-in set: `group/version` and `group/version/Kind`. */
  apiVersions: string[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;

/**
 * The archive a Release installs, relative to the project root: its `chart` input when that is a
 * path to an archive, else the vendored `<chart>-<version>.tgz` of a chart named with a version.
 */
export function releaseArchive(inputs: Obj, where: string): string {
  const chart = inputs.chart;
  const version = inputs.version;
  if (typeof chart !== "string" || chart.length === 0) throw new Error(`${where}: Release has no chart`);
  // A Release names its archive relative to the program's working directory, the project's
  // `main` folder (stacks/); the project-relative path is what the renderer opens.
  if (chart.endsWith(".tgz"))
    return path.posix.normalize(path.posix.join("stacks", chart.split(path.sep).join("/")));
  if (typeof version !== "string" || version.length === 0) {
    throw new Error(
      `${where}: Release of chart ${chart} has no version, so no vendored archive can be named`,
    );
  }
  return `${VENDOR_DIR}/${chart}-${version}.tgz`;
}

/** Absolute path of a project-relative archive; an error naming it when it is not there. */
export function archivePath(archive: string, root = projectRoot()): string {
  const abs = path.resolve(root, archive);
  if (!fs.existsSync(abs))
    throw new Error(`chart archive ${archive} is not in the repository (looked at ${abs})`);
  return abs;
}

const digests = new Map<string, string>();

/** sha256 of a file, once per process. */
export function fileDigest(abs: string): string {
  let d = digests.get(abs);
  if (!d) {
    d = crypto.createHash("sha256").update(fs.readFileSync(abs)).digest("hex");
    digests.set(abs, d);
  }
  return d;
}

/** The cluster's Kubernetes version as Helm's --kube-version takes it ("1.34.3-do.1" → "1.34.3"). */
export function kubeVersionOf(doksVersion: string): string {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(doksVersion);
  if (!m) throw new Error(`"${doksVersion}" is not a Kubernetes version`);
  return `${m[1]}.${m[2]}.${m[3] ?? "0"}`;
}

/** The cache key of a render: archive digest, values, Kubernetes version, API versions, name, namespace. */
export function renderKey(request: RenderRequest, digest: string): string {
  return crypto
    .createHash("sha256")
    .update(
      JSON.stringify([
        digest,
        request.release,
        request.namespace,
        request.kubeVersion,
        [...request.apiVersions].sort(),
        request.values,
      ]),
    )
    .digest("hex");
}

/** `helm template` arguments for a request whose values are in `valuesFile`. */
export function templateArgs(request: RenderRequest, valuesFile: string, root = projectRoot()): string[] {
  const args = [
    "template",
    request.release,
    archivePath(request.archive, root),
    "--namespace",
    request.namespace,
    "--values",
    valuesFile,
    "--kube-version",
    request.kubeVersion,
    "--include-crds",
    "--skip-tests",
  ];
  if (request.apiVersions.length) args.push("--api-versions", [...request.apiVersions].sort().join(","));
  return args;
}

function isManifest(value: unknown): value is Manifest {
  const v = obj(value);
  return (
    typeof v?.apiVersion === "string" &&
    typeof v.kind === "string" &&
    typeof obj(v.metadata)?.name === "string"
  );
}

/** The objects of a multi-document YAML stream; empty documents skipped, anything else an error. */
export function parseManifests(source: string, text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${source} rendered invalid YAML: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (obj(value)?.kind === "List" && Array.isArray(obj(value)?.items)) {
      for (const item of (value as { items: unknown[] }).items) {
        if (!isManifest(item))
          throw new Error(`${source} rendered a List item that is not a Kubernetes object`);
        manifests.push(item);
      }
      continue;
    }
    if (!isManifest(value)) throw new Error(`${source} rendered something that is not a Kubernetes object`);
    manifests.push(value);
  }
  return manifests;
}

/** Runs `helm template` for a request: the values go through a private temporary file. */
export async function renderRelease(
  request: RenderRequest,
  runHelm: (args: string[]) => Promise<string>,
  root = projectRoot(),
): Promise<Manifest[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-release-"));
  try {
    const file = path.join(dir, "values.json");
    fs.writeFileSync(file, JSON.stringify(request.values ?? {}), { mode: 0o600 });
    const out = await runHelm(templateArgs(request, file, root));
    return parseManifests(`release ${request.namespace}/${request.release}`, out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Kinds that are never namespaced, among those charts ship (CRDs add their own by scope). */
const CLUSTER_SCOPED_KINDS = new Set([
  "APIService",
  "ClusterRole",
  "ClusterRoleBinding",
  "CSIDriver",
  "CustomResourceDefinition",
  "IngressClass",
  "MutatingWebhookConfiguration",
  "Namespace",
  "PersistentVolume",
  "PriorityClass",
  "RuntimeClass",
  "StorageClass",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "ValidatingWebhookConfiguration",
  "VolumeSnapshotClass",
]);

/** The `Kind`s that CRDs among these objects declare cluster-scoped. */
export function clusterScopedCrdKinds(manifests: Manifest[]): string[] {
  return manifests.flatMap((m) => {
    if (m.kind !== "CustomResourceDefinition") return [];
    const spec = obj(m.spec);
    const kind = obj(spec?.names)?.kind;
    return spec?.scope === "Cluster" && typeof kind === "string" ? [kind] : [];
  });
}

/**
 * The objects as Helm installs them: a namespaced object without a namespace lands in the release's
 * namespace (Helm's install does that; `helm template` leaves it out).
 */
export function placeInNamespace(
  manifests: Manifest[],
  namespace: string,
  clusterScoped: Iterable<string>,
): Manifest[] {
  const cluster = new Set([...CLUSTER_SCOPED_KINDS, ...clusterScoped]);
  return manifests.map((m) =>
    cluster.has(m.kind) || m.metadata.namespace ? m : { ...m, metadata: { ...m.metadata, namespace } },
  );
}

/**
 * The API versions a set of CRDs serves, as Helm's --api-versions takes them: `group/version` and
 * `group/version/Kind` for every served version.
 */
export function crdApiVersions(manifests: Manifest[]): string[] {
  const out = new Set<string>();
  for (const m of manifests) {
    if (m.kind !== "CustomResourceDefinition") continue;
    const spec = obj(m.spec);
    const group = spec?.group;
    const kind = obj(spec?.names)?.kind;
    if (typeof group !== "string" || typeof kind !== "string") continue;
    for (const v of Array.isArray(spec?.versions) ? spec.versions : []) {
      const version = obj(v);
      if (typeof version?.name !== "string" || version.served === false) continue;
      out.add(`${group}/${version.name}`);
      out.add(`${group}/${version.name}/${kind}`);
    }
  }
  return [...out].sort();
}

/**
 * Pods that leave automountServiceAccountToken unset get their ServiceAccount's setting, as the
 * API server's ServiceAccount admission does: a chart that turns the token off on the account
 * (and not the pod) runs pods without it. Only accounts in the same render count; a pod whose
 * account is not there keeps the field unset, and so is checked as mounting the token.
 */
export function inheritTokenMount(manifests: Manifest[]): Manifest[] {
  const noToken = new Set(
    manifests
      .filter((m) => m.kind === "ServiceAccount" && m.automountServiceAccountToken === false)
      .map((m) => `${m.metadata.namespace}/${m.metadata.name}`),
  );
  for (const m of manifests) {
    const workload = workloadOf(typeTokenOf(m.apiVersion, m.kind), m);
    if (!workload || workload.spec.automountServiceAccountToken !== undefined) continue;
    if (noToken.has(`${m.metadata.namespace}/${workload.spec.serviceAccountName ?? "default"}`)) {
      workload.spec.automountServiceAccountToken = false;
    }
  }
  return manifests;
}
