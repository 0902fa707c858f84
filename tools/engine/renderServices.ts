/**
 * Renders the in-repo service chart the way ArgoCD will: `helm template` with the release name,
 * namespace and values of each service's Application. ArgoCD-managed workloads never pass through
 * CrossGuard, so the offline plan and the tests run the policy pack on these manifests instead.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { SERVICE_NAMES, type ServiceName } from "../../services/catalog";
import { SERVICE_CHART_PATH, SERVICES_NAMESPACE, serviceValues } from "../../services/values";
import type { PlatformConfig } from "../../stacks/config";
import { helm, helmAsync } from "../helm";
import { crdSchemaErrors, hasCrdSchema } from "./crdSchemas";
import type { Plan } from "./plan";
import type { RenderedObject } from "./policyRun";
import { directoryDigest, readRenderCache, writeRenderCache } from "./renderCache";

export const CHART_DIR = path.resolve(__dirname, "..", "..", SERVICE_CHART_PATH);

/** The Pulumi type token of an ArgoCD Application, as the plan records it. */
export const APPLICATION_TYPE = "kubernetes:argoproj.io/v1alpha1:Application";

/** One Kubernetes object from a rendered chart. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** What one Application deploys. */
export interface RenderedService {
  /** The release (the Application's helm.releaseName: the service name). */
  release: string;
  namespace: string;
  manifests: Manifest[];
}

const cache = new Map<string, Manifest[]>();

function isManifest(value: unknown): value is Manifest {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const meta = v.metadata as Record<string, unknown> | undefined;
  return typeof v.apiVersion === "string" && typeof v.kind === "string" && typeof meta?.name === "string";
}

let chartDigest: string | undefined;

/** The in-memory key, which is also the disk key: the chart's files, release, namespace and values. */
function cacheKey(release: string, namespace: string, input: string): string {
  chartDigest ??= directoryDigest(CHART_DIR);
  return crypto
    .createHash("sha256")
    .update(`service-chart\0${chartDigest}\0${release}\0${namespace}\0${input}`)
    .digest("hex");
}

function parseRendered(release: string, out: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseAllDocuments(out)) {
    if (doc.errors.length)
      throw new Error(`helm rendered invalid YAML for ${release}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isManifest(value))
      throw new Error(`helm rendered something that is not a Kubernetes object for ${release}`);
    manifests.push(value);
  }
  return manifests;
}

/** Writes the values to a temporary file for `helm template --values`, and cleans up after `use`. */
function withValuesFile<T>(key: string, input: string, use: (file: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-render-"));
  const file = path.join(dir, `${crypto.createHash("sha256").update(key).digest("hex")}.json`);
  fs.writeFileSync(file, input);
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const result = use(file);
    if (result instanceof Promise) {
      return result.finally(cleanup) as T;
    }
    cleanup();
    return result;
  } catch (err) {
    cleanup();
    throw err;
  }
}

const templateArgs = (release: string, namespace: string, file: string) => [
  "template",
  release,
  CHART_DIR,
  "--namespace",
  namespace,
  "--values",
  file,
];

/** `helm template` of the service chart; each distinct input is rendered once per process. */
export function renderChart(release: string, namespace: string, values: unknown): Manifest[] {
  const input = JSON.stringify(values);
  const key = cacheKey(release, namespace, input);
  let manifests = cache.get(key) ?? readRenderCache<Manifest[]>(key);
  if (!manifests) {
    manifests = withValuesFile(key, input, (file) =>
      parseRendered(release, helm(templateArgs(release, namespace, file))),
    );
    writeRenderCache(key, manifests);
  }
  cache.set(key, manifests);
  return structuredClone(manifests);
}

interface RenderRequest {
  release: string;
  namespace: string;
  values: unknown;
}

/** Renders several charts side by side into the cache, so the calls that follow are instant. */
export async function prerender(requests: RenderRequest[]): Promise<void> {
  await Promise.all(
    requests.map(async ({ release, namespace, values }) => {
      const input = JSON.stringify(values);
      const key = cacheKey(release, namespace, input);
      if (cache.has(key)) return;
      const stored = readRenderCache<Manifest[]>(key);
      if (stored) {
        cache.set(key, stored);
        return;
      }
      const out = await withValuesFile(key, input, (file) =>
        helmAsync(templateArgs(release, namespace, file)),
      );
      const manifests = parseRendered(release, out);
      writeRenderCache(key, manifests);
      cache.set(key, manifests);
    }),
  );
}

/** Every service of a stack, rendered with the values its Application gets (services/values.ts). */
export function renderServices(config: PlatformConfig): Record<ServiceName, RenderedService> {
  return Object.fromEntries(
    SERVICE_NAMES.map((service) => [
      service,
      {
        release: service,
        namespace: SERVICES_NAMESPACE,
        manifests: renderChart(service, SERVICES_NAMESPACE, serviceValues(config, service)),
      },
    ]),
  ) as Record<ServiceName, RenderedService>;
}

interface ApplicationInputs {
  spec?: {
    source?: { path?: string; helm?: { releaseName?: string; valuesObject?: unknown } };
    destination?: { namespace?: string };
  };
}

/** The render each Application of the service chart in the plan asks for (release, namespace, values). */
function planRenderRequests(plan: Plan): RenderRequest[] {
  const requests: RenderRequest[] = [];
  for (const r of plan.resources.filter((x) => x.type === APPLICATION_TYPE)) {
    const spec = (r.inputs as ApplicationInputs).spec;
    if (spec?.source?.path !== SERVICE_CHART_PATH) continue;
    const release = spec.source.helm?.releaseName;
    const namespace = spec.destination?.namespace;
    if (!release || !namespace) {
      throw new Error(
        `Application ${r.name} renders ${SERVICE_CHART_PATH} without a releaseName or namespace`,
      );
    }
    requests.push({ release, namespace, values: spec.source.helm?.valuesObject ?? {} });
  }
  return requests;
}

/**
 * What the plan's Applications of the service chart deploy: each rendered with its own release
 * name, destination namespace and values, exactly as ArgoCD's repo-server will. The renders run
 * side by side.
 */
export async function renderPlanServices(plan: Plan): Promise<RenderedService[]> {
  const requests = planRenderRequests(plan);
  await prerender(requests);
  const services = requests.map(({ release, namespace, values }) => ({
    release,
    namespace,
    manifests: renderChart(release, namespace, values),
  }));
  checkCustomResources(services);
  return services;
}

/**
 * Throws, naming each object and field, when a rendered Rollout, AnalysisTemplate, IngressRoute or
 * TraefikService does not match the CRD the cluster will serve it with (tools/engine/crdSchemas.ts).
 */
export function checkCustomResources(services: RenderedService[]): void {
  const problems = services.flatMap(({ release, manifests }) =>
    manifests
      .filter((m) => hasCrdSchema(m.apiVersion))
      .flatMap((m) => crdSchemaErrors(m).map((e) => `${release}: ${m.kind} ${m.metadata.name} ${e}`)),
  );
  if (problems.length) {
    throw new Error(`rendered custom resources the CRDs reject:\n  ${problems.join("\n  ")}`);
  }
}

/** The rendered services as the policy run takes them (policyRun.checkRendered). */
export function renderedObjects(stack: string, services: RenderedService[]): RenderedObject[] {
  return services.flatMap(({ release, manifests }) =>
    manifests.map((manifest) => ({ stack, release, manifest })),
  );
}
