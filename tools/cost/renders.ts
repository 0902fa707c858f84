/**
 * The rendered objects the estimate counts volumes and load balancers in, each tagged with the URN
 * of the plan resource that deploys it: every Helm release of the plan rendered from its vendored
 * chart (charts/vendor/<chart>-<version>.tgz, the archive the release pins) with the release's own
 * name, namespace and values, and the service Applications' renders. Any other renderer's output
 * (a list of manifests per release) plugs into estimateCost's `rendered` the same way.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { helmAsync } from "../helm";
import type { PlannedResource } from "../engine/plan";
import { APPLICATION_TYPE, type RenderedService } from "../engine/renderServices";
import type { SourcedManifest } from "./quantities";

const VENDOR_DIR = path.resolve(__dirname, "..", "..", "charts", "vendor");
const RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";

/** Tags rendered manifests with the URN of the resource that deploys them. */
export function sourced(urn: string, manifests: object[], namespace?: string): SourcedManifest[] {
  return manifests.map((manifest) => ({
    source: urn,
    namespace,
    manifest: manifest as SourcedManifest["manifest"],
  }));
}

/** The service Applications' renders, each tagged with its Application's URN. */
export function serviceRenders(resources: PlannedResource[], services: RenderedService[]): SourcedManifest[] {
  const byRelease = new Map<string, string>();
  for (const r of resources.filter((x) => x.type === APPLICATION_TYPE)) {
    const spec = (r.inputs as { spec?: { source?: { helm?: { releaseName?: string } } } }).spec;
    if (spec?.source?.helm?.releaseName) byRelease.set(spec.source.helm.releaseName, r.urn);
  }
  return services.flatMap((s) => sourced(byRelease.get(s.release) ?? s.release, s.manifests, s.namespace));
}

/** `helm template` of one planned Release from its vendored archive. */
async function renderRelease(r: PlannedResource): Promise<SourcedManifest[]> {
  const { chart, version, name, namespace, values } = r.inputs as Record<string, unknown>;
  const archive = path.join(VENDOR_DIR, `${String(chart)}-${String(version)}.tgz`);
  if (!fs.existsSync(archive))
    throw new Error(`Helm release ${r.name}: no vendored chart ${path.relative(process.cwd(), archive)}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-cost-"));
  try {
    const file = path.join(dir, "values.json");
    fs.writeFileSync(file, JSON.stringify(values ?? {}));
    const out = await helmAsync([
      "template",
      String(name ?? r.name),
      archive,
      "--namespace",
      String(namespace),
      "--values",
      file,
    ]);
    const docs = parseAllDocuments(out)
      .map((d) => d.toJS() as unknown)
      .filter((d): d is object => typeof d === "object" && d !== null);
    return sourced(r.urn, docs, String(namespace));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Every Helm release of the plan, rendered side by side. */
export async function releaseRenders(resources: PlannedResource[]): Promise<SourcedManifest[]> {
  const rendered = await Promise.all(resources.filter((r) => r.type === RELEASE_TYPE).map(renderRelease));
  return rendered.flat();
}
