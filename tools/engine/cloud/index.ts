/** Every provider table of the simulated cloud; add a provider's file here. */
import type { InvokeAnswer, ResourceOutputs } from "./common";
import { digitaloceanInvokes, digitaloceanOutputs } from "./digitalocean";

export const RESOURCE_OUTPUTS: Record<string, ResourceOutputs> = { ...digitaloceanOutputs };
export const INVOKE_ANSWERS: Record<string, InvokeAnswer> = { ...digitaloceanInvokes };
