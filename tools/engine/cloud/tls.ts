/** tls as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const tlsOutputs: Record<string, ResourceOutputs> = {};
export const tlsInvokes: Record<string, InvokeAnswer> = {};
