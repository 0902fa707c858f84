/** The plan: what the program registered, as the engine recorded it. */

export interface ResourceOptions {
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  /** The `replacementTrigger` option: a change of this value replaces the resource. */
  replacementTrigger?: unknown;
  additionalSecretOutputs: string[];
  /** Explicit `dependsOn` (dependencies not implied by any input). */
  dependsOn: string[];
  deletedWith?: string;
  /** URNs this resource was known by before (its `aliases`), so a rename is not a delete. */
  aliases?: string[];
  customTimeouts?: { create?: string; update?: string; delete?: string };
}

export interface PlannedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** Physical id the (simulated) provider assigned; absent for components. */
  id?: string;
  parent?: string;
  /** URN of the provider instance that manages this resource; absent means the default provider. */
  provider?: string;
  /** For a custom resource without `provider`: the default provider the engine would give it. */
  defaultProvider?: string;
  /** Inputs with secrets unwrapped; `secretPaths` says which ones were secret. */
  inputs: Record<string, unknown>;
  secretPaths: string[];
  /** What the (simulated) provider returned. */
  outputs: Record<string, unknown>;
  /** Every resource this one waits for: its inputs' sources and its explicit dependsOn. */
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  options: ResourceOptions;
}

export interface Plan {
  project: string;
  stack: string;
  resources: PlannedResource[];
  /** Stack outputs, with secrets unwrapped; `outputSecretPaths` says which ones were secret. */
  outputs: Record<string, unknown>;
  outputSecretPaths: string[];
}

export const SECRET_MASK = "[secret]";
export const STACK_TYPE = "pulumi:pulumi:Stack";

/** Resources the program created (everything but the root stack). */
export function programResources(plan: Plan): PlannedResource[] {
  return plan.resources.filter((r) => r.type !== STACK_TYPE);
}

function maskPaths(value: unknown, paths: string[], prefix = ""): unknown {
  if (paths.includes(prefix) && prefix !== "") return SECRET_MASK;
  if (Array.isArray(value)) return value.map((v, i) => maskPaths(v, paths, `${prefix}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [
          k,
          maskPaths((value as Record<string, unknown>)[k], paths, prefix ? `${prefix}.${k}` : k),
        ]),
    );
  }
  return value;
}

function sortKeys(value: unknown): unknown {
  return maskPaths(value, []);
}

/** A resource as the JSON plan stores it: inputs with secrets masked, no outputs. */
export type JsonResource = Omit<PlannedResource, "outputs" | "propertyDependencies">;

/** What the plan found besides the resources (policy report, cost, critical path); all optional. */
export interface PlanFindings {
  policy?: { violations: { policy: string; enforcementLevel: string; message: string; urn?: string }[] };
  cost?: unknown;
  criticalPath?: unknown;
}

export interface PlanJson extends PlanFindings {
  project: string;
  stack: string;
  resources: JsonResource[];
  outputs: Record<string, unknown>;
}

export function toPlanJson(plan: Plan, findings: PlanFindings = {}): PlanJson {
  const resources = [...plan.resources]
    .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0))
    .map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      custom: r.custom,
      id: r.id,
      parent: r.parent,
      provider: r.provider,
      inputs: maskPaths(r.inputs, r.secretPaths) as Record<string, unknown>,
      secretPaths: [...r.secretPaths].sort(),
      dependencies: [...r.dependencies].sort(),
      options: sortKeys(r.options) as ResourceOptions,
    }));
  return {
    project: plan.project,
    stack: plan.stack,
    resources,
    outputs: maskPaths(plan.outputs, plan.outputSecretPaths) as Record<string, unknown>,
    ...findings,
  };
}

/** The plan as stable JSON: resources by URN, keys sorted, secrets masked, so plans diff cleanly. */
export function planToJson(plan: Plan, findings: PlanFindings = {}): string {
  return JSON.stringify(sortKeys(toPlanJson(plan, findings)), null, 2) + "\n";
}

/** Reads a JSON plan written by `npm run plan -- --json`, with a clear error when it is not one. */
export function parsePlanJson(text: string, source: string): PlanJson {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const d = data as Partial<PlanJson>;
  if (typeof d !== "object" || d === null || typeof d.stack !== "string" || !Array.isArray(d.resources)) {
    throw new Error(`${source} is not a plan written by \`npm run plan -- --json\``);
  }
  return d as PlanJson;
}
