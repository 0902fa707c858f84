/**
 * The whole platform in dependency order. Each component receives exactly the values it needs
 * from the ones before it; this file only composes.
 */
import * as digitalocean from "@pulumi/digitalocean";
import { DoksCluster } from "../components/cluster/doksCluster";
import { PlatformNamespaces } from "../components/cluster/platformNamespaces";
import type { PlatformConfig } from "./config";
import type { PlatformSecrets } from "./secrets";

/** The cluster and its namespaces: what every later layer stands on. */
export function buildFoundation(stack: string, config: PlatformConfig, secrets: PlatformSecrets) {
  const doProvider = new digitalocean.Provider("digitalocean", {
    token: secrets.digitaloceanToken,
    spacesAccessId: secrets.spacesAccessKeyId,
    spacesSecretKey: secrets.spacesSecretKey,
  });

  // 1. Cluster: VPC, DOKS, node pools, and the Kubernetes provider everything below uses.
  const cluster = new DoksCluster("prism", {
    environment: config.environment,
    stack,
    config: config.digitalocean,
    provider: doProvider,
  });

  // 2. Namespaces with Pod Security Admission and default-deny network policies.
  const namespaces = new PlatformNamespaces("platform", {
    provider: cluster.provider,
    kubernetesVersion: config.digitalocean.kubernetesVersion,
  });

  return { doProvider, cluster, namespaces };
}

export type Foundation = ReturnType<typeof buildFoundation>;

export function buildPlatform(stack: string, config: PlatformConfig, secrets: PlatformSecrets) {
  const { cluster, namespaces } = buildFoundation(stack, config, secrets);

  return {
    environment: config.environment,
    clusterName: cluster.clusterName,
    clusterId: cluster.clusterId,
    clusterEndpoint: cluster.endpoint,
    kubernetesVersion: cluster.version,
    vpcId: cluster.vpcId,
    kubeconfig: cluster.kubeconfig,
    namespaces: namespaces.all(),
  };
}
