/**
 * Runs the pack's policy objects — the same ones `pulumi preview --policy-pack policies` serves —
 * over resources recorded by the offline plan, with CrossGuard's semantics: the config reconciled
 * as the CLI does (./packConfig.ts), then enforcement level from it, the policy, the pack;
 * `notApplicable` skips; resource policies see inputs, stack policies see outputs.
 */
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
import { parsePackConfigFile, policyInfos, reconcilePackConfig } from "./packConfig";
import { NotYetDecidable } from "./notYetDecidable";
import { recordSecretPaths } from "./secrets";
import { containsUnknown, unknownCheckingProps, unknownPathOf } from "./unknowns";

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
  /** Set only where the program set it, as the CLI marks it (deleteBeforeReplaceDefined). */
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs?: string[];
  customTimeouts?: { createSeconds: number; updateSeconds: number; deleteSeconds: number };
  parent?: string;
  /** URN of the resource's explicit provider (a resource of this set). */
  provider?: string;
  /** Without an explicit provider: the engine's default provider for the package, by URN. */
  defaultProvider?: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
}

export interface Violation {
  policy: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  message: string;
  urn?: string;
  /**
   * Set when the policy could not decide because it read a value unknown during a preview: the
   * property path it read. CrossGuard reports such a policy as advisory, so it blocks nothing.
   */
  undecided?: string;
}

class NotApplicable extends Error {}

type ResourceClass = { new (...rest: never[]): Resource; isInstance?: (obj: unknown) => boolean };

/** CrossGuard's own test: the class's static type token, else its `isInstance`. */
export function isTypeOf(type: string, resourceClass: ResourceClass): boolean {
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

/** The options as CrossGuard's server builds them from the CLI's AnalyzerResourceOptions. */
function options(r: EvaluatedResource): PolicyResourceOptions & { retainOnDelete?: boolean } {
  return {
    protect: r.protect,
    ...(r.retainOnDelete === undefined ? {} : { retainOnDelete: r.retainOnDelete }),
    ignoreChanges: r.ignoreChanges,
    aliases: [],
    customTimeouts: r.customTimeouts ?? { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: r.additionalSecretOutputs ?? [],
    ...(r.deleteBeforeReplace !== undefined ? { deleteBeforeReplace: r.deleteBeforeReplace } : {}),
    ...(r.parent ? { parent: r.parent } : {}),
  };
}

/** The provider as the CLI sends it: URN, type, name and the provider's inputs. */
function providerOf(r: EvaluatedResource, byUrn: Map<string, EvaluatedResource>) {
  const urn = r.provider ?? r.defaultProvider;
  if (!urn) return undefined;
  const p = r.provider ? byUrn.get(r.provider) : undefined;
  const props = structuredClone(p?.inputs ?? {});
  recordSecretPaths(props, p?.secretPaths ?? []);
  const type = p?.type ?? urn.split("::")[2]?.split("$").pop() ?? "";
  return { type, name: urn.split("::").pop() ?? "", urn, props };
}

/** What resource and stack policies both see of a resource: its props (a private copy) and identity. */
function view(r: EvaluatedResource, props: Record<string, unknown>, byUrn: Map<string, EvaluatedResource>) {
  const clone = structuredClone(props);
  recordSecretPaths(clone, r.secretPaths);
  // Behind CrossGuard's proxy only when something is unknown: reading it then throws, as under the CLI.
  const copy = containsUnknown(clone) ? unknownCheckingProps(clone) : clone;
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
  // What the CLI would send in Configure for this file; the levels and settings below are then
  // read from it exactly as the pack's server reads them.
  const configured = reconcilePackConfig(policyInfos(policies), parsePackConfigFile(config));
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
    const entry = configured[policy.name];
    const level = entry?.enforcementLevel || policy.enforcementLevel || PACK_ENFORCEMENT_LEVEL;
    if (level === "disabled") continue;
    const enforcementLevel = level === "remediate" ? "mandatory" : level;
    const settings = entry?.properties ?? {};
    const report = (urn?: string) => (message: string, reportedUrn?: string) =>
      violations.push({
        policy: policy.name,
        description: policy.description,
        enforcementLevel,
        message,
        urn: reportedUrn ?? urn,
      });
    /** What CrossGuard reports for a policy that read an unknown value; rethrows anything else. */
    // A rule that read a value unknown during preview, through the props (./unknowns.ts) or in a
    // Release's placeholder render (./releaseChecks.ts): advisory, as CrossGuard's server reports it.
    const undecided = (err: unknown, urn?: string) => {
      const path = err instanceof NotYetDecidable ? (err.path ?? "values") : unknownPathOf(err);
      if (path === undefined) {
        if (err instanceof NotApplicable) return;
        throw err;
      }
      violations.push({
        policy: policy.name,
        description: policy.description,
        enforcementLevel: "advisory",
        message: `can't run policy '${policy.name}' during preview: ${err instanceof Error ? err.message : path}`,
        urn,
        undecided: path,
      });
    };

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
            undecided(err, r.urn);
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
        undecided(err);
      }
    }
  }
  return violations;
}
