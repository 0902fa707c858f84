import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { stringify as toYaml } from "yaml";
import type { KubernetesIssuer } from "../gcp/workloadIdentity";
import { readServiceAccountIssuer } from "./serviceAccountIssuer";
import type { ClusterNetwork } from "../kubernetes/networkPolicy";
import { keepStateful } from "../safety/stateful";

/** The stack's cluster settings (prism:digitalocean), as stacks/config.ts validates them. */
export interface DoksClusterConfig {
  region: string;
  /** Kubernetes minor ("1.34"); the newest DOKS patch of it is resolved at deploy time. */
  kubernetesVersion: string;
  haControlPlane: boolean;
  surgeUpgrade: boolean;
  autoUpgrade: boolean;
  /** Weekly window (UTC) for DOKS maintenance and patch upgrades. */
  maintenanceWindow: { day: string; startTime: string };
  /** When enabled, only these CIDRs reach the API server. */
  controlPlaneFirewall: { enabled: boolean; allowedAddresses: string[] };
  network: ClusterNetwork & { clusterSubnet: string };
  nodePools: {
    system: { size: string; nodeCount: number };
    workloads: DoksWorkloadPool[];
  };
}

/** An autoscaled workload pool; its labels and taints steer what runs there. */
export interface DoksWorkloadPool {
  name: string;
  size: string;
  minNodes: number;
  maxNodes: number;
  labels: Record<string, string>;
  taints: { key: string; value: string; effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute" }[];
}

export interface DoksClusterArgs {
  /**
   * Pulumi refuses to delete the cluster, and DigitalOcean keeps it should it leave the program
   * (config stateful.protect).
   */
  protect: boolean;
  /** Globally unique physical names (VPC, cluster) carry the stack name. */
  stack: string;
  config: DoksClusterConfig;
  /**
   * The DOKS version slug the cluster runs, as the previous update recorded it; undefined before
   * the cluster exists. Decides whether this run may change the version at all (see below).
   */
  currentVersion?: string;
  provider: digitalocean.Provider;
}

/** "1.34" of "1.34.2-do.0". */
function minorOf(slug: string): string {
  return slug.split(".").slice(0, 2).join(".");
}

function minorNumber(minor: string): number {
  return Number(minor.split(".")[1]);
}

/** Labels every node of a pool carries, so workloads can target the system or workload pools. */
export const POOL_LABEL = "prism.io/pool";

/**
 * A kubeconfig for the cluster that carries no credential: its user runs doctl, which asks
 * DigitalOcean for a short-lived token whenever a client connects (what `doctl kubernetes cluster
 * kubeconfig save` writes). doctl authenticates with DIGITALOCEAN_ACCESS_TOKEN or its `doctl auth
 * init` context, so the account's token is never written into the kubeconfig.
 */
export function execKubeconfig(cluster: {
  clusterId: string;
  clusterName: string;
  server: string;
  /** Base64 PEM of the cluster's CA, as DigitalOcean returns it. */
  caData: string;
}): string {
  const name = `do-${cluster.clusterName}`;
  const user = `${name}-admin`;
  return toYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } }],
    contexts: [{ name, context: { cluster: name, user } }],
    "current-context": name,
    users: [
      {
        name: user,
        user: {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: "doctl",
            args: [
              "kubernetes",
              "cluster",
              "kubeconfig",
              "exec-credential",
              "--version=v1beta1",
              cluster.clusterId,
            ],
            // Pulumi runs unattended: doctl must fail rather than wait for a prompt.
            interactiveMode: "Never",
          },
        },
      },
    ],
  });
}

/**
 * A DOKS cluster in its own VPC: a fixed-size system pool (the cluster's default pool) plus the
 * autoscaling workload pools, and the Kubernetes provider every Kubernetes resource of the platform
 * uses, whose kubeconfig fetches its credentials when used (execKubeconfig).
 */
