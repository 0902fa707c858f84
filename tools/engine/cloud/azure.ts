/** azure as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const azureOutputs: Record<string, ResourceOutputs> = {};
export const azureInvokes: Record<string, InvokeAnswer> = {};
