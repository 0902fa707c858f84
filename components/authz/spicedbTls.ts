import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterTls } from "../tls/clusterTls";
import { DISPATCH_CA_SECRET, SPICEDB_CLUSTER, SPICEDB_NAMESPACE, TLS_SECRET } from "./spicedbNames";

export interface SpiceDbTlsArgs {
  stack: string;
  /** namespaces.name("spicedb") */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
}

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
    const k8sOpts = { parent: this, provider: args.provider };

    // Dispatch peers present the same certificate to each other, so it serves both ways.
    const cert = clusterTls(
      name,
      {
        caCommonName: `Prism SpiceDB CA (${args.stack})`,
        serverCommonName: SPICEDB_DNS_NAMES[2],
        dnsNames: SPICEDB_DNS_NAMES,
        clientAuth: true,
      },
      this,
    );

    const labels = { "app.kubernetes.io/name": "spicedb", "app.kubernetes.io/part-of": "prism" };
    const tlsSecret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: TLS_SECRET, namespace: args.namespace, labels },
        type: "kubernetes.io/tls",
        stringData: {
          "tls.crt": cert.certPem,
          "tls.key": cert.keyPem,
          "ca.crt": cert.caCertPem,
        },
      },
      k8sOpts,
    );
    const dispatchCa = new k8s.core.v1.Secret(
      `${name}-dispatch-ca`,
      {
        metadata: { name: DISPATCH_CA_SECRET, namespace: args.namespace, labels },
        type: "Opaque",
        stringData: { "tls.crt": cert.caCertPem },
      },
      k8sOpts,
    );

    this.caCertificate = cert.caCertPem;
    this.tlsSecretName = tlsSecret.metadata.name;
    this.dispatchCaSecretName = dispatchCa.metadata.name;
    this.registerOutputs({ caCertificate: this.caCertificate });
  }
}
