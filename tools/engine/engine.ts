/**
 * The engine: runs the real program (stacks/index.ts) for a named stack under Pulumi's mock
 * engine, with the stack's real config and the simulated cloud, and returns what it registered.
 * The offline plan, the benchmark and the tests all run the program through this one function.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { hasErrors } from "@pulumi/pulumi/log";
import { RecordingMonitor } from "./recordingMonitor";
import { SimulatedCloud } from "./simulatedCloud";
import { simulatedApiServer } from "./cloud/kubernetesApi";
import { answerApiServerWith } from "../../components/cluster/serviceAccountIssuer";
import { loadStackSettings, type ConfigMutation, type StackSettings } from "./stackSettings";
import { STACK_TYPE, type Plan } from "./plan";
import program = require("../../stacks/index");

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

// What the program asks a cluster's API server directly (not through a provider) goes to the
// simulated cluster, as invokes go to the simulated cloud.
answerApiServerWith(simulatedApiServer);
const ORGANIZATION = "organization";

export interface PlanOptions {
  stack: string;
  /** Directory holding Pulumi.yaml; the repository root by default. */
  root?: string;
  /** Edits the stack's config (namespaced key → value) before the program sees it. */
  mutateConfig?: ConfigMutation;
  /** Outputs of the stack's previous update, as a StackReference to itself reads them; none by default. */
  priorOutputs?: Record<string, unknown>;
  /**
   * Plan as the first `pulumi preview` of a new stack sees it: the program runs as a preview and
   * every value a provider computes is unknown (SimulatedCloud's firstPreview).
   */
  firstPreview?: boolean;
}

/** The program failed: `plan` holds whatever it registered before failing. */
export class PlanError extends Error {
  constructor(
    message: string,
    readonly plan: Plan,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = "PlanError";
  }
}

// One program run at a time: Pulumi's runtime settings are process-wide.
let queue: Promise<unknown> = Promise.resolve();

function serialised<T>(fn: () => Promise<T>): Promise<T> {
  const run = queue.then(fn);
  queue = run.catch(() => undefined);
  return run;
}

export function planStack(options: PlanOptions): Promise<Plan> {
  return serialised(() => runOnce(options));
}

function runOnce(options: PlanOptions): Promise<Plan> {
  const settings = loadStackSettings(options.root ?? PROJECT_ROOT, options.stack, options.mutateConfig);
  return runProgram(settings, program, options.priorOutputs, options.firstPreview ?? false);
}

/**
 * `value` with every Output in it (through plain objects and arrays) made to report its failure to
 * `onError` and resolve to nothing instead, so the registration that reads it goes on and the run
 * ends with the error rather than waiting forever on the failed resource.
 */
function guardOutputs(value: unknown, onError: (err: unknown) => void, depth = 0): unknown {
  if (pulumi.Output.isInstance(value)) {
    return pulumi.recover(value, (err: unknown) => {
      onError(err);
      return undefined;
    });
  }
  if (depth > 16) return value;
  if (Array.isArray(value)) return value.map((v) => guardOutputs(v, onError, depth + 1));
  if (typeof value === "object" && value !== null) {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, guardOutputs(v, onError, depth + 1)]),
    );
  }
  return value;
}

/** Any program: the stack entry, or in tests a few resources built with the real SDK classes. */
export type Program = () => Promise<Record<string, unknown> | void>;

/**
 * Runs `programFn` under the mock engine with the given settings and records what it registers.
 * Serialised with planStack: Pulumi's runtime settings are process-wide.
 */
export function runIsolated(settings: StackSettings, programFn: Program): Promise<Plan> {
  return serialised(() => runProgram(settings, programFn));
}

async function runProgram(
  settings: StackSettings,
  programFn: Program,
  priorOutputs?: Record<string, unknown>,
  firstPreview = false,
): Promise<Plan> {
  const cloud = new SimulatedCloud(priorOutputs, firstPreview);
  const monitor = new RecordingMonitor(cloud);
  // "organization" is what a self-managed backend calls every stack's organization.
  await pulumi.runtime.setMocks(cloud, settings.project, settings.stack, firstPreview, ORGANIZATION);
  pulumi.runtime.setMockOptions(monitor, settings.project, settings.stack, firstPreview, ORGANIZATION);
  pulumi.runtime.setAllConfig(settings.config, settings.secretKeys);

  const plan: Plan = {
    project: settings.project,
    stack: settings.stack,
    resources: monitor.recorded,
    outputs: {},
    outputSecretPaths: [],
  };
  const asyncErrors: unknown[] = [];
  // An error thrown inside an `apply` that feeds a resource's inputs rejects that registration and
  // leaves every resource waiting on it pending forever; the CLI's language host reports such an
  // unhandled rejection and stops the program, so the first one ends the run here too.
  let abort: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => (abort = reject));
  aborted.catch(() => undefined);
  const onRejection = (reason: unknown) => {
    asyncErrors.push(reason);
    abort(reason);
  };
  process.on("unhandledRejection", onRejection);
  const onApplyError = (err: unknown) => {
    if (!asyncErrors.includes(err)) asyncErrors.push(err);
  };
  try {
    // The program's own failure is caught inside the stack, so the runtime is not left holding
    // rejected promises that nobody awaits; it is rethrown once the run has settled.
    let programError: { error: unknown } | undefined;
    const run = pulumi.runtime.runInPulumiStack(async () => {
      // Node reports such a rejection only to the real process (a test runner keeps it to
      // itself), so every resource's Output inputs are also guarded directly.
      pulumi.runtime.registerStackTransformation((args) => ({
        props: Object.fromEntries(
          Object.entries(args.props).map(([k, v]) => [k, guardOutputs(v, onApplyError)]),
        ),
        opts: args.opts,
      }));
      try {
        return (await programFn()) ?? {};
      } catch (error) {
        programError = { error };
        return {};
      }
    });
    // Waiting for outstanding registrations is where a failed one would hang.
    await Promise.race([run.then(() => pulumi.runtime.disconnect()), aborted]);
    if (programError) throw programError.error;
    if (asyncErrors.length > 0) throw asyncErrors[0];
    if (hasErrors()) throw new Error("the program logged errors (see above)");
    const stackUrn = monitor.recorded.find((r) => r.type === STACK_TYPE)?.urn;
    const stackOutputs = stackUrn ? monitor.registeredOutputs.get(stackUrn) : undefined;
    plan.outputs = stackOutputs?.outputs ?? {};
    plan.outputSecretPaths = stackOutputs?.secretPaths ?? [];
    return plan;
  } catch (err) {
    // After an abort, registrations that wait on the failed one never finish, so waiting for
    // outstanding RPCs would hang: drop them, as the CLI does when the program stops.
    if (asyncErrors.length > 0) pulumi.runtime.disconnectSync();
    else await pulumi.runtime.disconnect().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new PlanError(message, plan, err);
  } finally {
    // Failed runs leave rejected promises inside the runtime; let them surface here, not later.
    await new Promise((resolve) => setImmediate(resolve));
    process.off("unhandledRejection", onRejection);
  }
}
