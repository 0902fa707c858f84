import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
 * A DOKS cluster in its own VPC: a fixed-size system pool (the cluster's default pool) plus the
 * autoscaling workload pools, and a Kubernetes provider built from the cluster's credentials that
 * every Kubernetes resource of the platform uses.
 */
export class DoksCluster extends pulumi.ComponentResource {
  readonly clusterId: pulumi.Output<string>;
  readonly clusterName: pulumi.Output<string>;
  readonly vpcId: pulumi.Output<string>;
  readonly endpoint: pulumi.Output<string>;
  /** The exact DOKS version slug the configured minor resolved to. */
  readonly version: pulumi.Output<string>;
  /** Kubeconfig for the cluster; a Pulumi secret. */
  readonly kubeconfig: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  private issuer?: pulumi.Output<KubernetesIssuer>;

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

    // Read the credentials through the data source on every run: the token in a kubeconfig stored
    // at create time expires after seven days, the data source always returns a fresh one.
    const credentials = digitalocean.getKubernetesClusterOutput(
      { name: cluster.name },
      { ...doOpts, dependsOn: [cluster] },
    );
    const kubeconfig = pulumi.secret(
      credentials.kubeConfigs.apply((configs) => {
        const raw = configs[0]?.rawConfig;
        if (!raw)
          throw new pulumi.ResourceError(
            `DigitalOcean returned no kubeconfig for cluster prism-${stack}`,
            cluster,
          );
        return raw;
      }),
    );

    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig,
        // Server-side apply and no ambient kubeconfig: this provider talks to this cluster only.
        enableServerSideApply: true,
        deleteUnreachable: false,
      },
      { parent: this },
    );

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
    // The kubeconfig stays in this apply; only the (public) issuer and keys come out.
    this.issuer ??= pulumi.unsecret(this.kubeconfig).apply(async (kubeconfig) => {
      try {
        return await readServiceAccountIssuer(kubeconfig);
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
