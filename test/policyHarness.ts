/**
 * Policy tests build resources with the real SDK classes, run them through the engine (so they
 * carry their real type tokens and serialised inputs), and evaluate policies on what was recorded.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Policies, PolicyPackConfig } from "@pulumi/policy";
import { runIsolated } from "../tools/engine/engine";
import { toEvaluated } from "../tools/engine/policyRun";
import { evaluatePolicies, type Violation } from "../policies/lib/evaluate";
import type { Plan } from "../tools/engine/plan";

export interface Providers {
  /** An explicit Kubernetes provider, as the platform uses. */
  k8s: k8s.Provider;
}

/** Registers whatever `build` creates under the mock engine and returns the recorded plan. */
export function planResources(build: (providers: Providers) => void, stack = "test"): Promise<Plan> {
  return runIsolated({ project: "policytest", stack, config: {}, secretKeys: [] }, async () => {
    const provider = new k8s.Provider("test-k8s", {
      kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n"),
    });
    build({ k8s: provider });
  });
}

/** The recorded resources and the violations the policies report for what `build` creates. */
export async function checkResources(
  policies: Policies,
  build: (providers: Providers) => void,
  config: PolicyPackConfig = {},
): Promise<{ plan: Plan; violations: Violation[] }> {
  const plan = await planResources(build);
  return { plan, violations: await evaluatePolicies(policies, toEvaluated(plan), config) };
}

/** Violations the policies report for the resources `build` creates. */
export async function violationsOf(
  policies: Policies,
  build: (providers: Providers) => void,
  config: PolicyPackConfig = {},
): Promise<Violation[]> {
  return (await checkResources(policies, build, config)).violations;
}

/** Only the messages, for readable assertions. */
export async function messagesOf(
  policies: Policies,
  build: (providers: Providers) => void,
  config: PolicyPackConfig = {},
): Promise<string[]> {
  return (await violationsOf(policies, build, config)).map((v) => `${v.policy}: ${v.message}`);
}
