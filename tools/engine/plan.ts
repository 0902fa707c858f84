/** The plan: what the program registered, as the engine recorded it. */

export interface ResourceOptions {
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  /** Explicit `dependsOn` (dependencies not implied by any input). */
  dependsOn: string[];
  deletedWith?: string;
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

/** The plan as stable JSON: resources by URN, keys sorted, secrets masked, so plans diff cleanly. */
export function planToJson(plan: Plan): string {
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
      inputs: maskPaths(r.inputs, r.secretPaths),
      secretPaths: [...r.secretPaths].sort(),
      dependencies: [...r.dependencies].sort(),
      options: sortKeys(r.options),
    }));
  return (
    JSON.stringify(
      {
        project: plan.project,
        stack: plan.stack,
        resources,
        outputs: maskPaths(plan.outputs, plan.outputSecretPaths),
      },
      null,
      2,
    ) + "\n"
  );
}
