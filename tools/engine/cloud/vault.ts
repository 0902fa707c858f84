/** vault as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const vaultOutputs: Record<string, ResourceOutputs> = {};
export const vaultInvokes: Record<string, InvokeAnswer> = {};
