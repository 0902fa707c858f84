/**
 * Which property changes make Pulumi replace a resource rather than update it in place. The
 * offline plan has no provider schemas, so this table states the create-only properties of the
 * types this program creates (from each provider's documentation); the resource's own
 * `replaceOnChanges` option counts too. A change not covered here is reported as an update.
 */
const REPLACE_ON: { match: string; paths: string[] }[] = [
  { match: "kubernetes:*", paths: ["metadata.name", "metadata.namespace"] },
  { match: "kubernetes:apps/v1:Deployment", paths: ["spec.selector"] },
  {
    match: "kubernetes:apps/v1:StatefulSet",
    paths: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
  },
  { match: "kubernetes:helm.sh/v3:Release", paths: ["name", "namespace"] },
  { match: "digitalocean:index/vpc:Vpc", paths: ["region", "ipRange"] },
  {
    match: "digitalocean:index/kubernetesCluster:KubernetesCluster",
    paths: ["region", "vpcUuid", "clusterSubnet", "serviceSubnet"],
  },
  { match: "digitalocean:index/kubernetesNodePool:KubernetesNodePool", paths: ["clusterId", "size"] },
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

/** True when changing `path` on a resource of `type` replaces it. */
export function forcesReplacement(type: string, path: string, replaceOnChanges: string[] = []): boolean {
  const triggers = [
    ...REPLACE_ON.filter((r) => applies(r.match, type)).flatMap((r) => r.paths),
    ...replaceOnChanges,
  ];
  return triggers.some(
    (t) => t === "*" || path === t || path.startsWith(`${t}.`) || path.startsWith(`${t}[`),
  );
}
