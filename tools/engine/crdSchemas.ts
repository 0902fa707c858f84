/**
 * The custom resources ArgoCD applies from the service chart, checked against the CRDs that will
 * serve them: Argo Rollouts' (Rollout, AnalysisTemplate) and Traefik's (IngressRoute,
 * TraefikService), read from the vendored chart archives the platform installs. Like the API
 * server with strict field validation (kubectl's default), a field the schema does not declare is
 * an error, not silently dropped.
 */
import * as path from "path";
import Ajv, { type ValidateFunction } from "ajv";
import { parseAllDocuments } from "yaml";
import { vendoredChartArchive, type ChartName } from "../../components/helm/catalog";
import { helm } from "../helm";

const ROOT = path.resolve(__dirname, "..", "..");

type Schema = Record<string, unknown>;

interface Crd {
  kind: string;
  spec: {
    group: string;
    names: { kind: string };
    versions: { name: string; served: boolean; schema?: { openAPIV3Schema: Schema } }[];
  };
}

/**
 * Where each chart keeps its CRDs: Argo Rollouts renders them from templates (installCRDs), Traefik
 * ships them in crds/.
 */
const CRD_SOURCES: Record<string, { chart: ChartName; args: (archive: string) => string[] }> = {
  "argoproj.io": {
    chart: "argo-rollouts",
    args: (a) => ["template", "argo-rollouts", a, "--namespace", "argo-rollouts"],
  },
  "traefik.io": { chart: "traefik", args: (a) => ["show", "crds", a] },
};

/**
 * Kubernetes structural schemas prune undeclared fields; with strict field validation the API
 * server rejects them. Object schemas that declare properties and say nothing else about extra
 * keys get `additionalProperties: false`; x-kubernetes-preserve-unknown-fields keeps them open.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (typeof schema !== "object" || schema === null) return schema;
  const s: Schema = {};
  for (const [k, v] of Object.entries(schema))
    s[k] = k === "enum" || k === "default" || k === "example" ? v : strict(v);
  if (
    s.properties &&
    s.additionalProperties === undefined &&
    s["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    s.additionalProperties = false;
  }
  return s;
}

const validators = new Map<string, ValidateFunction>();
const loadedGroups = new Set<string>();
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });

function loadGroup(group: string): void {
  if (loadedGroups.has(group)) return;
  loadedGroups.add(group);
  const source = CRD_SOURCES[group];
  if (!source) return;
  const out = helm(source.args(path.join(ROOT, vendoredChartArchive(source.chart))));
  for (const doc of parseAllDocuments(out)) {
    const crd = doc.toJS() as Crd | null;
    if (crd?.kind !== "CustomResourceDefinition" || crd.spec.group !== group) continue;
    for (const version of crd.spec.versions) {
      if (!version.served || !version.schema) continue;
      const key = `${group}/${version.name}/${crd.spec.names.kind}`;
      validators.set(key, ajv.compile(strict(version.schema.openAPIV3Schema) as Schema));
    }
  }
}

/** An object of a vendored CRD group (argoproj.io, traefik.io): is it one the platform's CRDs know? */
export function hasCrdSchema(apiVersion: string): boolean {
  return apiVersion.split("/")[0] in CRD_SOURCES;
}

/**
 * Schema errors of one custom resource against its CRD, as `<path>: <message>` lines; empty when
 * valid. An apiVersion/kind the vendored CRDs do not serve is an error too.
 */
export function crdSchemaErrors(manifest: { apiVersion: string; kind: string }): string[] {
  const [group, version] = manifest.apiVersion.split("/");
  loadGroup(group);
  const validate = validators.get(`${group}/${version}/${manifest.kind}`);
  if (!validate) return [`no served CRD for ${manifest.apiVersion} ${manifest.kind} in the vendored charts`];
  if (validate(manifest)) return [];
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "";
    return `${e.instancePath || "/"}: ${e.message ?? e.keyword}${extra}`;
  });
}
