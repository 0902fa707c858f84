/** gcpCompute as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const gcpComputeOutputs: Record<string, ResourceOutputs> = {};
export const gcpComputeInvokes: Record<string, InvokeAnswer> = {};
