/** The plan diff's name for a resource's `replacementTrigger` option. */
export const REPLACEMENT_TRIGGER_PATH = "(replacementTrigger)";

/**
 * Which property changes make Pulumi replace a resource rather than update it in place. The
 * offline plan has no provider schemas, so this table states the create-only properties of the
 * types this program creates (from each provider's documentation); the resource's own
 * `replaceOnChanges` option counts too. A change not covered here is reported as an update.
 */
const REPLACE_ON: { match: string; paths: string[] }[] = [
  // The engine replaces any resource whose `replacementTrigger` option changed (the plan diff
  // compares it as this pseudo-property).
  { match: "*", paths: [REPLACEMENT_TRIGGER_PATH] },
  // Rotation: a new keeper value means a new credential.
  { match: "random:index/randomPassword:RandomPassword", paths: ["keepers"] },
  { match: "gcp:serviceaccount/key:Key", paths: ["keepers"] },
  { match: "azuread:index/servicePrincipalPassword:ServicePrincipalPassword", paths: ["rotateWhenChanged"] },
  { match: "kubernetes:*", paths: ["metadata.name", "metadata.namespace"] },
  { match: "kubernetes:apps/v1:Deployment", paths: ["spec.selector"] },
  {
    match: "kubernetes:apps/v1:StatefulSet",
    paths: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
  },
  { match: "kubernetes:helm.sh/v3:Release", paths: ["name", "namespace"] },
  { match: "digitalocean:index/vpc:Vpc", paths: ["region", "ipRange"] },
  // ForceNew in terraform-provider-digitalocean (digitalocean/kubernetes/resource_kubernetes_cluster.go
  // and kubernetes.go, commit 401992a1): the default pool's size is create-only, so resizing the
  // system pool replaces the whole cluster; a version downgrade does too (see VERSION_DOWNGRADE).
  {
    match: "digitalocean:index/kubernetesCluster:KubernetesCluster",
    paths: [
      "region",
      "vpcUuid",
      "workerSubnetUuid",
      "clusterSubnet",
      "serviceSubnet",
      "isolatedWorkers",
      "nodePool.size",
      "nodePool.gpuPartitionMode",
    ],
  },
  {
    match: "digitalocean:index/kubernetesNodePool:KubernetesNodePool",
    paths: ["clusterId", "size", "gpuPartitionMode"],
  },
  { match: "digitalocean:index/spacesBucket:SpacesBucket", paths: ["name", "region"] },
  {
    match: "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
    paths: ["accountId", "configSrc"],
  },
  { match: "cloudflare:index/dnsRecord:DnsRecord", paths: ["zoneId"] },
  {
    match: "gcp:compute/instance:Instance",
    paths: ["zone", "name", "bootDisk", "confidentialInstanceConfig"],
  },
  { match: "gcp:compute/instanceTemplate:InstanceTemplate", paths: ["*"] },
  { match: "gcp:kms/cryptoKey:CryptoKey", paths: ["keyRing", "name", "purpose"] },
  { match: "gcp:kms/keyRing:KeyRing", paths: ["name", "location", "project"] },
  { match: "gcp:compute/network:Network", paths: ["name", "project"] },
  { match: "gcp:compute/subnetwork:Subnetwork", paths: ["name", "network", "project", "region"] },
  { match: "gcp:serviceaccount/account:Account", paths: ["accountId", "project"] },
  { match: "aws:ec2/instance:Instance", paths: ["ami", "subnetId", "cpuOptions", "availabilityZone"] },
  { match: "aws:kms/key:Key", paths: ["customerMasterKeySpec", "keySpec"] },
  {
    match: "azure-native:compute:VirtualMachine",
    paths: ["location", "securityProfile", "storageProfile.osDisk"],
  },
];

function applies(match: string, type: string): boolean {
  return match.endsWith("*") ? type.startsWith(match.slice(0, -1)) : type === match;
}

/** DOKS only upgrades a cluster in place; a lower version means a new cluster. */
const VERSION_DOWNGRADE = {
  match: "digitalocean:index/kubernetesCluster:KubernetesCluster",
  path: "version",
};

function versionParts(v: unknown): number[] | undefined {
  if (typeof v !== "string") return undefined;
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  return match ? match.slice(1).map((x) => Number(x ?? 0)) : undefined;
}

function isDowngrade(before: unknown, after: unknown): boolean {
  const a = versionParts(before);
  const b = versionParts(after);
  if (!a || !b) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return b[i] < a[i];
  return false;
}

function triggersOf(type: string, replaceOnChanges: string[]): string[] {
  return [...REPLACE_ON.filter((r) => applies(r.match, type)).flatMap((r) => r.paths), ...replaceOnChanges];
}

function covers(trigger: string, path: string): boolean {
  return (
    trigger === "*" || path === trigger || path.startsWith(`${trigger}.`) || path.startsWith(`${trigger}[`)
  );
}

/** True when changing `path` (from `before` to `after`) on a resource of `type` replaces it. */
export function forcesReplacement(
  type: string,
  path: string,
  replaceOnChanges: string[] = [],
  before?: unknown,
  after?: unknown,
): boolean {
  if (type === VERSION_DOWNGRADE.match && path === VERSION_DOWNGRADE.path && isDowngrade(before, after)) {
    return true;
  }
  return triggersOf(type, replaceOnChanges).some((t) => covers(t, path));
}

/** Why a change replaces the resource, in words for the diff. */
export function replacementReason(type: string, path: string, before: unknown, after: unknown): string {
  const change = `${JSON.stringify(before) ?? "∅"} → ${JSON.stringify(after) ?? "∅"}`;
  if (type === VERSION_DOWNGRADE.match && path === VERSION_DOWNGRADE.path && isDowngrade(before, after)) {
    return `\`version\` goes down (${change}) and DOKS only upgrades in place`;
  }
  return `\`${path}\` is create-only (${change})`;
}
