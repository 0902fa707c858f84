/**
 * gcp as the simulated cloud answers it: KMS key rings and keys, service accounts and their keys,
 * IAM members and enabled APIs, with the ids and derived fields the Google API returns.
 */
import { stableHex, str, type InvokeAnswer, type ResourceOutputs, type State } from "./common";
import { simulatedPem } from "./tls";

/** `projects/<p>/serviceAccounts/<email>` (or the bare email) → project and email. */
function parseAccount(ref: string): { project: string; email: string } {
  const match = /^projects\/([^/]+)\/serviceAccounts\/(.+)$/.exec(ref);
  const email = match ? match[2] : ref;
  const project = match ? match[1] : (/@([^.]+)\.iam\.gserviceaccount\.com$/.exec(email)?.[1] ?? "project");
  return { project, email };
}

function numericId(length: number, ...parts: string[]): string {
  return BigInt(`0x${stableHex(24, ...parts)}`)
    .toString(10)
    .padStart(length, "1")
    .slice(0, length);
}

function serviceAccountKey(name: string, inputs: State): State {
  const { project, email } = parseAccount(str(inputs.serviceAccountId, "account"));
  const keyId = stableHex(40, "sa-key", name);
  // What Google returns: a base64-encoded credentials file. This one is marked simulated.
  const credentials = {
    type: "service_account",
    project_id: project,
    private_key_id: keyId,
    private_key: simulatedPem("PRIVATE KEY", "gcp", name),
    client_email: email,
    client_id: numericId(21, "sa", email),
    token_uri: "https://oauth2.googleapis.com/token",
    simulated: true,
  };
  return {
    ...inputs,
    id: `projects/${project}/serviceAccounts/${email}/keys/${keyId}`,
    name: `projects/${project}/serviceAccounts/${email}/keys/${keyId}`,
    keyAlgorithm: str(inputs.keyAlgorithm, "KEY_ALG_RSA_2048"),
    privateKeyType: str(inputs.privateKeyType, "TYPE_GOOGLE_CREDENTIALS_FILE"),
    publicKeyType: "TYPE_X509_PEM_FILE",
    privateKey: Buffer.from(JSON.stringify(credentials, null, 2)).toString("base64"),
    publicKey: Buffer.from(simulatedPem("CERTIFICATE", "gcp", name)).toString("base64"),
    validAfter: "2026-01-01T00:00:00Z",
    validBefore: "9999-12-31T23:59:59Z",
  };
}

export const gcpOutputs: Record<string, ResourceOutputs> = {
  "gcp:projects/service:Service": (name, inputs) => ({
    ...inputs,
    id: `${str(inputs.project, "project")}/${str(inputs.service, name)}`,
  }),
  "gcp:kms/keyRing:KeyRing": (name, inputs) => {
    const id = `projects/${str(inputs.project, "project")}/locations/${str(inputs.location, "global")}/keyRings/${str(inputs.name, name)}`;
    return { ...inputs, id, name: str(inputs.name, name) };
  },
  "gcp:kms/cryptoKey:CryptoKey": (name, inputs) => {
    const id = `${str(inputs.keyRing, "keyRing")}/cryptoKeys/${str(inputs.name, name)}`;
    return {
      ...inputs,
      id,
      name: str(inputs.name, name),
      primaries: [{ name: `${id}/cryptoKeyVersions/1`, state: "ENABLED" }],
      effectiveLabels: inputs.labels ?? {},
    };
  },
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": (_name, inputs) => ({
    ...inputs,
    id: `${str(inputs.cryptoKeyId, "key")}/${str(inputs.role, "role")}/${str(inputs.member, "member")}`,
    etag: `BwY${stableHex(9, str(inputs.cryptoKeyId, ""), str(inputs.role, ""), str(inputs.member, ""))}=`,
  }),
  "gcp:serviceaccount/account:Account": (name, inputs) => {
    const project = str(inputs.project, "project");
    const email = `${str(inputs.accountId, name)}@${project}.iam.gserviceaccount.com`;
    return {
      ...inputs,
      id: `projects/${project}/serviceAccounts/${email}`,
      name: `projects/${project}/serviceAccounts/${email}`,
      email,
      member: `serviceAccount:${email}`,
      uniqueId: numericId(21, "sa", email),
      disabled: false,
    };
  },
  "gcp:serviceaccount/key:Key": serviceAccountKey,
};

export const gcpInvokes: Record<string, InvokeAnswer> = {};
