/**
 * GCP service-account keys. Organisations created since 2024 enforce the org policy
 * `iam.disableServiceAccountKeyCreation` by default, and a key creation it blocks fails midway
 * through `pulumi up`. So the workloads on DOKS that call GCP (OpenBao's auto-unseal, Backends'
 * CVM launcher, External Secrets) are keyless by default: workload identity federation with the
 * cluster's service-account token issuer (components/gcp/workloadIdentity.ts). Keys remain an
 * explicit choice (`gcpServiceAccountKeys: allowed`) for an organisation that permits them.
 */

/** keyless: workload identity federation, no key anywhere; allowed: service-account keys, as before federation. */
export const SERVICE_ACCOUNT_KEY_MODES = ["keyless", "allowed"] as const;
export type ServiceAccountKeyMode = (typeof SERVICE_ACCOUNT_KEY_MODES)[number];

/** The message for a value that is neither mode. */
export const SERVICE_ACCOUNT_KEY_MODE_MESSAGE =
  `must be "keyless" (the default: workload identity federation, no service-account keys) or "allowed" ` +
  `(service-account keys, only where the org policy iam.disableServiceAccountKeyCreation is not enforced)`;

/** What the External Secrets key check reads of the stack's configuration. */
export interface KeyConfig {
  gcpServiceAccountKeys: ServiceAccountKeyMode;
  externalSecrets: { gcpProject: string };
  externalSecretsGcpCredentials?: string;
}

export const KEY_ORG_POLICY = "constraints/iam.disableServiceAccountKeyCreation";

/**
 * With keys allowed, External Secrets reads Secret Manager with the key the operator supplies;
 * the message when it is missing, undefined when fine.
 */
export function externalSecretsKeyProblem(c: KeyConfig): string | undefined {
  if (c.gcpServiceAccountKeys !== "allowed" || c.externalSecretsGcpCredentials) return undefined;
  return (
    `must be set with \`pulumi config set --secret externalSecretsGcpCredentials\` when prism:gcpServiceAccountKeys is "allowed": ` +
    `External Secrets then reads Secret Manager in ${c.externalSecrets.gcpProject} with that key ` +
    `(the org policy ${KEY_ORG_POLICY} must not be enforced there); "keyless" needs no key`
  );
}
