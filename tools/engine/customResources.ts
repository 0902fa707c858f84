/**
 * Every custom resource the platform creates, checked against the CRD that will serve it
 * (./crdSchemas.ts): the ones the program builds itself (`kubernetes:<group>/<version>:<Kind>`
 * resources, and the objects of yaml ConfigGroups), and the ones the Helm Releases and the service
 * chart render. The CRDs are those the plan installs (CRD resources, ConfigGroups, rendered
 * Releases) over those of every vendored artifact. A kind no CRD serves is reported, not skipped,
 * unless NOT_VENDORED says why its CRD is not in charts/vendor.
 */
import { parseAllDocuments } from "yaml";
import { isUnknownValue } from "../../policies/lib/unknowns";
import { crdCatalog, type CrdCatalog, type CustomResource } from "./crdSchemas";
import { SECRET_MASK, type Plan } from "./plan";
import { planKubeVersion, vendoredCrds, type RenderedRelease } from "./renderReleases";
import type { RenderedService } from "./renderServices";

/** API groups the API server serves itself: their kinds have no CRD. */
const BUILT_IN_GROUPS = new Set([
  "",
  "core",
  "apps",
  "batch",
  "policy",
  "autoscaling",
  "admissionregistration.k8s.io",
  "apiextensions.k8s.io",
  "apiregistration.k8s.io",
  "authentication.k8s.io",
  "authorization.k8s.io",
  "certificates.k8s.io",
  "coordination.k8s.io",
  "discovery.k8s.io",
  "events.k8s.io",
  "flowcontrol.apiserver.k8s.io",
  "internal.apiserver.k8s.io",
  "networking.k8s.io",
  "node.k8s.io",
  "rbac.authorization.k8s.io",
  "resource.k8s.io",
  "scheduling.k8s.io",
  "storage.k8s.io",
  "storagemigration.k8s.io",
]);

/** Pulumi type tokens of the provider's own machinery, not Kubernetes objects. */
const NOT_OBJECTS = /^kubernetes:(helm\.sh|yaml|kustomize)\//;

/**
 * `group/Kind`s whose CRD is not vendored, and why; such a resource is counted as not checked, with
 * the reason, rather than as invalid.
 */
export const NOT_VENDORED: Readonly<Record<string, string>> = {};

/** One custom resource and what the check found. */
export interface CheckedResource {
  /** Where it comes from: `program` or `ConfigGroup <name>`, `Release <ns>/<name>`, `Application <name>`. */
  origin: string;
  apiVersion: string;
  kind: string;
  /** `namespace/name`, or the Pulumi resource name when the program leaves metadata.name to Pulumi. */
  name: string;
  /** `<JSON path>: <message>` lines; empty when valid. */
  errors: string[];
}

export interface CustomResourceReport {
  /** Every custom resource whose kind a CRD serves (or should), valid or not. */
  checked: CheckedResource[];
  invalid: CheckedResource[];
  /** Resources of a NOT_VENDORED kind, with the reason. */
  notChecked: (CheckedResource & { reason: string })[];
}

