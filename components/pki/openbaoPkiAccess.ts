/**
 * Who may get which certificate from the intermediate: the two issuing roles, the am-certs policy
 * that may use exactly those, and the Kubernetes auth method that hands that policy to the am-certs
 * service account. Part of OpenBaoPki; the roles are what the `pki-leaf-role-hardening` rule checks.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { PkiConfig } from "./openbao";
import { AM_CERTS } from "./openbaoNames";

export const PKI_ROLES = { cvmAgent: "cvm-agent", serviceMtls: "service-mtls" } as const;
export const AM_CERTS_POLICY = "am-certs";
/** am-certs logs in at auth/<KUBERNETES_AUTH_PATH>/login with role AM_CERTS_AUTH_ROLE. */
export const KUBERNETES_AUTH_PATH = "kubernetes";
export const AM_CERTS_AUTH_ROLE = "am-certs";

/** CVM agent certificates name hosts under this subdomain of the base domain. */
export function cvmAgentDomain(baseDomain: string): string {
  return `cvm.${baseDomain}`;
}

export interface PkiAccessArgs {
  baseDomain: string;
  config: PkiConfig;
  /** The intermediate's mount. */
  mount: vault.Mount;
  /** The signed intermediate, once set; roles wait for it so they can issue from the start. */
  issuer: pulumi.Resource | undefined;
  vaultOpts: { parent: pulumi.Resource; provider: vault.Provider };
}

const seconds = (hours: number) => String(hours * 3600);

export function pkiAccess(name: string, args: PkiAccessArgs): void {
  const { config, mount, vaultOpts } = args;
  const roleOpts = { ...vaultOpts, dependsOn: args.issuer ? [args.issuer] : [] };

  // Leaf roles share the hardening: named hosts only (no wildcards, globs, bare domains, IPs or
  // localhost), EC P-256 keys, short lifetimes, both TLS usages for mutual TLS, and each issued
  // certificate stored so it can be revoked.
  const leafRole = (
    suffix: string,
    roleName: string,
    allowedDomains: string[],
    maxTtlHours: number,
    organizationalUnit: string,
  ) =>
    new vault.pkisecret.SecretBackendRole(
      `${name}-${suffix}`,
      {
        backend: mount.path,
        name: roleName,
        issuerRef: "default",
        ttl: seconds(maxTtlHours),
        maxTtl: seconds(maxTtlHours),
        allowedDomains,
        allowSubdomains: true,
        allowBareDomains: false,
        allowGlobDomains: false,
        allowWildcardCertificates: false,
        allowAnyName: false,
        allowLocalhost: false,
        allowIpSans: false,
        enforceHostnames: true,
        serverFlag: true,
        clientFlag: true,
        codeSigningFlag: false,
        emailProtectionFlag: false,
        keyType: "ec",
        keyBits: 256,
        keyUsages: ["DigitalSignature", "KeyAgreement"],
        // Tolerate small clock skew between OpenBao and the peers that verify the certificate.
        notBeforeDuration: "30s",
        noStore: false,
        organizations: ["Prism"],
        organizationUnit: [organizationalUnit],
      },
      roleOpts,
    );

  // For attested mTLS with agents in confidential VMs; the attestation evidence rides in the
  // certificate, so their lifetime is hours (config.pki.cvmAgentMaxTtlHours).
  const cvmAgent = leafRole(
    "cvm-agent",
    PKI_ROLES.cvmAgent,
    [cvmAgentDomain(args.baseDomain)],
    config.cvmAgentMaxTtlHours,
    "cvm-agents",
  );
  // In-cluster services: <service>.<namespace>.svc.cluster.local.
  const serviceMtls = leafRole(
    "service-mtls",
    PKI_ROLES.serviceMtls,
    ["svc.cluster.local"],
    config.serviceMtlsMaxTtlHours,
    "services",
  );

  const rolePaths = [cvmAgent, serviceMtls].flatMap((role) =>
    ["issue", "sign"].map(
      (verb) => pulumi.interpolate`path "${mount.path}/${verb}/${role.name}" {
  capabilities = ["create", "update"]
}`,
    ),
  );
  const policy = new vault.Policy(
    `${name}-am-certs-policy`,
    {
      name: AM_CERTS_POLICY,
      policy: pulumi
        .all(rolePaths)
        .apply((paths) =>
          [
            "# am-certs issues and signs leaf certificates through its two roles, and nothing else.",
            ...paths,
          ].join("\n\n"),
        ),
    },
    vaultOpts,
  );

  // OpenBao verifies am-certs' service-account token with the cluster's TokenReview API, using its
  // own pod's token and CA (the chart binds system:auth-delegator to OpenBao's service account).
  const kubernetesAuth = new vault.AuthBackend(
    `${name}-kubernetes-auth`,
    {
      type: "kubernetes",
      path: KUBERNETES_AUTH_PATH,
      description: "Service-account logins from the platform cluster",
    },
    vaultOpts,
  );
  const authConfig = new vault.kubernetes.AuthBackendConfig(
    `${name}-kubernetes-auth-config`,
    {
      backend: kubernetesAuth.path,
      kubernetesHost: "https://kubernetes.default.svc",
      disableLocalCaJwt: false,
    },
    vaultOpts,
  );
  new vault.kubernetes.AuthBackendRole(
    `${name}-am-certs-login`,
    {
      backend: kubernetesAuth.path,
      roleName: AM_CERTS_AUTH_ROLE,
      boundServiceAccountNames: [AM_CERTS.serviceAccount],
      boundServiceAccountNamespaces: [AM_CERTS.namespace],
      tokenPolicies: [policy.name],
      // Short-lived tokens: am-certs logs in again with its (also short-lived) projected token.
      tokenTtl: 15 * 60,
      tokenMaxTtl: 60 * 60,
      tokenType: "service",
    },
    { ...vaultOpts, dependsOn: [authConfig] },
  );
}
