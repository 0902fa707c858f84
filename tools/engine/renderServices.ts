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
import { helm } from "../helm";
import type { Plan } from "./plan";
import type { RenderedObject } from "./policyRun";

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

/** `helm template` of the service chart; each distinct input is rendered once per process. */
export function renderChart(release: string, namespace: string, values: unknown): Manifest[] {
  const input = JSON.stringify(values);
  const key = `${release}\0${namespace}\0${input}`;
  const hit = cache.get(key);
  if (hit) return structuredClone(hit);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-render-"));
  const valuesFile = path.join(dir, `${crypto.createHash("sha256").update(key).digest("hex")}.json`);
  try {
    fs.writeFileSync(valuesFile, input);
    const out = helm(["template", release, CHART_DIR, "--namespace", namespace, "--values", valuesFile]);
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
    cache.set(key, manifests);
    return structuredClone(manifests);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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

/**
 * What the plan's Applications of the service chart deploy: each rendered with its own release
 * name, destination namespace and values, exactly as ArgoCD's repo-server will.
 */
export function renderPlanServices(plan: Plan): RenderedService[] {
  const rendered: RenderedService[] = [];
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
    rendered.push({
      release,
      namespace,
      manifests: renderChart(release, namespace, spec.source.helm?.valuesObject ?? {}),
    });
  }
  return rendered;
}

/** The rendered services as the policy run takes them (policyRun.checkRendered). */
export function renderedObjects(stack: string, services: RenderedService[]): RenderedObject[] {
  return services.flatMap(({ release, manifests }) =>
    manifests.map((manifest) => ({ stack, release, manifest })),
  );
}
