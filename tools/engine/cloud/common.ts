/** Helpers shared by the simulated cloud's per-provider tables. */
import { createHash } from "crypto";
import { isUnknown } from "@pulumi/pulumi/output";
import { isRpcSecret, unknownValue, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";

export type State = Record<string, unknown>;
/** Outputs of a resource type, from its logical name and (unwrapped) inputs. */
export type ResourceOutputs = (name: string, inputs: State) => State;
/** The answer to an invoke, from its (unwrapped) arguments. */
export type InvokeAnswer = (inputs: State) => State;

/** Deterministic hex derived from the parts; the same inputs always give the same ids. */
export function stableHex(length: number, ...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, length);
}

export function stableUuid(...parts: string[]): string {
  const h = stableHex(32, ...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Deep copy of inputs with Pulumi's secret wrappers removed, for deriving outputs; a value unknown
 * in a preview becomes the engine's unknown sentinel (a string), as the CLI sends it to analyzers.
 */
export function plain(value: unknown): unknown {
  if (isUnknown(value)) return unknownValue;
  if (isRpcSecret(value)) return plain(unwrapRpcSecret(value));
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export function record(value: unknown): State {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as State) : {};
}

export function str(value: unknown, fallback: string): string {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}
