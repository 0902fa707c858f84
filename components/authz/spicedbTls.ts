import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { DISPATCH_CA_SECRET, SPICEDB_CLUSTER, SPICEDB_NAMESPACE, TLS_SECRET } from "./spicedbNames";

export interface SpiceDbTlsArgs {
  stack: string;
  /** namespaces.name("spicedb") */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
}

/** The server certificate lives a year and is reissued by any `pulumi up` in its last 30 days. */
const SERVER_CERT_HOURS = 365 * 24;
const SERVER_RENEWAL_HOURS = 30 * 24;
const CA_HOURS = 10 * 365 * 24;

/** Every name SpiceDB's Service answers to; dispatch peers verify `<cluster>.<namespace>`. */
export const SPICEDB_DNS_NAMES = [
  SPICEDB_CLUSTER,
  `${SPICEDB_CLUSTER}.${SPICEDB_NAMESPACE}`,
  `${SPICEDB_CLUSTER}.${SPICEDB_NAMESPACE}.svc`,
  `${SPICEDB_CLUSTER}.${SPICEDB_NAMESPACE}.svc.cluster.local`,
];

/**
 * TLS for SpiceDB's gRPC API, dispatch and gateway: a private CA that exists only for this and a
 * server certificate for the Service's names. The operator mounts the kubernetes.io/tls Secret
 * (tlsSecretName) and gives dispatch clients the CA (dispatchUpstreamCASecretName, key tls.crt).
 * The CA key stays in Pulumi state, as a secret, so renewals are signed by the CA clients trust.
 */
export class SpiceDbTls extends pulumi.ComponentResource {
  /** The CA certificate (public): SpiceDB's clients verify the server with it. */
  readonly caCertificate: pulumi.Output<string>;
  readonly tlsSecretName: pulumi.Output<string>;
  readonly dispatchCaSecretName: pulumi.Output<string>;

  constructor(name: string, args: SpiceDbTlsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:authz:SpiceDbTls", name, {}, opts);
    const parent = { parent: this };
    const k8sOpts = { parent: this, provider: args.provider };

    const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, parent);
    const ca = new tls.SelfSignedCert(
      `${name}-ca`,
      {
        privateKeyPem: pulumi.secret(caKey.privateKeyPem),
        isCaCertificate: true,
        maxPathLength: 0,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
        validityPeriodHours: CA_HOURS,
        subject: { commonName: `Prism SpiceDB CA (${args.stack})`, organization: "Prism" },
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
        dnsNames: SPICEDB_DNS_NAMES,
        subject: { commonName: SPICEDB_DNS_NAMES[2], organization: "Prism" },
      },
      parent,
    );
    // Dispatch peers present the same certificate to each other, so it serves both ways.
    const server = new tls.LocallySignedCert(
      `${name}-server`,
      {
        certRequestPem: request.certRequestPem,
        caCertPem: ca.certPem,
        caPrivateKeyPem: pulumi.secret(caKey.privateKeyPem),
        validityPeriodHours: SERVER_CERT_HOURS,
        earlyRenewalHours: SERVER_RENEWAL_HOURS,
        allowedUses: ["digital_signature", "server_auth", "client_auth"],
      },
      parent,
    );

    const labels = { "app.kubernetes.io/name": "spicedb", "app.kubernetes.io/part-of": "prism" };
    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: TLS_SECRET, namespace: args.namespace, labels },
        type: "kubernetes.io/tls",
        stringData: {
          "tls.crt": server.certPem,
          "tls.key": pulumi.secret(serverKey.privateKeyPem),
          "ca.crt": ca.certPem,
        },
      },
      k8sOpts,
    );
    const dispatchCa = new k8s.core.v1.Secret(
      `${name}-dispatch-ca`,
      {
        metadata: { name: DISPATCH_CA_SECRET, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { "tls.crt": ca.certPem },
      },
      k8sOpts,
    );

    this.caCertificate = ca.certPem;
    this.tlsSecretName = tlsSecret.metadata.name;
    this.dispatchCaSecretName = dispatchCa.metadata.name;
    this.registerOutputs({ caCertificate: this.caCertificate });
  }
}
