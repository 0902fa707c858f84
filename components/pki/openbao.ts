import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterNetwork } from "../kubernetes/networkPolicy";
import { platformRelease } from "../helm/helmRelease";
import { OPENBAO_CLUSTER_ADDRESS, OPENBAO_RELEASE } from "./openbaoNames";
import { openBaoNetworkPolicies } from "./openbaoNetworkPolicies";
import { OpenBaoTls } from "./openbaoTls";
import { OpenBaoUnsealKey } from "./openbaoUnsealKey";
import { openBaoValues } from "./openbaoValues";
import type { ContainerResources } from "../kubernetes/resources";
import type { CredentialRotationOptions } from "../safety/credentialRotation";
import type { GcpWorkloadIdentity } from "../gcp/workloadIdentity";

/** The stack's PKI settings (prism:pki): OpenBao's shape and the certificates' lifetimes. */
export interface PkiConfig {
  /** generated: OpenBao creates the root; external: an offline root signs the intermediate's CSR. */
  rootCa: "generated" | "external";
  /** The intermediate signed by the external root (PEM, public); unset until the CSR is signed. */
  externalIntermediateCertificate?: string;
  openbao: {
    replicas: 1 | 3 | 5;
    storageGiB: number;
    /** Where Pulumi reaches the OpenBao API (a port-forward or a private address). */
    address: string;
    /** The Cloud KMS key ring's project and region, and how the unseal key is kept. */
    autoUnseal: {
      gcpProject: string;
      location: string;
      /** HSM: the key lives in Cloud HSM; SOFTWARE: Cloud KMS's software keys. */
      protectionLevel: "HSM" | "SOFTWARE";
      /** Days a destroyed key version stays recoverable (1 to 120). */
      destroyScheduledDays: number;
    };
    /** Each server's requests and limits. */
    resources: ContainerResources;
  };
  cvmAgentMaxTtlHours: number;
  serviceMtlsMaxTtlHours: number;
  intermediateTtlHours: number;
}

export interface OpenBaoArgs {
  stack: string;
  /**
   * Pulumi refuses to delete the release (and with it the Raft data's pods) and the unseal key
   * ring and key, which are kept in GCP should they leave the program (config stateful.protect).
   */
  protect: boolean;
  /** The StorageClass of the Raft data and audit volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** config.pki (replicas, storage, auto-unseal project and region). */
  config: PkiConfig;
  /** namespaces.name("openbao") */
  namespace: pulumi.Input<string>;
  /** namespaces.name("prism"): am-certs, the one client allowed in. */
  clientNamespace: pulumi.Input<string>;
  /** config.digitalocean.network: where the Kubernetes API lives, for the egress policy. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** How the servers reach Cloud KMS: keyless (the cluster's tokens, federated) or a key. */
  gcpIdentity: GcpWorkloadIdentity;
}

/**
 * OpenBao in the cluster: HA on integrated Raft storage, TLS on its listener, auto-unseal through a
 * Cloud KMS key, two audit devices, a PodDisruptionBudget and narrow network policies. It installs
 * uninitialised; the one-time initialisation is the operator's (docs/openbao-bootstrap.md), so the
 * recovery keys and root token never pass through Pulumi.
 *
 * The server image is the chart's default for its pinned version (appVersion in the catalog).
 */
export class OpenBao extends pulumi.ComponentResource {
  /** The listener CA certificate (public): what the Vault provider and am-certs trust. */
  readonly caCertificate: pulumi.Output<string>;
  /** The API address inside the cluster. */
  readonly clusterAddress: string;
  /** The KMS key OpenBao unseals with. */
  readonly unsealKeyId: pulumi.Output<string>;

  constructor(name: string, args: OpenBaoArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:pki:OpenBao", name, {}, opts);
    const { replicas, storageGiB, autoUnseal, resources } = args.config.openbao;

    const unsealKey = new OpenBaoUnsealKey(
      `${name}-unseal`,
      {
        stack: args.stack,
        protect: args.protect,
        gcpProject: autoUnseal.gcpProject,
        location: autoUnseal.location,
        protectionLevel: autoUnseal.protectionLevel,
        destroyScheduledDays: autoUnseal.destroyScheduledDays,
        namespace: args.namespace,
        provider: args.provider,
        credentialRotation: args.credentialRotation,
        gcpIdentity: args.gcpIdentity,
      },
      { parent: this },
    );

    const listenerTls = new OpenBaoTls(
      `${name}-tls`,
      { stack: args.stack, replicas, namespace: args.namespace, provider: args.provider },
      { parent: this },
    );

    const policies = openBaoNetworkPolicies(name, {
      namespace: args.namespace,
      clientNamespace: args.clientNamespace,
      clusterNetwork: args.clusterNetwork,
      provider: args.provider,
      parent: this,
    });

    // Protected where the stack protects its state: deleting the release deletes the StatefulSet,
    // and with it the pods that own the Raft data. The PVCs themselves are created by the StatefulSet, not by Pulumi.
    platformRelease(OPENBAO_RELEASE, {
      chart: "openbao",
      namespace: args.namespace,
      values: openBaoValues({
        stack: args.stack,
        replicas,
        storageGiB,
        storageClass: args.storageClass,
        resources,
        sealConfig: unsealKey.sealConfig,
        gcpTokenAudience: unsealKey.tokenAudience,
      }),
      provider: args.provider,
      parent: this,
      // The pods mount both Secrets and need their network rules from the first start.
      dependsOn: [unsealKey, listenerTls, ...policies],
      protect: args.protect,
    });

    this.caCertificate = listenerTls.caCertificate;
    this.clusterAddress = OPENBAO_CLUSTER_ADDRESS;
    this.unsealKeyId = unsealKey.cryptoKeyId;
    this.registerOutputs({
      caCertificate: this.caCertificate,
      clusterAddress: this.clusterAddress,
      unsealKeyId: this.unsealKeyId,
    });
  }
}
