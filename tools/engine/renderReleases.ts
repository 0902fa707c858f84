/**
 * Renders every Helm Release of a plan the way Helm will install it, through the pack's renderer
 * (policies/lib/packRenders.ts): from its vendored archive, with its exact values, name and
 * namespace, the cluster's Kubernetes version and the API versions the platform installs. The
 * pack's Kubernetes rules then see every object an add-on runs, not only the Release resource.
 *
 * The plan gives the renderer its own helm, the render cache in .cache/renders/ (./renderCache.ts)
 * and as many renders side by side as there are cores: a warm plan runs no helm.
 */
import * as os from "os";
import {
  CLUSTER_TYPE,
  releaseTargetOf,
  renderTargets,
  vendoredCrds as packVendoredCrds,
  type ReleaseTarget,
  type RenderEnv,
} from "../../policies/lib/packRenders";
import { kubeVersionOf, RELEASE_TYPE, type Manifest } from "../../policies/lib/renderRelease";
import { helmAsync } from "../helm";
import type { Plan } from "./plan";
import type { RenderedObject } from "./policyRun";
import { PROJECT_ROOT } from "./engine";
import { readRenderCache, writeRenderCache } from "./renderCache";

export { CLUSTER_TYPE, RELEASE_TYPE };

/** What one Release installs. */
export interface RenderedRelease {
  release: string;
  namespace: string;
  /** The vendored archive, relative to the project root. */
  archive: string;
  manifests: Manifest[];
}

const PLAN_ENV: RenderEnv = {
  root: PROJECT_ROOT,
  helm: helmAsync,
  store: { read: readRenderCache, write: writeRenderCache },
  parallel: Math.max(2, os.availableParallelism?.() ?? os.cpus().length),
};

/** The cluster's Kubernetes version as the plan resolved it. */
export function planKubeVersion(plan: Plan): string {
  const clusters = plan.resources.filter((r) => r.type === CLUSTER_TYPE);
  const version = clusters[0]?.inputs.version;
  if (clusters.length !== 1 || typeof version !== "string") {
    throw new Error(`the plan has ${clusters.length} DOKS clusters; expected one with a version`);
  }
  return kubeVersionOf(version);
}

/** Release name, namespace, archive and values of every Release in the plan. */
export function planReleaseTargets(plan: Plan): ReleaseTarget[] {
  return plan.resources.filter((r) => r.type === RELEASE_TYPE).map((r) => releaseTargetOf(r.inputs, r.name));
}

/** Every Release of the plan, rendered as Helm installs it (packRenders.renderTargets). */
export async function renderPlanReleases(plan: Plan): Promise<RenderedRelease[]> {
  const targets = planReleaseTargets(plan);
  const rendered = await renderTargets(targets, planKubeVersion(plan), PLAN_ENV);
  return targets.map((t, i) => ({
    release: t.release,
    namespace: t.namespace,
    archive: t.archive,
    manifests: rendered[i],
  }));
}

/** The CRDs of every vendored artifact, as the pack finds them for its API versions. */
export function vendoredCrds(kubeVersion: string): Promise<Manifest[]> {
  return packVendoredCrds(kubeVersion, PLAN_ENV);
}

/** The rendered releases as the policy run takes them (policyRun.checkRendered). */
export function releaseObjects(stack: string, releases: RenderedRelease[]): RenderedObject[] {
  return releases.flatMap(({ release, manifests }) =>
    manifests.map((manifest) => ({ stack, release, origin: "Release" as const, manifest })),
  );
}
