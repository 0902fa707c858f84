/** gcp as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const gcpOutputs: Record<string, ResourceOutputs> = {};
export const gcpInvokes: Record<string, InvokeAnswer> = {};
