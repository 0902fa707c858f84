/** Runs the policy pack over a plan: the bridge between the engine's records and the evaluator. */
import { PACK_NAME } from "../../policies/lib/pack";
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { evaluatePolicies, type EvaluatedResource, type Violation } from "../../policies/lib/evaluate";
import { typeTokenOf } from "../../policies/lib/podSpec";
import { allPolicies } from "../../policies/rules";
import { kubernetesWorkloadPolicies } from "../../policies/rules/kubernetesWorkloads";
import { namespaceAndNetworkPolicies } from "../../policies/rules/namespacesAndNetwork";
import { operatorPodPolicies } from "../../policies/rules/operatorPods";
import { rolloutPolicies } from "../../policies/rules/rolloutAnalysis";
import type { Plan } from "./plan";

export const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "..", "policies", "config");

/** Seconds of a Go duration string ("1h30m", "45s") as the engine parses custom timeouts; 0 if unset. */
export function durationSeconds(duration: string | undefined): number {
  if (!duration) return 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.map((p) => p[0]).join("") !== duration) throw new Error(`invalid custom timeout "${duration}"`);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** The plan's resources as the CLI hands them to an analyzer. */
export function toEvaluated(plan: Plan): EvaluatedResource[] {
  return plan.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    inputs: r.inputs,
    outputs: r.custom ? r.outputs : {},
    secretPaths: r.secretPaths,
    protect: r.options.protect,
    retainOnDelete: r.options.retainOnDelete,
    ignoreChanges: r.options.ignoreChanges,
    ...(r.options.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
    additionalSecretOutputs: r.options.additionalSecretOutputs,
    customTimeouts: {
      createSeconds: durationSeconds(r.options.customTimeouts?.create),
      updateSeconds: durationSeconds(r.options.customTimeouts?.update),
      deleteSeconds: durationSeconds(r.options.customTimeouts?.delete),
    },
    parent: r.parent,
    provider: r.provider,
    defaultProvider: r.defaultProvider,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
  }));
}

/** The pack config a stack uses: policies/config/<stack>.json (the file CI passes to the CLI). */
export function stackPolicyConfig(stack: string): PolicyPackConfig {
  const file = path.join(POLICY_CONFIG_DIR, `${stack}.json`);
  if (!fs.existsSync(file)) throw new Error(`no policy config for stack ${stack}: ${file} is missing`);
  return JSON.parse(fs.readFileSync(file, "utf8")) as PolicyPackConfig;
}

export function checkPlan(
  plan: Plan,
  config: PolicyPackConfig = stackPolicyConfig(plan.stack),
): Promise<Violation[]> {
  return evaluatePolicies(allPolicies, toEvaluated(plan), config);
}

/**
 * A manifest rendered from a chart, with where it came from: an Argo CD Application of the service
 * chart (tools/engine/renderServices.ts) or a Helm Release of an add-on (tools/engine/renderReleases.ts).
 */
export interface RenderedObject {
  stack: string;
  /** The Application's release (the service), or the Helm release's name. */
  release: string;
  /** "Release" for a Helm Release; absent for a service Application. */
  origin?: "Release";
  manifest: Record<string, unknown> & {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
  };
}

/** A rendered object's synthetic URN: release, kind and object (with its namespace, for a Release). */
export function renderedUrn({ stack, release, origin, manifest }: RenderedObject): string {
  const { kind, metadata } = manifest;
  if (origin === "Release") {
    return `rendered:${stack}/Release/${release}/${kind}/${metadata.namespace ?? "(cluster)"}/${metadata.name}`;
  }
  return `rendered:${stack}/${release}/${kind}/${metadata.name}`;
}

/** Rendered objects as the evaluator sees resources: a Pulumi-style type token and a synthetic URN. */
export function renderedToEvaluated(objects: RenderedObject[]): EvaluatedResource[] {
  return objects.map((object) => ({
    urn: renderedUrn(object),
    type: typeTokenOf(object.manifest.apiVersion, object.manifest.kind),
    name: object.manifest.metadata.name,
    inputs: object.manifest,
    outputs: {},
    secretPaths: [],
    protect: false,
    ignoreChanges: [],
    dependencies: [],
    propertyDependencies: {},
  }));
}

/**
 * The pack's rules about Kubernetes objects themselves (pod security, the pods operators build from
 * custom resources, namespaces, exposure): its
 * resource-validation policies over kubernetes:* types. Rules about the Pulumi program (explicit
 * providers, secrets in state, protect) and stack policies do not apply to manifests ArgoCD applies.
 */
export const KUBERNETES_MANIFEST_POLICIES = [
  ...kubernetesWorkloadPolicies,
  ...operatorPodPolicies,
  ...namespaceAndNetworkPolicies,
  ...rolloutPolicies,
].filter((p) => "validateResource" in p);

/** The Kubernetes rules on manifests that never pass through CrossGuard, with the stack's config. */
export function checkRendered(objects: RenderedObject[], config: PolicyPackConfig): Promise<Violation[]> {
  const policies = KUBERNETES_MANIFEST_POLICIES;
  const names = new Set(policies.map((p) => p.name));
  const relevant = Object.fromEntries(
    Object.entries(config).filter(([name]) => name === "all" || names.has(name)),
  );
  return evaluatePolicies(policies, renderedToEvaluated(objects), relevant);
}

/** The plan's resources and the rendered services' manifests, in one report. */
export async function checkPlanAndRendered(
  plan: Plan,
  objects: RenderedObject[],
  config: PolicyPackConfig = stackPolicyConfig(plan.stack),
): Promise<Violation[]> {
  return [...(await checkPlan(plan, config)), ...(await checkRendered(objects, config))];
}

export function mandatory(violations: Violation[]): Violation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory");
}

/** Violations grouped by policy, each with the resource URN, as the plan prints them. */
export function renderViolations(violations: Violation[]): string {
  if (violations.length === 0) return `Policy pack ${PACK_NAME}: no violations`;
  const byPolicy = new Map<string, Violation[]>();
  for (const v of violations) byPolicy.set(v.policy, [...(byPolicy.get(v.policy) ?? []), v]);
  const lines = [
    `Policy pack ${PACK_NAME}: ${violations.length} violation(s), ${mandatory(violations).length} mandatory`,
  ];
  for (const [policy, list] of [...byPolicy.entries()].sort()) {
    lines.push(`  [${list[0].enforcementLevel}] ${policy}: ${list[0].description}`);
    for (const v of list) lines.push(`      ${v.urn ?? "(stack)"}\n        ${v.message}`);
  }
  return lines.join("\n");
}
