/**
 * Custom resources checked against the openAPIV3Schema of the CRD that serves them, with ajv. Like
 * the API server with strict field validation (kubectl's default), a field the schema does not
 * declare is an error, not silently dropped; x-kubernetes-preserve-unknown-fields keeps a node
 * open and x-kubernetes-int-or-string takes an integer or a string, as the API server has it.
 * `metadata` is the API server's to validate, not the CRD's: only its name and namespace are
 * checked here.
 *
 * A catalog is built from CRD objects (crdCatalog); the service chart's Argo Rollouts and Traefik
 * resources use the one read from those two vendored charts (crdSchemaErrors).
 */
import * as crypto from "crypto";
import * as path from "path";
import type { ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { vendoredChartArchive, type ChartName } from "../../components/helm/catalog";
import { helm } from "../helm";
import { cachedValidator } from "./validatorCache";

const ROOT = path.resolve(__dirname, "..", "..");

type Schema = Record<string, unknown>;

/** A custom resource as it would be sent: apiVersion, kind, metadata and the rest. */
export interface CustomResource {
  apiVersion: string;
  kind: string;
  metadata?: unknown;
  [field: string]: unknown;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/**
 * The schema as the API server applies it. Kubernetes structural schemas prune undeclared fields;
 * with strict field validation the API server rejects them: an object schema that says nothing
 * else about extra keys gets `additionalProperties: false`, unless it keeps unknown fields
 * (x-kubernetes-preserve-unknown-fields) or is an embedded object (which keeps apiVersion, kind
 * and metadata). x-kubernetes-int-or-string is `integer | string`; a `nullable` with no type (which
 * ajv refuses) says nothing. Defaults are applied before validation, so they satisfy `required`.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== "object" || schema === null) return schema;
  const s: Schema = {};
  for (const [k, v] of Object.entries(schema))
    s[k] = k === "enum" || k === "default" || k === "example" ? v : strict(v);
  if (s["x-kubernetes-int-or-string"] === true && s.type === undefined) s.type = ["integer", "string"];
  if (s.nullable !== undefined && s.type === undefined) delete s.nullable;
  // The API server fills in defaults before it validates: a required field with a default is never missing.
  const props = obj(s.properties);
  if (Array.isArray(s.required) && props) {
    s.required = s.required.filter((k) => typeof k !== "string" || obj(props[k])?.default === undefined);
  }
  const open = s["x-kubernetes-preserve-unknown-fields"] === true;
  if (s["x-kubernetes-embedded-resource"] === true && !open) {
    s.properties = {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      metadata: { type: "object" },
      ...(props ?? {}),
    };
  }
  const isObject = s.type === "object" || s.properties !== undefined;
  if (isObject && s.additionalProperties === undefined && !open) s.additionalProperties = false;
  return s;
}

/** The root schema with `metadata` left to the API server (any object). */
function rootSchema(openAPIV3Schema: Schema): Schema {
  const s = strict(openAPIV3Schema) as Schema;
  return { ...s, properties: { ...(obj(s.properties) ?? {}), metadata: { type: "object" } } };
}

const compiled = new Map<string, ValidateFunction>();

/** One compile per distinct schema, whichever catalog asks. */
function compile(schema: Schema): ValidateFunction {
  const text = JSON.stringify(schema);
  const key = crypto.createHash("sha256").update(text).digest("hex");
  let validate = compiled.get(key);
  if (!validate) {
    validate = cachedValidator(rootSchema(schema));
    compiled.set(key, validate);
  }
  return validate;
}

/** What a catalog knows of one group/Kind: its scope and each served version's schema. */
interface ServedKind {
  scope: "Namespaced" | "Cluster";
  versions: Map<string, Schema | undefined>;
}

/** The pieces of a CRD this check reads; anything not shaped so is not a CRD. */
function crdParts(m: unknown): { group: string; kind: string; kinds: ServedKind } | undefined {
  const o = obj(m);
  if (o?.kind !== "CustomResourceDefinition") return undefined;
  const spec = obj(o.spec);
  const group = spec?.group;
  const kind = obj(spec?.names)?.kind;
  if (typeof group !== "string" || typeof kind !== "string") return undefined;
  const versions = new Map<string, Schema | undefined>();
  for (const v of Array.isArray(spec?.versions) ? spec.versions : []) {
    const version = obj(v);
    if (typeof version?.name !== "string" || version.served === false) continue;
    versions.set(version.name, obj(obj(version.schema)?.openAPIV3Schema));
  }
  return { group, kind, kinds: { scope: spec?.scope === "Cluster" ? "Cluster" : "Namespaced", versions } };
}

/** Values not known yet (a preview's unknowns) or masked: what they become is not checked here. */
export type Placeholder = (value: unknown) => boolean;

/** The result of checking one object: no CRD serves its kind, or the schema errors (empty: valid). */
export type CheckResult = { noCrd: true } | { noCrd: false; errors: string[] };

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The value at a JSON pointer of ajv's instancePath, and whether any step on the way is a placeholder. */
function throughPlaceholder(root: unknown, pointer: string, isPlaceholder: Placeholder): boolean {
  let at: unknown = root;
  if (isPlaceholder(at)) return true;
  for (const raw of pointer.split("/").slice(1)) {
    const step = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(at)) at = at[Number(step)];
    else at = obj(at)?.[step];
    if (isPlaceholder(at)) return true;
  }
  return false;
}

/** The CRDs of a set of objects, to check custom resources against. */
export interface CrdCatalog {
  /** `group/Kind` of every kind the catalog serves. */
  kinds(): string[];
  /**
   * One object against the CRD serving its group/Kind: `<path>: <message>` lines. A version the
   * CRD does not serve, a bad name or a namespace the scope does not allow are errors too.
   * `requireNamespace`: a namespaced object with no namespace is an error (a Pulumi resource
   * without one lands in `default`); a render is placed in its release's namespace first.
   */
  check(
    manifest: CustomResource,
    options?: { isPlaceholder?: Placeholder; requireNamespace?: boolean },
  ): CheckResult;
}

/** A catalog over these objects' CRDs; a later CRD of the same group/Kind replaces an earlier one. */
export function crdCatalog(objects: Iterable<unknown>): CrdCatalog {
  const served = new Map<string, ServedKind>();
  for (const m of objects) {
    const parts = crdParts(m);
    if (parts) served.set(`${parts.group}/${parts.kind}`, parts.kinds);
  }
  return {
    kinds: () => [...served.keys()].sort(),
    check(manifest, options = {}) {
      const isPlaceholder = options.isPlaceholder ?? (() => false);
      const slash = manifest.apiVersion.lastIndexOf("/");
      const group = slash < 0 ? "" : manifest.apiVersion.slice(0, slash);
      const version = manifest.apiVersion.slice(slash + 1);
      const kind = served.get(`${group}/${manifest.kind}`);
      if (!kind) return { noCrd: true };
      if (!kind.versions.has(version)) {
        const known = [...kind.versions.keys()].join(", ") || "none";
        return {
          noCrd: false,
          errors: [`/apiVersion: ${group}/${manifest.kind} is served at ${known}, not ${version}`],
        };
      }
      const errors = metadataErrors(
        manifest.metadata,
        kind.scope,
        options.requireNamespace === true,
        isPlaceholder,
      );
      const schema = kind.versions.get(version);
      if (!schema) return { noCrd: false, errors };
      const validate = compile(schema);
      if (!validate(manifest)) {
        for (const e of validate.errors ?? []) {
          if (throughPlaceholder(manifest, e.instancePath, isPlaceholder)) continue;
          const extra =
            e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "";
          errors.push(`${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`);
        }
      }
      return { noCrd: false, errors };
    },
  };
}

/** Name and namespace as the API server takes them; the rest of metadata is not the CRD's. */
function metadataErrors(
  metadata: unknown,
  scope: ServedKind["scope"],
  requireNamespace: boolean,
  isPlaceholder: Placeholder,
): string[] {
  const meta = obj(metadata) ?? {};
  const errors: string[] = [];
  const { name, namespace } = meta;
  if (name !== undefined && !isPlaceholder(name)) {
    if (typeof name !== "string" || name.length > 253 || !DNS_SUBDOMAIN.test(name))
      errors.push(`/metadata/name: ${JSON.stringify(name)} is not a DNS subdomain name`);
  }
  if (scope === "Cluster" && namespace !== undefined) {
    errors.push(
      `/metadata/namespace: the kind is cluster-scoped, yet namespace is ${JSON.stringify(namespace)}`,
    );
  } else if (scope === "Namespaced" && namespace === undefined && requireNamespace) {
    errors.push("/metadata/namespace: the kind is namespaced and no namespace is set");
  } else if (namespace !== undefined && !isPlaceholder(namespace)) {
    if (typeof namespace !== "string" || namespace.length > 63 || !DNS_LABEL.test(namespace))
      errors.push(`/metadata/namespace: ${JSON.stringify(namespace)} is not a DNS label`);
  }
  return errors;
}

/**
 * Where the service chart's CRDs come from: Argo Rollouts renders them from templates
 * (installCRDs), Traefik ships them in crds/.
 */
const CRD_SOURCES: Record<string, { chart: ChartName; args: (archive: string) => string[] }> = {
  "argoproj.io": {
    chart: "argo-rollouts",
    args: (a) => ["template", "argo-rollouts", a, "--namespace", "argo-rollouts"],
  },
  "traefik.io": { chart: "traefik", args: (a) => ["show", "crds", a] },
};

let serviceChartCatalog: CrdCatalog | undefined;

/** The CRDs of the two charts whose resources the service chart renders, read once. */
function serviceChartCrds(): CrdCatalog {
  serviceChartCatalog ??= crdCatalog(
    Object.values(CRD_SOURCES).flatMap((source) =>
      parseAllDocuments(helm(source.args(path.join(ROOT, vendoredChartArchive(source.chart))))).map(
        (doc) => doc.toJS() as unknown,
      ),
    ),
  );
  return serviceChartCatalog;
}

/** An object of a group the service chart's CRDs serve (argoproj.io, traefik.io)? */
export function hasCrdSchema(apiVersion: string): boolean {
  return apiVersion.split("/")[0] in CRD_SOURCES;
}

/**
 * Schema errors of one of the service chart's custom resources against its CRD, as `<path>:
 * <message>` lines; empty when valid. An apiVersion/kind the vendored CRDs do not serve is an
 * error too.
 */
export function crdSchemaErrors(manifest: CustomResource): string[] {
  const result = serviceChartCrds().check(manifest);
  return result.noCrd
    ? [`no served CRD for ${manifest.apiVersion} ${manifest.kind} in the vendored charts`]
    : result.errors;
}
