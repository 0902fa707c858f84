/**
 * The rendered objects the estimate counts volumes and load balancers in, each tagged with the URN
 * of the plan resource that deploys it: the Helm releases and the service Applications, as the plan
 * renders them for the policy pack, so the bill counts exactly what is checked.
 */
import type { PlannedResource } from "../engine/plan";
import type { RenderedRelease } from "../engine/renderReleases";
import { APPLICATION_TYPE, type RenderedService } from "../engine/renderServices";
import type { SourcedManifest } from "../../policies/cost/quantities";

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

/** The plan's Helm releases as rendered for the pack (tools/engine/renderReleases.ts), each tagged with its Release's URN. */
export function releaseRenders(resources: PlannedResource[], releases: RenderedRelease[]): SourcedManifest[] {
  const byRelease = new Map<string, string>();
  for (const r of resources.filter((x) => x.type === RELEASE_TYPE))
    byRelease.set(String((r.inputs as { name?: unknown }).name ?? r.name), r.urn);
  return releases.flatMap((rel) =>
    sourced(byRelease.get(rel.release) ?? rel.release, rel.manifests, rel.namespace),
  );
}
