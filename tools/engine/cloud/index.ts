/** Every provider table of the simulated cloud; each provider's answers live in its own file. */
import { awsInvokes, awsOutputs } from "./aws";
import { azureInvokes, azureOutputs } from "./azure";
import { ciTrustOutputs } from "./ciTrust";
import { cloudflareInvokes, cloudflareOutputs } from "./cloudflare";
import type { InvokeAnswer, ResourceOutputs } from "./common";
import { digitaloceanInvokes, digitaloceanOutputs } from "./digitalocean";
import { gcpInvokes, gcpOutputs } from "./gcp";
import { gcpComputeInvokes, gcpComputeOutputs } from "./gcpCompute";
import { randomInvokes, randomOutputs } from "./random";
import { timeOutputs } from "./time";
import { tlsInvokes, tlsOutputs } from "./tls";
import { vaultInvokes, vaultOutputs } from "./vault";

export const RESOURCE_OUTPUTS: Record<string, ResourceOutputs> = {
  ...digitaloceanOutputs,
  ...cloudflareOutputs,
  ...gcpOutputs,
  ...tlsOutputs,
  ...vaultOutputs,
  ...azureOutputs,
  ...awsOutputs,
  ...gcpComputeOutputs,
  ...randomOutputs,
  ...ciTrustOutputs,
  ...timeOutputs,
};
export const INVOKE_ANSWERS: Record<string, InvokeAnswer> = {
  ...digitaloceanInvokes,
  ...cloudflareInvokes,
  ...gcpInvokes,
  ...tlsInvokes,
  ...vaultInvokes,
  ...azureInvokes,
  ...awsInvokes,
  ...gcpComputeInvokes,
  ...randomInvokes,
};
