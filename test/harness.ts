/** Test helpers over the one engine: plan a stack, find resources, expect a config failure. */
import * as pulumi from "@pulumi/pulumi";
import { planStack, PlanError, PROJECT_ROOT, runIsolated } from "../tools/engine/engine";
import { loadStackSettings } from "../tools/engine/stackSettings";
import { parsePlatformConfig, type PlatformConfig } from "../stacks/config";
import { buildFoundation, type Foundation } from "../stacks/platform";
import { readSecrets, type PlatformSecrets } from "../stacks/secrets";
import { programResources, type Plan, type PlannedResource } from "../tools/engine/plan";
import type { ConfigMutation } from "../tools/engine/stackSettings";

const cache = new Map<string, Promise<Plan>>();

/** The unmodified stack's plan, computed once per test file. */
export function planOf(stack: string): Promise<Plan> {
  let plan = cache.get(stack);
  if (!plan) {
    plan = planStack({ stack });
    cache.set(stack, plan);
  }
  return plan;
}

export function ofType(plan: Plan, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}

export function one(plan: Plan, type: string, name?: string): PlannedResource {
  const found = ofType(plan, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  }
  return found[0];
}

/** Reads a nested config value for editing in a mutation. */
export function section(config: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = config[key];
  if (typeof value !== "object" || value === null) throw new Error(`no config section ${key}`);
  return value as Record<string, unknown>;
}

/** Plans the stack with a config edit and returns the failure; fails the test if it succeeds. */
export async function planFailure(stack: string, mutate: ConfigMutation): Promise<PlanError> {
  try {
    await planStack({ stack, mutateConfig: mutate });
  } catch (err) {
    if (err instanceof PlanError) return err;
    throw err;
  }
  throw new Error("expected the plan to fail, but it succeeded");
}

export { programResources };

export interface ComponentContext extends Foundation {
  stack: string;
  config: PlatformConfig;
  secrets: PlatformSecrets;
}

/**
 * Plans a stack's real config and foundation (cluster, namespaces) plus whatever `build` adds:
 * for testing a component on its own before, and after, it joins stacks/platform.ts.
 */
export function planWithFoundation(
  stack: string,
  build: (ctx: ComponentContext) => void,
  mutate?: ConfigMutation,
): Promise<Plan> {
  const settings = loadStackSettings(PROJECT_ROOT, stack, mutate);
  return runIsolated(settings, async () => {
    const config = parsePlatformConfig(pulumi.getProject(), pulumi.getStack(), pulumi.runtime.allConfig());
    const secrets = readSecrets();
    build({ stack, config, secrets, ...buildFoundation(stack, config, secrets) });
  });
}

/** Memoises one plan per stack for a test file: each stack is planned once, however many tests read it. */
export function oncePerStack<T>(make: (stack: string) => Promise<T>): (stack: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (stack) => {
    let result = cache.get(stack);
    if (!result) {
      result = make(stack);
      cache.set(stack, result);
    }
    return result;
  };
}

/** The stack's typed config, read from its files exactly as the program reads it. */
export function stackConfigOf(stack: string, mutate?: ConfigMutation): PlatformConfig {
  const settings = loadStackSettings(PROJECT_ROOT, stack, mutate);
  return parsePlatformConfig(settings.project, stack, settings.config);
}
