/** Runs the policy pack over a plan: the bridge between the engine's records and the evaluator. */
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfig } from "@pulumi/policy";
import { evaluatePolicies, type EvaluatedResource, type Violation } from "../../policies/lib/evaluate";
import { allPolicies } from "../../policies/rules";
import type { Plan } from "./plan";

export const POLICY_CONFIG_DIR = path.resolve(__dirname, "..", "..", "policies", "config");

export function toEvaluated(plan: Plan): EvaluatedResource[] {
  return plan.resources.map((r) => ({
    urn: r.urn,
    type: r.type,
    name: r.name,
    inputs: r.inputs,
    outputs: r.custom ? r.outputs : {},
    secretPaths: r.secretPaths,
    protect: r.options.protect,
    ignoreChanges: r.options.ignoreChanges,
    parent: r.parent,
    provider: r.provider,
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

export function mandatory(violations: Violation[]): Violation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory");
}

/** Violations grouped by policy, each with the resource URN, as the plan prints them. */
export function renderViolations(violations: Violation[]): string {
  if (violations.length === 0) return "Policy pack prism-security: no violations";
  const byPolicy = new Map<string, Violation[]>();
  for (const v of violations) byPolicy.set(v.policy, [...(byPolicy.get(v.policy) ?? []), v]);
  const lines = [
    `Policy pack prism-security: ${violations.length} violation(s), ${mandatory(violations).length} mandatory`,
  ];
  for (const [policy, list] of [...byPolicy.entries()].sort()) {
    lines.push(`  [${list[0].enforcementLevel}] ${policy}: ${list[0].description}`);
    for (const v of list) lines.push(`      ${v.urn ?? "(stack)"}\n        ${v.message}`);
  }
  return lines.join("\n");
}
