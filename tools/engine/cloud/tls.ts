/**
 * tls as the simulated cloud answers it: keys, CSRs and certificates as PEM blocks that are plainly
 * marked simulated (their base64 decodes to a sentence saying so), derived from the resource's name.
 */
import { record, stableHex, str, type InvokeAnswer, type ResourceOutputs, type State } from "./common";

/** A PEM block whose content says it is simulated; never parseable as a real key or certificate. */
export function simulatedPem(label: string, ...parts: string[]): string {
  const text = `SIMULATED ${label} - offline plan placeholder, not a real key or certificate [${parts.join(" ")}] ${stableHex(48, label, ...parts)}`;
  const lines =
    Buffer.from(text)
      .toString("base64")
      .match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`, ""].join("\n");
}

/** A certificate serial as the providers print it (decimal, from 128 random bits). */
function serial(...parts: string[]): string {
  return BigInt(`0x${stableHex(32, ...parts)}`).toString(10);
}

const VALID_FROM = "2026-01-01T00:00:00Z";

function validity(inputs: State): State {
  const hours = typeof inputs.validityPeriodHours === "number" ? inputs.validityPeriodHours : 0;
  const end = new Date(Date.parse(VALID_FROM) + hours * 3600_000).toISOString().replace(".000Z", "Z");
  return { validityStartTime: VALID_FROM, validityEndTime: end, readyForRenewal: false };
}

function privateKey(name: string, inputs: State): State {
  const algorithm = str(inputs.algorithm, "RSA");
  return {
    ...inputs,
    id: stableHex(40, "tls-key", name),
    privateKeyPem: simulatedPem("PRIVATE KEY", "tls", name),
    privateKeyPemPkcs8: simulatedPem("PRIVATE KEY", "tls", name, "pkcs8"),
    privateKeyOpenssh: simulatedPem("OPENSSH PRIVATE KEY", "tls", name),
    publicKeyPem: simulatedPem("PUBLIC KEY", "tls", name),
    publicKeyOpenssh: `${algorithm === "RSA" ? "ssh-rsa" : "ecdsa-sha2-nistp256"} ${Buffer.from(`simulated ${name}`).toString("base64")}\n`,
    publicKeyFingerprintMd5: (stableHex(32, "md5", name).match(/../g) ?? []).join(":"),
    publicKeyFingerprintSha256: `SHA256:${Buffer.from(stableHex(32, "sha256", name), "hex")
      .toString("base64")
      .replace(/=+$/, "")}`,
  };
}

export const tlsOutputs: Record<string, ResourceOutputs> = {
  "tls:index/privateKey:PrivateKey": privateKey,
  "tls:index/selfSignedCert:SelfSignedCert": (name, inputs) => ({
    ...inputs,
    id: serial("tls-cert", name),
    certPem: simulatedPem("CERTIFICATE", "self-signed", name, str(record(inputs.subject).commonName, name)),
    ...validity(inputs),
  }),
  "tls:index/locallySignedCert:LocallySignedCert": (name, inputs) => ({
    ...inputs,
    id: serial("tls-cert", name),
    certPem: simulatedPem("CERTIFICATE", "locally-signed", name),
    ...validity(inputs),
  }),
  "tls:index/certRequest:CertRequest": (name, inputs) => ({
    ...inputs,
    id: stableHex(40, "tls-csr", name),
    certRequestPem: simulatedPem("CERTIFICATE REQUEST", "tls", name),
  }),
};

export const tlsInvokes: Record<string, InvokeAnswer> = {};
