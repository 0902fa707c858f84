/**
 * vault (OpenBao through the Vault API) as the simulated cloud answers it: mount accessors, the CA
 * certificates and CSRs the PKI engine generates (PEM blocks marked simulated), issuer and key ids.
 * Roles, policies, URL and CRL configuration echo their inputs with the ids the provider uses.
 */
import { stableHex, stableUuid, str, type InvokeAnswer, type ResourceOutputs } from "./common";
import { simulatedPem } from "./tls";

function colonSerial(...parts: string[]): string {
  return (stableHex(40, ...parts).match(/../g) ?? []).join(":");
}

export const vaultOutputs: Record<string, ResourceOutputs> = {
  "vault:index/mount:Mount": (name, inputs) => ({
    ...inputs,
    id: str(inputs.path, name),
    accessor: `${str(inputs.type, "kv")}_${stableHex(8, "mount", str(inputs.path, name))}`,
  }),
  "vault:index/authBackend:AuthBackend": (name, inputs) => {
    const path = str(inputs.path, str(inputs.type, name));
    return {
      ...inputs,
      id: path,
      path,
      accessor: `auth_${str(inputs.type, "auth")}_${stableHex(8, "auth", path)}`,
    };
  },
  "vault:index/policy:Policy": (name, inputs) => ({ ...inputs, id: str(inputs.name, name) }),
  "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert": (name, inputs) => {
    const backend = str(inputs.backend, "pki");
    const certificate = simulatedPem("CERTIFICATE", "root", backend, str(inputs.commonName, name));
    return {
      ...inputs,
      id: `${backend}/root/generate/${str(inputs.type, "internal")}`,
      certificate,
      issuingCa: certificate,
      serialNumber: colonSerial("root", backend),
      issuerId: stableUuid("issuer", backend, name),
      keyId: stableUuid("key", backend, name),
      signatureBits: 0,
    };
  },
  "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest": (
    name,
    inputs,
  ) => {
    const backend = str(inputs.backend, "pki");
    return {
      ...inputs,
      id: `${backend}/intermediate/generate/${str(inputs.type, "internal")}`,
      csr: simulatedPem("CERTIFICATE REQUEST", "intermediate", backend, str(inputs.commonName, name)),
      keyId: stableUuid("key", backend, name),
      // "internal" keeps the key inside OpenBao: the API returns none.
      privateKey: "",
      privateKeyType: "",
    };
  },
  "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate": (name, inputs) => {
    const backend = str(inputs.backend, "pki");
    const certificate = simulatedPem("CERTIFICATE", "intermediate", backend, str(inputs.commonName, name));
    const issuingCa = simulatedPem("CERTIFICATE", "root", backend);
    return {
      ...inputs,
      id: `${backend}/root/sign-intermediate/${stableHex(8, name)}`,
      certificate,
      issuingCa,
      caChains: [certificate, issuingCa],
      certificateBundle: `${certificate}${issuingCa}`,
      serialNumber: colonSerial("intermediate", backend, name),
    };
  },
  "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned": (name, inputs) => {
    const backend = str(inputs.backend, "pki");
    return {
      ...inputs,
      id: `${backend}/intermediate/set-signed`,
      importedIssuers: [stableUuid("issuer", backend, name)],
      importedKeys: [],
    };
  },
  "vault:pkiSecret/secretBackendRole:SecretBackendRole": (name, inputs) => ({
    ...inputs,
    id: `${str(inputs.backend, "pki")}/roles/${str(inputs.name, name)}`,
  }),
  "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls": (_name, inputs) => ({
    ...inputs,
    id: `${str(inputs.backend, "pki")}/config/urls`,
  }),
  "vault:pkiSecret/secretBackendCrlConfig:SecretBackendCrlConfig": (_name, inputs) => ({
    ...inputs,
    id: `${str(inputs.backend, "pki")}/config/crl`,
  }),
  "vault:kubernetes/authBackendConfig:AuthBackendConfig": (_name, inputs) => ({
    ...inputs,
    id: `auth/${str(inputs.backend, "kubernetes")}/config`,
  }),
  "vault:kubernetes/authBackendRole:AuthBackendRole": (name, inputs) => ({
    ...inputs,
    id: `auth/${str(inputs.backend, "kubernetes")}/role/${str(inputs.roleName, name)}`,
  }),
};

export const vaultInvokes: Record<string, InvokeAnswer> = {};
