/**
 * A private CA and one server certificate signed by it, for TLS between in-cluster components
 * (OpenBao's listener, SpiceDB). The CA key stays in Pulumi state as a secret, so renewals are
 * signed by the CA clients already trust; the certificate renews a month before it expires.
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

const CA_HOURS = 10 * 365 * 24;
const SERVER_CERT_HOURS = 365 * 24;
const SERVER_RENEWAL_HOURS = 30 * 24;

export interface ClusterTlsArgs {
  caCommonName: string;
  serverCommonName: string;
  dnsNames: pulumi.Input<pulumi.Input<string>[]>;
  ipAddresses?: string[];
  /** Extended key usage besides server_auth, e.g. client_auth for peers presenting it to each other. */
  clientAuth?: boolean;
}

export interface ClusterTls {
  caCertPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
  /** The server's private key: a Pulumi secret. */
  keyPem: pulumi.Output<string>;
}

/** Registers the CA and the certificate as children of `parent`, named `<name>-ca…`/`<name>-server…`. */
export function clusterTls(name: string, args: ClusterTlsArgs, parent: pulumi.Resource): ClusterTls {
  const opts = { parent };
  const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, opts);
  const ca = new tls.SelfSignedCert(
    `${name}-ca`,
    {
      privateKeyPem: pulumi.secret(caKey.privateKeyPem),
      isCaCertificate: true,
      // This CA signs server certificates and nothing below them.
      maxPathLength: 0,
      allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      validityPeriodHours: CA_HOURS,
      subject: { commonName: args.caCommonName, organization: "Prism" },
    },
    opts,
  );
  const serverKey = new tls.PrivateKey(
    `${name}-server-key`,
    { algorithm: "ECDSA", ecdsaCurve: "P256" },
    opts,
  );
  const request = new tls.CertRequest(
    `${name}-server-csr`,
    {
      privateKeyPem: pulumi.secret(serverKey.privateKeyPem),
      dnsNames: args.dnsNames,
      ipAddresses: args.ipAddresses,
      subject: { commonName: args.serverCommonName, organization: "Prism" },
    },
    opts,
  );
  const server = new tls.LocallySignedCert(
    `${name}-server`,
    {
      certRequestPem: request.certRequestPem,
      caCertPem: ca.certPem,
      caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
      validityPeriodHours: SERVER_CERT_HOURS,
      earlyRenewalHours: SERVER_RENEWAL_HOURS,
      allowedUses: ["digital_signature", "server_auth", ...(args.clientAuth ? ["client_auth"] : [])],
    },
    opts,
  );
  return { caCertPem: ca.certPem, certPem: server.certPem, keyPem: pulumi.secret(serverKey.privateKeyPem) };
}
