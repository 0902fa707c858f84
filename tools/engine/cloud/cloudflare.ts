/** cloudflare as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import type { InvokeAnswer, ResourceOutputs } from "./common";

export const cloudflareOutputs: Record<string, ResourceOutputs> = {};
export const cloudflareInvokes: Record<string, InvokeAnswer> = {};
