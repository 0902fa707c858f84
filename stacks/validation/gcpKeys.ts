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

/** What needs a key, in which project. */
export interface KeyNeed {
  project: string;
  holder: string;
}

export interface KeyConfig {
  gcpServiceAccountKeys: ServiceAccountKeyMode;
  pki: { openbao: { autoUnseal: { gcpProject: string } } };
  confidential: { gcp: { enabled: boolean; project?: string } };
  externalSecrets: { gcpProject: string };
}

export const KEY_ORG_POLICY = "constraints/iam.disableServiceAccountKeyCreation";

/** Every GCP identity a workload on the cluster holds, and its project. */
export function gcpIdentityHolders(c: Omit<KeyConfig, "gcpServiceAccountKeys">): KeyNeed[] {
  const holders: KeyNeed[] = [
    {
      project: c.pki.openbao.autoUnseal.gcpProject,
      holder: "OpenBao's Cloud KMS auto-unseal (created by the program)",
    },
  ];
  if (c.confidential.gcp.enabled && c.confidential.gcp.project)
    holders.push({
      project: c.confidential.gcp.project,
      holder: "Backends' CVM launcher (created by the program)",
    });
  holders.push({
    project: c.externalSecrets.gcpProject,
    holder: "External Secrets' Secret Manager reader (the externalSecretsGcpCredentials you create)",
  });
  return holders;
}

/** The keys the stack needs: none when keyless. */
export function serviceAccountKeyNeeds(c: KeyConfig): KeyNeed[] {
  return c.gcpServiceAccountKeys === "allowed" ? gcpIdentityHolders(c) : [];
}

/**
 * With keys allowed, External Secrets reads Secret Manager with the key the operator supplies;
 * the message when it is missing, undefined when fine.
 */
export function externalSecretsKeyProblem(
  c: KeyConfig & { externalSecretsGcpCredentials?: string },
): string | undefined {
  if (c.gcpServiceAccountKeys !== "allowed" || c.externalSecretsGcpCredentials) return undefined;
  return (
    `must be set with \`pulumi config set --secret externalSecretsGcpCredentials\` when prism:gcpServiceAccountKeys is "allowed": ` +
    `External Secrets then reads Secret Manager in ${c.externalSecrets.gcpProject} with that key ` +
    `(the org policy ${KEY_ORG_POLICY} must not be enforced there); "keyless" needs no key`
  );
}