export interface Candidate {
  origin: string;
  manifest: CustomResource;
  fallbackName: string;
  /** A Pulumi resource without a namespace lands in `default`: that must be asked for, not implied. */
  requireNamespace: boolean;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

function asObject(value: unknown): CustomResource | undefined {
  const o = obj(value);
  return typeof o?.apiVersion === "string" && typeof o.kind === "string" ? (o as CustomResource) : undefined;
}

/** The objects a ConfigGroup's `yaml` (one string or many) and `objs` inputs hold. */
function configGroupObjects(inputs: Record<string, unknown>): CustomResource[] {
  const texts = [inputs.yaml].flat().filter((t): t is string => typeof t === "string");
  const parsed = texts.flatMap((t) => parseAllDocuments(t).map((d) => d.toJS() as unknown));
  const objs = [inputs.objs].flat();
  return [...parsed, ...objs].flatMap((o) => asObject(o) ?? []);
}

/** Every object the program registers itself, with where it comes from. */
function programObjects(plan: Plan): Candidate[] {
  return plan.resources.flatMap((r): Candidate[] => {
    if (r.type.startsWith("kubernetes:yaml/")) {
      return configGroupObjects(r.inputs).map((manifest) => ({
        origin: `ConfigGroup ${r.name}`,
        manifest,
        fallbackName: r.name,
        requireNamespace: true,
      }));
    }
    const token = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(r.type);
    if (!token || NOT_OBJECTS.test(r.type)) return [];
    const apiVersion =
      typeof r.inputs.apiVersion === "string" ? r.inputs.apiVersion : token[1].replace(/^core\//, "");
    const kind = typeof r.inputs.kind === "string" ? r.inputs.kind : token[2];
    return [
      {
        origin: "program",
        manifest: { ...r.inputs, apiVersion, kind },
        fallbackName: r.name,
        requireNamespace: true,
      },
    ];
  });
}

function renderedObjects(releases: RenderedRelease[], services: RenderedService[]): Candidate[] {
  return [
    ...releases.flatMap(({ release, namespace, manifests }) =>
      manifests.map((manifest) => ({
        origin: `Release ${namespace}/${release}`,
        manifest,
        fallbackName: manifest.metadata.name,
        requireNamespace: false,
      })),
    ),
    ...services.flatMap(({ release, manifests }) =>
      manifests.map((manifest) => ({
        origin: `Application ${release}`,
        manifest,
        fallbackName: manifest.metadata.name,
        requireNamespace: false,
      })),
    ),
  ];
}

/** What the check skips: a preview's unknowns and masked secrets. */
const isPlaceholder = (v: unknown) => isUnknownValue(v) || v === SECRET_MASK;

/** Whether a kind is a custom resource: a CRD serves it, or its group is none the API server has. */
function isCustom(catalog: Set<string>, m: CustomResource): boolean {
  const group = groupOf(m.apiVersion);
  return catalog.has(`${group}/${m.kind}`) || !BUILT_IN_GROUPS.has(group);
}

/** Checks each candidate against the catalog; kinds in `notVendored` with no CRD are set aside with the reason. */
export function checkCandidates(
  catalog: CrdCatalog,
  candidates: Candidate[],
  notVendored: Readonly<Record<string, string>> = NOT_VENDORED,
): CustomResourceReport {
  const served = new Set(catalog.kinds());
  const report: CustomResourceReport = { checked: [], invalid: [], notChecked: [] };
  for (const { origin, manifest, fallbackName, requireNamespace } of candidates) {
    if (manifest.kind === "CustomResourceDefinition" || !isCustom(served, manifest)) continue;
    const meta = obj(manifest.metadata);
    const name = typeof meta?.name === "string" ? meta.name : fallbackName;
    const namespace = typeof meta?.namespace === "string" ? `${meta.namespace}/` : "";
    const entry = {
      origin,
      apiVersion: manifest.apiVersion,
      kind: manifest.kind,
      name: `${namespace}${name}`,
    };
    const result = catalog.check(manifest, { isPlaceholder, requireNamespace });
    const key = `${groupOf(manifest.apiVersion)}/${manifest.kind}`;
    if (result.noCrd && key in notVendored) {
      report.notChecked.push({ ...entry, errors: [], reason: notVendored[key] });
      continue;
    }
    const errors = result.noCrd
      ? [`no CRD in the plan or charts/vendor serves ${key} (add it, or list it in NOT_VENDORED with why)`]
      : result.errors;
    const checked = { ...entry, errors };
    report.checked.push(checked);
    if (errors.length) report.invalid.push(checked);
  }
  return report;
}

async function catalogOf(plan: Plan, releases: RenderedRelease[], program: Candidate[]): Promise<CrdCatalog> {
  const vendored = await vendoredCrds(planKubeVersion(plan));
  const rendered = releases.flatMap((r) => r.manifests);
  return crdCatalog([...vendored, ...rendered, ...program.map((c) => c.manifest)]);
}

/** The CRDs the plan installs, over those of every vendored artifact. */
export function platformCrdCatalog(plan: Plan, releases: RenderedRelease[]): Promise<CrdCatalog> {
  return catalogOf(plan, releases, programObjects(plan));
}

/** Every custom resource of the plan, its Releases and its service Applications, checked. */
export async function customResourceReport(
  plan: Plan,
  releases: RenderedRelease[],
  services: RenderedService[] = [],
): Promise<CustomResourceReport> {
  const program = programObjects(plan);
  const catalog = await catalogOf(plan, releases, program);
  return checkCandidates(catalog, [...program, ...renderedObjects(releases, services)]);
}

/** The report as the plan prints it: the count line, then each invalid object and its errors. */
export function renderCustomResources(report: CustomResourceReport): string {
  const lines = [
    `Custom resources: ${report.checked.length} checked against their CRDs, ${report.invalid.length} invalid`,
  ];
  for (const r of report.invalid) {
    lines.push(`    ${r.origin}: ${r.apiVersion} ${r.kind} ${r.name}`);
    for (const e of r.errors) lines.push(`        ${e}`);
  }
  for (const r of report.notChecked)
    lines.push(`    not checked: ${r.origin}: ${r.apiVersion} ${r.kind} ${r.name} (${r.reason})`);
  return lines.join("\n");
}
