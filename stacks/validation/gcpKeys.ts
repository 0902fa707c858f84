/**
 * GCP service-account keys. Organisations created since 2024 enforce the org policy
 * `iam.disableServiceAccountKeyCreation` by default, and a key creation it blocks fails midway
 * through `pulumi up`. The workloads that hold these keys run on DOKS, outside GCP, where no keyless
 * identity exists without federating the cluster's service-account issuer, so the stack says
 * up front that it needs keys, and in which projects, unless the operator has confirmed they may
 * be created (`gcpServiceAccountKeys: allowed`).
 */

/** What needs a key, in which project. */
export interface KeyNeed {
  project: string;
  holder: string;
}

export interface KeyConfig {
  gcpServiceAccountKeys?: "allowed";
  pki: { openbao: { autoUnseal: { gcpProject: string } } };
  confidential: { gcp: { enabled: boolean; project?: string } };
  externalSecrets: { gcpProject: string };
}

export const KEY_ORG_POLICY = "constraints/iam.disableServiceAccountKeyCreation";

export function serviceAccountKeyNeeds(c: KeyConfig): KeyNeed[] {
  const needs: KeyNeed[] = [
    {
      project: c.pki.openbao.autoUnseal.gcpProject,
      holder: "OpenBao's Cloud KMS auto-unseal (created by the program)",
    },
  ];
  if (c.confidential.gcp.enabled && c.confidential.gcp.project)
    needs.push({
      project: c.confidential.gcp.project,
      holder: "Backends' CVM launcher (created by the program)",
    });
  needs.push({
    project: c.externalSecrets.gcpProject,
    holder: "External Secrets' Secret Manager reader (the externalSecretsGcpCredentials you create)",
  });
  return needs;
}

/** The message for a stack that needs keys without having confirmed they may be created; undefined when fine. */
export function serviceAccountKeyProblem(c: KeyConfig): string | undefined {
  if (c.gcpServiceAccountKeys === "allowed") return undefined;
  const needs = serviceAccountKeyNeeds(c);
  const projects = [...new Set(needs.map((n) => n.project))];
  return (
    `is unset, but this stack needs GCP service-account keys: ${needs.map((n) => `${n.holder} in ${n.project}`).join("; ")}. ` +
    `Organisations created since 2024 block key creation with the org policy ${KEY_ORG_POLICY}, and a blocked key fails \`pulumi up\` midway. ` +
    `Allowed: "allowed", once an organisation policy administrator has exempted ${projects.join(", ")} ` +
    `(gcloud resource-manager org-policies disable-enforce iam.disableServiceAccountKeyCreation --project=<project>) or confirmed the policy is not enforced there`
  );
}
