/**
 * Runs the pack's policy objects — the same ones `pulumi preview --policy-pack policies` serves —
 * over resources recorded by the offline plan, with CrossGuard's semantics: enforcement level from
 * config, then the policy, then the pack; config defaults from each policy's schema, validated;
 * `notApplicable` skips; resource policies see inputs, stack policies see outputs.
 */
import Ajv from "ajv";
import type {
  EnforcementLevel,
  Policies,
  Policy,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Resource } from "@pulumi/pulumi";
import { PACK_ENFORCEMENT_LEVEL } from "./pack";
import { recordSecretPaths } from "./secrets";

export interface EvaluatedResource {
  urn: string;
  type: string;
  name: string;
  /** Inputs: what resource policies validate. */
  inputs: Record<string, unknown>;
  /** Outputs: what stack policies validate. */
  outputs: Record<string, unknown>;
  secretPaths: readonly string[];
  protect: boolean;
  /** Known to the offline plan only: the CLI's analyzer protocol does not carry it. */
  retainOnDelete?: boolean;
  ignoreChanges: string[];
  parent?: string;
  provider?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

export interface Violation {
  policy: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
}

class NotApplicable extends Error {}

type ResourceClass = { new (...rest: never[]): Resource; isInstance?: (obj: unknown) => boolean };

/** CrossGuard's own test: the class's static type token, else its `isInstance`. */
function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
  const token = (resourceClass as { __pulumiType?: unknown }).__pulumiType;
  if (typeof token === "string" && token.length > 0) return token === type;
  return resourceClass.isInstance?.({ __pulumiType: type }) === true;
}

function isResourcePolicy(p: Policy): p is ResourceValidationPolicy {
  return "validateResource" in p;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return "validateStack" in p;
}

function levelOf(policy: Policy, config: PolicyPackConfig): EnforcementLevel {
  const c = config[policy.name];
  const configured = typeof c === "string" ? c : c?.enforcementLevel;
  const level = configured ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
  return level === "remediate" ? "mandatory" : level;
}

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });

/** The policy's config: schema defaults, overridden by the pack config, checked against the schema. */
export function policyConfig(policy: Policy, config: PolicyPackConfig): Record<string, unknown> {
  const c = config[policy.name];
  const given: Record<string, unknown> = typeof c === "object" && c !== null ? { ...c } : {};
  delete given.enforcementLevel;
  if (!policy.configSchema) return given;
  const validate = ajv.compile({ type: "object", ...policy.configSchema });
  if (!validate(given)) {
    throw new Error(`invalid config for policy ${policy.name}: ${ajv.errorsText(validate.errors)}`);
  }
  return given;
}

function options(r: EvaluatedResource): PolicyResourceOptions & { retainOnDelete?: boolean } {
  return {
    protect: r.protect,
    ...(r.retainOnDelete === undefined ? {} : { retainOnDelete: r.retainOnDelete }),
    ignoreChanges: r.ignoreChanges,
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: r.parent,
  };
}

function providerOf(r: EvaluatedResource, byUrn: Map<string, EvaluatedResource>) {
  if (!r.provider) return undefined;
  const p = byUrn.get(r.provider);
  const name = r.provider.split("::").pop() ?? "";
  const type = r.provider.split("::")[2]?.split("$").pop() ?? "";
  return { type, name, urn: r.provider, props: p?.outputs ?? {} };
}

/** What resource and stack policies both see of a resource: its props (a private copy) and identity. */
function view(r: EvaluatedResource, props: Record<string, unknown>, byUrn: Map<string, EvaluatedResource>) {
  const copy = structuredClone(props);
  recordSecretPaths(copy, r.secretPaths);
  return {
    type: r.type,
    props: copy,
    urn: r.urn,
    name: r.name,
    opts: options(r),
    provider: providerOf(r, byUrn),
    isType: (cls: ResourceClass) => isTypeOf(r.type, cls),
    asType: (cls: ResourceClass) => (isTypeOf(r.type, cls) ? copy : undefined) as never,
  };
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason ?? "not applicable");
}

export async function evaluatePolicies(
  policies: Policies,
  resources: EvaluatedResource[],
  config: PolicyPackConfig,
): Promise<Violation[]> {
  const known = new Set(policies.map((p) => p.name));
  const unknown = Object.keys(config).filter((name) => name !== "all" && !known.has(name));
  if (unknown.length) throw new Error(`policy config names unknown policies: ${unknown.join(", ")}`);
  const violations: Violation[] = [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  // One copy of each resource's props for all policies (policies read, never write, their props).
  const inputViews = new Map<string, ReturnType<typeof view>>();
  const outputViews = new Map<string, ReturnType<typeof view>>();
  const viewOf = (r: EvaluatedResource, side: "inputs" | "outputs") => {
    const cache = side === "inputs" ? inputViews : outputViews;
    let v = cache.get(r.urn);
    if (!v) {
      v = view(r, r[side], byUrn);
      cache.set(r.urn, v);
    }
    return v;
  };
  const stackTags = new Map<string, string>();

  for (const policy of policies) {
    const enforcementLevel = levelOf(policy, config);
    if (enforcementLevel === "disabled") continue;
    const settings = policyConfig(policy, config);
    const report = (urn?: string) => (message: string, reportedUrn?: string) =>
      violations.push({
        policy: policy.name,
        description: policy.description,
        enforcementLevel,
        message,
        urn: reportedUrn ?? urn,
      });

    if (isResourcePolicy(policy) && policy.validateResource) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const r of resources) {
        const args: ResourceValidationArgs = {
          ...viewOf(r, "inputs"),
          stackTags,
          getConfig: <T extends object>() => settings as T,
          notApplicable: throwNotApplicable,
        };
        for (const validation of validations) {
          try {
            await validation(args, report(r.urn));
          } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
          }
        }
      }
    } else if (isStackPolicy(policy)) {
      const policyResources = new Map<string, PolicyResource>();
      for (const r of resources) {
        policyResources.set(r.urn, {
          ...viewOf(r, "outputs"),
          dependencies: [],
          propertyDependencies: {},
        });
      }
      for (const r of resources) {
        const pr = policyResources.get(r.urn)!;
        pr.parent = r.parent ? policyResources.get(r.parent) : undefined;
        pr.dependencies = r.dependencies.flatMap((d) => policyResources.get(d) ?? []);
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
          pr.propertyDependencies[k] = urns.flatMap((d) => policyResources.get(d) ?? []);
        }
      }
      try {
        await policy.validateStack(
          {
            resources: [...policyResources.values()],
            stackTags,
            getConfig: <T extends object>() => settings as T,
            notApplicable: throwNotApplicable,
          },
          report(undefined),
        );
      } catch (err) {
        if (!(err instanceof NotApplicable)) throw err;
      }
    }
  }
  return violations;
}
