import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { OpenBao, PkiConfig } from "./openbao";
import { OPENBAO_CLUSTER_ADDRESS } from "./openbaoNames";
import { pkiAccess } from "./openbaoPkiAccess";
import { ROOT_CA_TTL_HOURS } from "./pkiLifetimes";

/** Mount paths of the two PKI engines; am-certs calls <PKI_INT_MOUNT>/issue|sign/<role>. */
export const PKI_ROOT_MOUNT = "pki-root";
export const PKI_INT_MOUNT = "pki-int";

export const PKI_STATUS = {
  awaitingInit: "awaiting OpenBao initialisation: see docs/openbao-bootstrap.md",
  awaitingSignature:
    "awaiting the external root's signature on the intermediate CSR (stack output pkiIntermediateCsr): see docs/openbao-bootstrap.md",
  configured: "configured",
} as const;

export type PkiStatus = (typeof PKI_STATUS)[keyof typeof PKI_STATUS];

export interface OpenBaoPkiArgs {
  stack: string;
  /**
   * Pulumi refuses to delete the PKI mounts, which hold the CA keys: losing one re-keys every agent
   * and service (config stateful.protect).
   */
  protect: boolean;
  /** config.baseDomain: CVM agent certificates are for names under cvm.<baseDomain>. */
  baseDomain: string;
  /** config.pki */
  config: PkiConfig;
  /**
   * secrets.openbaoToken: the scoped token the operator created for Pulumi. Undefined until
   * OpenBao has been initialised; then nothing here is registered and the program says what to do.
   */
  token: pulumi.Output<string> | undefined;
  /** The OpenBao installation: its listener CA, and the release the provider must wait for. */
  openbao: OpenBao;
  /**
   * `pkiStatus` as the stack's previous update exported it (undefined on a first run). With no
   * token but a PKI configured before, the run is refused (the program fails, so Pulumi deletes
   * nothing): registering no Vault resource would make `up` delete every mount, CA and role.
   */
  previousStatus?: string;
}

/**
 * OpenBao's PKI, configured through the Vault provider (OpenBao speaks the Vault API): a root (or an
 * offline external root, by config), an intermediate signed by it, the `cvm-agent` and
 * `service-mtls` issuing roles with TTLs from config, published issuing/CRL URLs, the am-certs
 * policy and a Kubernetes auth role bound to the am-certs service account.
 *
 * It needs OpenBao initialised, which is a one-time manual step. Until the operator has stored a
 * token for Pulumi, `status` says so, a warning gives the exact next steps, and no Vault resource
 * is registered, so the first `pulumi up` succeeds instead of failing against a sealed server.
 */
export class OpenBaoPki extends pulumi.ComponentResource {
  /** Where the bootstrap stands; exported as the stack output `pkiStatus`. */
  readonly status: PkiStatus;

  /** The intermediate's CSR (public), for an external root to sign; undefined before the bootstrap. */
  readonly intermediateCsr: pulumi.Output<string> | undefined;
  /** The issuing chain (intermediate and root, PEM) CVM agents trust; undefined until the PKI is configured. */
  readonly caChain: pulumi.Output<string> | undefined;

