import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { clusterTls } from "../tls/clusterTls";
import { openBaoDnsNames, TLS_SECRET } from "./openbaoNames";

export interface OpenBaoTlsArgs {
  stack: string;
  /** Server certificates cover each pod's name, so the count matters. */
  replicas: number;
  /** namespaces.name("openbao") */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
}

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

    const cert = clusterTls(
      name,
      {
        caCommonName: `Prism OpenBao listener CA (${args.stack})`,
        serverCommonName: "openbao.openbao.svc",
        dnsNames: openBaoDnsNames(args.replicas),
        // The operator reaches the API through a port-forward.
        ipAddresses: ["127.0.0.1"],
      },
      this,
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
          "tls.crt": cert.certPem,
          "tls.key": cert.keyPem,
          "ca.crt": cert.caCertPem,
        },
      },
      { parent: this, provider: args.provider },
    );

    this.caCertificate = cert.caCertPem;
    this.secretName = secret.metadata.name;
    this.registerOutputs({ caCertificate: this.caCertificate });
  }
}
