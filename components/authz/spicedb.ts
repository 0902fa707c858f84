import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { image, IMAGES } from "../helm/catalog";
import { kubernetesApiEgress, type ClusterNetwork } from "../kubernetes/networkPolicy";
import type { ContainerResources } from "../kubernetes/resources";
import { restrictedPatches, spiceDbCluster } from "./spicedbCluster";
import {
  CONFIG_SECRET,
  DATASTORE_URI,
  PRESHARED_KEY,
  SPICEDB_CLIENT_SECRET,
  SPICEDB_CLUSTER,
  SPICEDB_ENDPOINT,
  SPICEDB_POD_LABELS,
} from "./spicedbNames";
import { spiceDbNetworkPolicies } from "./spicedbNetworkPolicies";
import { spiceDbOperator } from "./spicedbOperator";
import { spiceDbSchemaJob } from "./spicedbSchema";
import { SpiceDbTls } from "./spicedbTls";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";

export interface SpiceDbArgs {
  stack: string;
  /** SpiceDB pods; more than one also gets a disruption budget so a node drain keeps one serving. */
  replicas: number;
  /** Each SpiceDB pod's requests and limits. */
  resources: ContainerResources;
  /** namespaces.name("spicedb") */
  namespace: pulumi.Input<string>;
  /** namespaces.name("prism"): the services that use SpiceDB, which get the client Secret. */
  clientNamespace: pulumi.Input<string>;
  /** SpiceDB's database, from the data layer. */
  datastore: {
    /**
     * postgres:// URI (a Pulumi secret) built from the same values as the `spicedb-db` Secret
     * (SPICEDB_DB_SECRET), through spicedbDatastoreUri(). Those values exist only at deploy time
     * in the cluster, so the URI comes from the Outputs that created them.
     */
    uri: pulumi.Input<string>;
    /** namespaces.name("data"): where the pooler runs. */
    namespace: pulumi.Input<string>;
    /** Labels of SpiceDB's PgBouncer pooler pods, e.g. { "cnpg.io/poolerName": "spicedb-pooler" }. */
    poolerPodLabels: Record<string, string>;
  };
  /** Kubernetes minor ("1.34"): the Pod Security version for the operator's namespace. */
  kubernetesVersion: string;
  /** config.digitalocean.network: where the Kubernetes API lives, for the egress policies. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
}

const MIGRATION: ContainerResources = {
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { cpu: "500m", memory: "256Mi" },
};

/**
 * SpiceDB, the services' authorization engine: the operator from its pinned release bundle, a
 * SpiceDBCluster on its own PostgreSQL database (through PgBouncer) with TLS, a generated preshared
 * key, the stack's replicas (with a disruption budget when there are several), restricted pods, and
 * the schema in services/spicedb/schema.zed written at deploy time. Only the services whose catalog entry uses
 * SpiceDB reach its gRPC port; they get the key, endpoint and CA in Secret `spicedb-client`.
 */
export class SpiceDb extends pulumi.ComponentResource {
  /** host:port services dial (TLS). */
  readonly endpoint: string;
  /** The CA that signed SpiceDB's certificate (public). */
  readonly caCertificate: pulumi.Output<string>;
  /** Name of the client Secret in the client namespace. */
  readonly clientSecretName: pulumi.Output<string>;

  constructor(name: string, args: SpiceDbArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:authz:SpiceDb", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const kubernetesApi = kubernetesApiEgress(args.clusterNetwork);

    const operator = spiceDbOperator(`${name}-operator`, {
      version: IMAGES["spicedb-operator"].tag,
      imageRepository: IMAGES["spicedb-operator"].repository,
      kubernetesVersion: args.kubernetesVersion,
      kubernetesApi,
      provider: args.provider,
      parent: this,
    });

    const policies = spiceDbNetworkPolicies(name, {
      namespace: args.namespace,
      clientNamespace: args.clientNamespace,
      pooler: { namespace: args.datastore.namespace, podLabels: args.datastore.poolerPodLabels },
      kubernetesApi,
      provider: args.provider,
      parent: this,
    });

    const tls = new SpiceDbTls(
      `${name}-tls`,
      { stack: args.stack, namespace: args.namespace, provider: args.provider },
      { parent: this },
    );

    // The key every client presents; generated, never in a file, a secret end to end.
    const keyRotation = rotationSchedule(`${name}-preshared-key`, args.credentialRotation, this);
    const presharedKey = new random.RandomPassword(
      `${name}-preshared-key`,
      { length: 48, special: false, keepers: keyRotation.keepers },
      { parent: this, ...keyRotation.options },
    );
    const config = new k8s.core.v1.Secret(
      `${name}-config`,
      {
        metadata: {
          name: CONFIG_SECRET,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/name": "spicedb", "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: {
          [DATASTORE_URI]: pulumi.secret(args.datastore.uri),
          [PRESHARED_KEY]: pulumi.secret(presharedKey.result),
        },
      },
      k8sOpts,
    );

    const cluster = spiceDbCluster(
      `${name}-cluster`,
      { name: SPICEDB_CLUSTER, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "prism" } },
      {
        channel: "stable",
        config: {
          datastoreEngine: "postgres",
          replicas: args.replicas,
          logLevel: "info",
          tlsSecretName: tls.tlsSecretName,
          dispatchUpstreamCASecretName: tls.dispatchCaSecretName,
          telemetryEndpoint: "",
        },
        secretName: config.metadata.name,
        patches: restrictedPatches(args.resources, MIGRATION),
      },
      // The CRD comes with the bundle; the pods need their network rules from the start.
      { ...k8sOpts, dependsOn: [operator, ...policies] },
    );

    if (args.replicas > 1) {
      new k8s.policy.v1.PodDisruptionBudget(
        `${name}-pdb`,
        {
          metadata: { name: "spicedb", namespace: args.namespace },
          spec: { maxUnavailable: 1, selector: { matchLabels: { ...SPICEDB_POD_LABELS } } },
        },
        k8sOpts,
      );
    }

    spiceDbSchemaJob(name, {
      namespace: args.namespace,
      zedImage: image("zed"),
      provider: args.provider,
      parent: this,
      dependsOn: [cluster, config],
    });

    const client = new k8s.core.v1.Secret(
      `${name}-client`,
      {
        metadata: {
          name: SPICEDB_CLIENT_SECRET.name,
          namespace: args.clientNamespace,
          labels: { "app.kubernetes.io/name": "spicedb", "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: {
          [SPICEDB_CLIENT_SECRET.keys.token]: pulumi.secret(presharedKey.result),
          [SPICEDB_CLIENT_SECRET.keys.endpoint]: SPICEDB_ENDPOINT,
          [SPICEDB_CLIENT_SECRET.keys.caCertificate]: tls.caCertificate,
        },
      },
      k8sOpts,
    );

    this.endpoint = SPICEDB_ENDPOINT;
    this.caCertificate = tls.caCertificate;
    this.clientSecretName = client.metadata.name;
    this.registerOutputs({ caCertificate: this.caCertificate, clientSecretName: this.clientSecretName });
  }
}