export class DoksCluster extends pulumi.ComponentResource {
  readonly clusterId: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  /** The exact DOKS version slug the configured minor resolved to. */
  readonly version: pulumi.Output<string>;
  /** Kubeconfig for the cluster (execKubeconfig): endpoint, CA and a doctl exec user; a Pulumi secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  private issuer?: pulumi.Output<KubernetesIssuer>;
  private readonly cluster: digitalocean.KubernetesCluster;
  private readonly doProvider: digitalocean.Provider;

  constructor(name: string, args: DoksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:cluster:DoksCluster", name, {}, opts);
    const { config, stack } = args;
    const doOpts = { parent: this, provider: args.provider };
    const tags = ["prism", `prism-${stack}`];

    const vpc = new digitalocean.Vpc(
      `${name}-vpc`,
      {
        name: `prism-${stack}`,
        region: config.region,
        ipRange: config.network.vpcCidr,
        description: `Prism platform (${stack})`,
      },
      doOpts,
    );

    // The config names a minor; DOKS publishes patch slugs ("1.34.1-do.2") and retires old ones.
    const versions = digitalocean.getKubernetesVersionsOutput(
      { versionPrefix: `${config.kubernetesVersion}.` },
      doOpts,
    );
    const version = versions.apply((v) => {
      if (!v.latestVersion) {
        throw new pulumi.ResourceError(
          `DOKS offers no Kubernetes ${config.kubernetesVersion}.x (prism:digitalocean.kubernetesVersion); available: ${v.validVersions.join(", ")}`,
          this,
        );
      }
      return v.latestVersion;
    });

    // With auto-upgrade on, DOKS applies patches in the maintenance window; a run must not apply
    // them at whatever hour it happens to start. So while the configured minor is the one the
    // cluster runs, Pulumi leaves the version alone; a new minor in config is a deliberate upgrade
    // to its newest patch (DOKS upgrades one minor at a time, and never down).
    const current = args.currentVersion;
    if (current && minorNumber(config.kubernetesVersion) < minorNumber(minorOf(current))) {
      throw new pulumi.ResourceError(
        `prism:digitalocean.kubernetesVersion is ${config.kubernetesVersion}, but the cluster runs ${current}; DOKS cannot downgrade. Allowed: ${minorOf(current)} or the next minor.`,
        this,
      );
    }
    const patchesToWindow =
      config.autoUpgrade && current !== undefined && minorOf(current) === config.kubernetesVersion;

    const firewall = config.controlPlaneFirewall;
    const cluster = new digitalocean.KubernetesCluster(
      name,
      {
        name: `prism-${stack}`,
        region: config.region,
        version,
        vpcUuid: vpc.id,
        clusterSubnet: config.network.clusterSubnet,
        serviceSubnet: config.network.serviceSubnet,
        ha: config.haControlPlane,
        autoUpgrade: config.autoUpgrade,
        surgeUpgrade: config.surgeUpgrade,
        maintenancePolicy: {
          day: config.maintenanceWindow.day,
          startTime: config.maintenanceWindow.startTime,
        },
        controlPlaneFirewall: firewall.enabled
          ? { enabled: true, allowedAddresses: firewall.allowedAddresses }
          : undefined,
        // Keeping volumes and load balancers on destroy means data survives an accidental delete.
        destroyAllAssociatedResources: false,
        nodePool: {
          name: "system",
          size: config.nodePools.system.size,
          nodeCount: config.nodePools.system.nodeCount,
          autoScale: false,
          labels: { [POOL_LABEL]: "system" },
          tags,
        },
        tags,
      },
      { ...doOpts, ...keepStateful(args.protect), ignoreChanges: patchesToWindow ? ["version"] : [] },
    );

    for (const pool of config.nodePools.workloads) {
      new digitalocean.KubernetesNodePool(
        `${name}-${pool.name}`,
        {
          clusterId: cluster.id,
          name: pool.name,
          size: pool.size,
          autoScale: true,
          minNodes: pool.minNodes,
          maxNodes: pool.maxNodes,
          labels: { ...pool.labels, [POOL_LABEL]: pool.name },
          taints: pool.taints,
          tags,
        },
        // The autoscaler owns the node count.
        { ...doOpts, ignoreChanges: ["nodeCount"] },
      );
    }

    // The provider's kubeconfig holds only what never changes (the endpoint, the cluster's CA, its
    // id) and has doctl fetch a token whenever the provider talks to the cluster. A token read into
    // the program would be stale once state outlives it (refresh and destroy run the provider on
    // the stored kubeconfig, DOKS tokens last seven days) and would change the provider's inputs on
    // every run, because DigitalOcean mints a new token on every read of the credentials.
    // It stays a Pulumi secret although nothing in it grants access: the policy pack's
    // credentials-are-secrets holds every `kubeconfig` to that, since a kubeconfig usually carries
    // credentials and this one must stay protected should one ever be added. Being stable, it
    // shows no diff either way.
    const kubeconfig = pulumi.secret(
      pulumi
        .all([cluster.id, cluster.name, cluster.endpoint, cluster.kubeConfigs])
        .apply(([id, clusterName, endpoint, configs]) => {
          const ca = configs[0]?.clusterCaCertificate;
          if (!ca)
            throw new pulumi.ResourceError(
              `DigitalOcean returned no CA certificate for cluster prism-${stack}`,
              cluster,
            );
          return execKubeconfig({ clusterId: id, clusterName, server: endpoint, caData: ca });
        }),
    );

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig,
        // The provider is replaced, and every Kubernetes resource with it, only when the cluster
        // is: without an identifier it guesses from the kubeconfig, and plans a replacement
        // whenever the kubeconfig is still unknown (a preview in which the cluster is updated).
        clusterIdentifier: cluster.id,
        // Server-side apply and no ambient kubeconfig: this provider talks to this cluster only.
        enableServerSideApply: true,
        deleteUnreachable: false,
      },
      { parent: this },
    );

    this.cluster = cluster;
    this.doProvider = args.provider;
    this.clusterId = cluster.id;
    this.clusterName = cluster.name;
    this.vpcId = vpc.id;
    this.endpoint = cluster.endpoint;
    this.version = cluster.version;
    this.kubeconfig = kubeconfig;
    this.registerOutputs({
      clusterId: this.clusterId,
      endpoint: this.endpoint,
      version: this.version,
    });
  }

  /**
   * The cluster's service-account token issuer and its signing keys, read from the API server on
   * every run (serviceAccountIssuer.ts) and only when something federates them. Public data.
   */
  serviceAccountIssuer(): pulumi.Output<KubernetesIssuer> {
    // The program itself (not the provider) calls the API server here, so it needs a token in hand:
    // this data source is the one place a run mints a DOKS token, and only a stack that federates
    // the issuer calls it. The token stays in this apply; only the (public) issuer and keys come out.
    this.issuer ??= pulumi
      .unsecret(
        digitalocean.getKubernetesClusterOutput(
          { name: this.cluster.name },
          { parent: this, provider: this.doProvider, dependsOn: [this.cluster] },
        ).kubeConfigs,
      )
      .apply(async (configs) => {
        const credentials = configs[0];
        try {
          if (!credentials) throw new Error("DigitalOcean returned no credentials for the cluster");
          return await readServiceAccountIssuer(credentials);
        } catch (err) {
          throw new pulumi.ResourceError(
            `could not read the cluster's service-account issuer from its API server, which keyless GCP identity ` +
              `(prism:gcpServiceAccountKeys) federates: ${err instanceof Error ? err.message : String(err)}. ` +
              `The machine running Pulumi must reach the API server (with the control-plane firewall on, its address must be allowed).`,
            this,
          );
        }
      });
    return this.issuer;
  }
}