  constructor(name: string, args: OpenBaoPkiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:pki:OpenBaoPki", name, {}, opts);
    const { config, stack } = args;

    if (!args.token) {
      const previous = args.previousStatus;
      if (previous !== undefined && previous !== PKI_STATUS.awaitingInit) {
        throw new pulumi.ResourceError(
          `prism:openbaoToken is not set, but this stack's PKI was set up before (pkiStatus: "${previous}"). ` +
            "Without the token this run would register no Vault resource and so delete every PKI mount, CA and role. " +
            "Refusing: set the token (`pulumi config set --secret openbaoToken`, docs/openbao-bootstrap.md) and run again.",
          this,
        );
      }
      pulumi.log.warn(bootstrapInstructions(config.openbao.address), this);
      this.status = PKI_STATUS.awaitingInit;
      this.intermediateCsr = undefined;
      this.caChain = undefined;
      this.registerOutputs({ status: this.status });
      return;
    }
    const protect = args.protect;

    const provider = new vault.Provider(
      `${name}-openbao`,
      {
        address: config.openbao.address,
        token: pulumi.secret(args.token),
        // Verify the listener against its own CA, also through the port-forward (127.0.0.1 is a SAN).
        caCertFile: args.openbao.caCertificate.apply((pem) => writeCaFile(stack, pem)),
        skipTlsVerify: false,
        // Work through a 20-minute child token, revoked when the run ends, not the stored token itself.
        skipChildToken: false,
        maxLeaseTtlSeconds: 1200,
      },
      { parent: this, dependsOn: [args.openbao] },
    );
    const vaultOpts = { parent: this, provider };

    const pkiMount = (suffix: string, mountPath: string, description: string, maxTtlHours: number) =>
      new vault.Mount(
        `${name}-${suffix}`,
        { path: mountPath, type: "pki", description, maxLeaseTtlSeconds: maxTtlHours * 3600 },
        { ...vaultOpts, protect },
      );
    const publishUrlsAndCrl = (suffix: string, mount: vault.Mount, crlExpiry: string) => {
      const base = pulumi.interpolate`${OPENBAO_CLUSTER_ADDRESS}/v1/${mount.path}`;
      new vault.pkisecret.SecretBackendConfigUrls(
        `${name}-${suffix}-urls`,
        {
          backend: mount.path,
          issuingCertificates: [pulumi.interpolate`${base}/ca`],
          crlDistributionPoints: [pulumi.interpolate`${base}/crl`],
          ocspServers: [pulumi.interpolate`${base}/ocsp`],
        },
        vaultOpts,
      );
      new vault.pkisecret.SecretBackendCrlConfig(
        `${name}-${suffix}-crl`,
        {
          backend: mount.path,
          expiry: crlExpiry,
          disable: false,
          autoRebuild: true,
          autoRebuildGracePeriod: "12h",
          enableDelta: true,
          deltaRebuildInterval: "15m",
          ocspDisable: false,
        },
        vaultOpts,
      );
    };

    const subject = (role: string) => `Prism ${stack} ${role}`;
    const intermediate = pkiMount(
      "int",
      PKI_INT_MOUNT,
      "Intermediate CA issuing CVM agent and service mTLS certificates",
      config.intermediateTtlHours,
    );
    publishUrlsAndCrl("int", intermediate, "72h");
    // Generated inside OpenBao ("internal"): the intermediate's key never leaves it.
    const csr = new vault.pkisecret.SecretBackendIntermediateCertRequest(
      `${name}-int-csr`,
      {
        backend: intermediate.path,
        type: "internal",
        commonName: subject("Intermediate CA"),
        organization: "Prism",
        keyType: "ec",
        keyBits: 384,
      },
      vaultOpts,
    );

    let signedCertificate: pulumi.Input<string> | undefined;
    if (config.rootCa === "generated") {
      const root = pkiMount(
        "root",
        PKI_ROOT_MOUNT,
        "Root CA (signs the intermediate only)",
        ROOT_CA_TTL_HOURS,
      );
      publishUrlsAndCrl("root", root, "168h");
      const rootCert = new vault.pkisecret.SecretBackendRootCert(
        `${name}-root-ca`,
        {
          backend: root.path,
          type: "internal",
          commonName: subject("Root CA"),
          organization: "Prism",
          ttl: `${ROOT_CA_TTL_HOURS}h`,
          keyType: "ec",
          keyBits: 384,
          // Exactly one CA level below the root: the intermediate.
          maxPathLength: 1,
          issuerName: "root",
        },
        vaultOpts,
      );
      const signed = new vault.pkisecret.SecretBackendRootSignIntermediate(
        `${name}-int-signed`,
        {
          backend: root.path,
          csr: csr.csr,
          commonName: subject("Intermediate CA"),
          organization: "Prism",
          ttl: `${config.intermediateTtlHours}h`,
          // The intermediate signs leaves only.
          maxPathLength: 0,
          format: "pem",
        },
        { ...vaultOpts, dependsOn: [rootCert] },
      );
      signedCertificate = signed.certificateBundle;
    } else if (config.externalIntermediateCertificate) {
      signedCertificate = config.externalIntermediateCertificate;
    } else {
      pulumi.log.warn(externalRootInstructions(stack), this);
    }

    const setSigned = signedCertificate
      ? new vault.pkisecret.SecretBackendIntermediateSetSigned(
          `${name}-int-set-signed`,
          { backend: intermediate.path, certificate: signedCertificate },
          vaultOpts,
        )
      : undefined;

    pkiAccess(name, {
      baseDomain: args.baseDomain,
      config,
      mount: intermediate,
      issuer: setSigned,
      vaultOpts,
    });

    this.status = setSigned ? PKI_STATUS.configured : PKI_STATUS.awaitingSignature;
    this.intermediateCsr = csr.csr;
    this.caChain = setSigned && signedCertificate ? pulumi.output(signedCertificate) : undefined;
    this.registerOutputs({ status: this.status, intermediateCsr: this.intermediateCsr });
  }
}

/**
 * Where the listener CA is written: relative, so it resolves against the working directory Pulumi
 * gives the program and its plugins alike (the directory `main` names in Pulumi.yaml); ignored by git.
 */
export function caFilePath(stack: string): string {
  return path.join(".prism-run", `openbao-${stack}-listener-ca.pem`);
}

/**
 * The Vault provider reads its CA from a file only. The certificate is public and lives in the
 * stack's state, so every run (up, and refresh/destroy with --run-program, which the README and
 * workflows always pass) writes it to the same relative path, which the program and the provider
 * resolve against the same working directory: the provider's stored configuration is identical on
 * every machine and the file exists wherever the program has just run, unlike a temp directory.
 */
function writeCaFile(stack: string, pem: string): string {
  const file = caFilePath(stack);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, pem);
  return file;
}

function bootstrapInstructions(address: string): string {
  return [
    "OpenBao is installed but its PKI is not configured yet: the program has no OpenBao token (prism:openbaoToken).",
    "One-time bootstrap (exact commands in docs/openbao-bootstrap.md):",
    "  1. kubectl -n openbao exec openbao-0 -- bao operator init -recovery-shares=5 -recovery-threshold=3",
    "     Store the recovery keys and the root token OUTSIDE Pulumi (password manager, split among officers).",
    `  2. kubectl -n openbao port-forward svc/openbao 8200:8200   (prism:pki.openbao.address is ${address})`,
    "  3. With the root token, write the `pulumi-pki` policy from the doc, create an orphan token with it,",
    "     then revoke the root token.",
    "  4. pulumi config set --secret openbaoToken   (paste that token)",
    "  5. pulumi up   (with the port-forward still open)",
  ].join("\n");
}

function externalRootInstructions(stack: string): string {
  return [
    "The intermediate CA is waiting for the external root (prism:pki.rootCa is external).",
    `  1. pulumi stack output pkiIntermediateCsr --stack ${stack} > intermediate.csr, and sign it with the offline root`,
    "     as a CA certificate with path length 0 (docs/openbao-bootstrap.md, step 6).",
    "  2. cat intermediate.pem root.pem | pulumi config set --path pki.externalIntermediateCertificate",
    "  3. pulumi up (with the port-forward open). The roles exist already but cannot issue until then.",
  ].join("\n");
}
