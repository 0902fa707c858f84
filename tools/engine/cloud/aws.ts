/** aws as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const awsOutputs: Record<string, ResourceOutputs> = {};
export const awsInvokes: Record<string, InvokeAnswer> = {};
