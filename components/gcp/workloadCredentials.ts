/**
 * The credentials file of a workload that acts as a GCP service account, in either mode of
 * gcpServiceAccountKeys: keyless, the external_account configuration that exchanges the workload's
 * projected token (federateServiceAccount); with keys allowed, a key of the account, replaced on the
 * stack's rotation schedule. Google's client libraries read either file the same way.
 */
import type { Provider as GcpProvider } from "@pulumi/gcp/provider";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";
import { federateServiceAccount, type FederationArgs, type GcpWorkloadIdentity } from "./workloadIdentity";

export interface WorkloadCredentialsArgs {
  identity: GcpWorkloadIdentity;
  /** The GCP service account the workload acts as: impersonated keyless, else the key's owner. */
  account: serviceaccount.Account;
  /** Keyless: the federation's resource names start with this. */
  federationName: string;
  /** Keyless: the pool and the one Kubernetes service account it admits (the issuer is the identity's). */
  federation: Omit<FederationArgs, "issuer" | "impersonate">;
  /** Keyless: where the workload's projected token is mounted. */
  tokenPath: string;
  /** Keys allowed: the key's resource name (its rotation schedule is named after it). */
  keyName: string;
  /** Keys allowed: how often the key is replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** The file as text, or base64 as a Kubernetes Secret's `data` takes it. */
  encoding: "text" | "base64";
}

/**
 * The file, in `args.encoding`; secret with a key. `opts` carries the component's parent, its GCP
 * provider and the APIs the federation or the key waits for.
 */
export function workloadCredentialsFile(
  args: WorkloadCredentialsArgs,
  opts: { parent: pulumi.Resource; provider: GcpProvider; dependsOn: pulumi.Resource[] },
): pulumi.Output<string> {
  const { identity } = args;
  if (identity.mode === "keyless") {
    const config = federateServiceAccount(
      args.federationName,
      { ...args.federation, issuer: identity.issuer, impersonate: args.account },
      opts,
    ).credentialConfig(args.tokenPath);
    return args.encoding === "text" ? config : config.apply((json) => Buffer.from(json).toString("base64"));
  }
  const rotation = rotationSchedule(args.keyName, args.credentialRotation, opts.parent);
  const key = new serviceaccount.Key(
    args.keyName,
    {
      serviceAccountId: args.account.name,
      keyAlgorithm: "KEY_ALG_RSA_2048",
      privateKeyType: "TYPE_GOOGLE_CREDENTIALS_FILE",
      keepers: rotation.keepers,
    },
    // The SDK already marks `privateKey` secret; stated so the state never depends on it.
    { ...opts, additionalSecretOutputs: ["privateKey"], ...rotation.options },
  );
  // `privateKey` is the credentials file in base64.
  return pulumi.secret(
    args.encoding === "base64"
      ? key.privateKey
      : key.privateKey.apply((encoded) => Buffer.from(encoded, "base64").toString("utf8")),
  );
}
