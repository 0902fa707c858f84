import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { openBaoDnsNames, TLS_SECRET } from "./openbaoNames";

export interface OpenBaoTlsArgs {
  stack: string;
  /** Server certificates cover each pod's name, so the count matters. */
  replicas: number;
  /** namespaces.name("openbao") */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
}

/** The server certificate lives a year and is reissued by any `pulumi up` in its last 30 days. */
const SERVER_CERT_HOURS = 365 * 24;
const SERVER_RENEWAL_HOURS = 30 * 24;
const CA_HOURS = 10 * 365 * 24;

/**
 * TLS for OpenBao's listener inside the cluster: a private CA that exists only for this, and a
 * server certificate for every name the chart's services and pods answer to, plus 127.0.0.1 for the
 * operator's port-forward. Delivered as a kubernetes.io/tls Secret with `ca.crt`, which the servers
 * also use to trust each other when joining the Raft cluster. The CA key stays in Pulumi state, as a
 * secret, so renewals are signed by the same CA that clients already trust.
 */
export class OpenBaoTls extends pulumi.ComponentResource {
  /** The CA certificate (public): clients of the OpenBao API trust this. */
  readonly caCertificate: pulumi.Output<string>;
  readonly secretName: pulumi.Output<string>;

  constructor(name: string, args: OpenBaoTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:pki:OpenBaoTls", name, {}, opts);
    const parent = { parent: this };

    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, parent);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: pulumi.secret(caKey.privateKeyPem),
        isCaCertificate: true,
        // This CA signs server certificates and nothing below them.
        maxPathLength: 0,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        validityPeriodHours: CA_HOURS,
        subject: { commonName: `Prism OpenBao listener CA (${args.stack})`, organization: "Prism" },
      },
      parent,
    );

    const serverKey = new tls.PrivateKey(
      `${name}-server-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P256" },
      parent,
    );
    const request = new tls.CertRequest(
      `${name}-server-csr`,
      {
        privateKeyPem: pulumi.secret(serverKey.privateKeyPem),
        dnsNames: openBaoDnsNames(args.replicas),
        ipAddresses: ["127.0.0.1"],
        subject: { commonName: "openbao.openbao.svc", organization: "Prism" },
      },
      parent,
    );
    const server = new tls.LocallySignedCert(
      `${name}-server`,
      {
        certRequestPem: request.certRequestPem,
        caCertPem: ca.certPem,
        caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
        validityPeriodHours: SERVER_CERT_HOURS,
        earlyRenewalHours: SERVER_RENEWAL_HOURS,
        allowedUses: ["digital_signature", "server_auth"],
      },
      parent,
    );

    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: {
          name: TLS_SECRET,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/part-of": "openbao" },
        },
        type: "kubernetes.io/tls",
        stringData: {
          "tls.crt": server.certPem,
          "tls.key": pulumi.secret(serverKey.privateKeyPem),
          "ca.crt": ca.certPem,
        },
      },
      { parent: this, provider: args.provider },
    );

    this.caCertificate = ca.certPem;
    this.secretName = secret.metadata.name;
    this.registerOutputs({ caCertificate: this.caCertificate });
  }
}
