/**
 * What each cloud resource type the program creates costs, as priced items (price key × quantity,
 * at the minimum and at the autoscaling maximum). Types that cost nothing by themselves are listed
 * in FREE_TYPES with the reason, so a newly planned type is neither priced nor free until someone
 * decides which it is (the cost test fails on it).
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : fallback);
const str = (v: unknown): string => String(v);

export interface Item {
  item: string;
  priceKey: string;
  /** At the minimum (and only) size. */
  quantity: number;
  /** At the autoscaling maximum, when it differs. */
  maxQuantity?: number;
}

/** The plan around one resource, for items that depend on others (Cloud NAT's VM count). */
export interface Census {
  count(type: string, where?: (inputs: Obj) => boolean): number;
}

const regionOfZone = (zone: string): string => zone.replace(/-[a-z]$/, "");

function pool(label: string, size: string, i: Obj): Item {
  const autoscaled = i.autoScale === true;
  const min = autoscaled ? num(i.minNodes, 1) : num(i.nodeCount, 1);
  const max = autoscaled ? num(i.maxNodes, min) : min;
  return {
    item: autoscaled ? `${min}–${max} × ${size} ${label} (autoscaled)` : `${min} × ${size} ${label}`,
    priceKey: `digitalocean:droplet:${size}`,
    quantity: min,
    maxQuantity: max,
  };
}

export const BILLABLE: Record<string, (inputs: Obj, census: Census) => Item[]> = {
  "digitalocean:index/kubernetesCluster:KubernetesCluster": (i) => {
    const items = [pool("system nodes", str(obj(i.nodePool).size), obj(i.nodePool))];
    if (i.ha === true)
      items.push({ item: "HA control plane", priceKey: "digitalocean:doks:ha-control-plane", quantity: 1 });
    return items;
  },
  "digitalocean:index/kubernetesNodePool:KubernetesNodePool": (i) => [pool("nodes", str(i.size), i)],
  "digitalocean:index/volume:Volume": (i) => [
    { item: `${num(i.size)} GiB volume`, priceKey: "digitalocean:volume:gib", quantity: num(i.size) },
  ],
  // The subscription and the storage beyond what it includes are account-wide: estimate.ts adds them once.
  "digitalocean:index/spacesBucket:SpacesBucket": () => [],
  "azure-native:compute:VirtualMachine": (i) => {
    const size = str(obj(i.hardwareProfile).vmSize);
    const location = str(i.location);
    const disk = obj(obj(obj(i.storageProfile).osDisk).managedDisk);
    return [
      {
        item: `${size} confidential VM (TDX; the DCesv5 rate includes confidential computing)`,
        priceKey: `azure:vm:${size}:${location}`,
        quantity: 1,
      },
      {
        item: `${str(disk.storageAccountType)} confidential OS disk (size from the image)`,
        priceKey: `azure:disk:${str(disk.storageAccountType)}:os:${location}`,
        quantity: 1,
      },
    ];
  },
  "azure-native:compute:VirtualMachineScaleSet": (i) => {
    const sku = obj(i.sku);
    return [
      {
        item: `${num(sku.capacity)} × ${str(sku.name)} in the launch scale set`,
        priceKey: `azure:vm:${str(sku.name)}:${str(i.location)}`,
        quantity: num(sku.capacity),
      },
    ];
  },
  "azure-native:keyvault:Key": (i) => {
    const hsm = str(obj(i.properties).kty).endsWith("-HSM");
    return [
      {
        item: `Key Vault ${hsm ? "HSM-protected" : "software"} key`,
        priceKey: `azure:keyvault:key:${hsm ? "hsm" : "software"}`,
        quantity: 1,
      },
    ];
  },
  "azure-native:network:NatGateway": (i) => [
    { item: "NAT gateway", priceKey: `azure:nat-gateway:${str(i.location)}`, quantity: 1 },
  ],
  "azure-native:network:PublicIPAddress": (i) => [
    {
      item: `${str(obj(i.sku).name)} static public IP`,
      priceKey: `azure:public-ip:${str(obj(i.sku).name).toLowerCase()}:${str(i.location)}`,
      quantity: 1,
    },
  ],
  "gcp:compute/instance:Instance": (i) => {
    const type = str(i.machineType);
    const region = regionOfZone(str(i.zone));
    const init = obj(obj(i.bootDisk).initializeParams);
    const items: Item[] = [
      { item: `${type} VM`, priceKey: `gcp:vm:${type}:${region}`, quantity: 1 },
      {
        item: `${num(init.size, 10)} GiB ${str(init.type ?? "pd-standard")} boot disk`,
        priceKey: `gcp:disk:${str(init.type ?? "pd-standard")}:${region}`,
        quantity: num(init.size, 10),
      },
    ];
    const tee = obj(i.confidentialInstanceConfig).confidentialInstanceType;
    if (tee)
      items.push({
        item: `${str(tee)} confidential-computing surcharge on ${type}`,
        priceKey: `gcp:confidential:${str(tee).toLowerCase()}:${type}:${region}`,
        quantity: 1,
      });
    return items;
  },
  "gcp:kms/cryptoKey:CryptoKey": (i) => {
    const hsm = obj(i.versionTemplate).protectionLevel === "HSM";
    return [
      {
        item: `Cloud KMS ${hsm ? "HSM" : "software"} key version (each rotation adds one while it is kept)`,
        priceKey: `gcp:kms:key-version:${hsm ? "hsm" : "software"}`,
        quantity: 1,
      },
    ];
  },
  "gcp:compute/routerNat:RouterNat": (i, census) => {
    // Billed per VM that uses the gateway (up to 32, then flat): the warm pool's instances here.
    const vms = census.count(
      "gcp:compute/instance:Instance",
      (x) => str(x.project) === str(i.project) && regionOfZone(str(x.zone)) === str(i.region),
    );
    return vms > 32
      ? [{ item: `Cloud NAT (${vms} VMs, flat rate)`, priceKey: "gcp:cloud-nat:gateway-flat", quantity: 1 }]
      : [{ item: `Cloud NAT for ${vms} VM(s)`, priceKey: "gcp:cloud-nat:vm", quantity: vms }];
  },
  "gcp:compute/address:Address": () => [
    { item: "static external IP", priceKey: "gcp:static-ip", quantity: 1 },
  ],
  "aws:ec2/instance:Instance": (i) => {
    const type = str(i.instanceType);
    const region = str(i.region);
    const root = obj(i.rootBlockDevice);
    const items: Item[] = [
      { item: `${type} instance`, priceKey: `aws:ec2:${type}:${region}`, quantity: 1 },
      {
        item: `${num(root.volumeSize, 8)} GiB ${str(root.volumeType ?? "gp3")} root volume`,
        priceKey: `aws:ebs:${str(root.volumeType ?? "gp3")}:${region}`,
        quantity: num(root.volumeSize, 8),
      },
    ];
    if (obj(i.cpuOptions).amdSevSnp === "enabled")
      items.push({
        item: `AMD SEV-SNP surcharge on ${type}`,
        priceKey: `aws:ec2:sev-snp:${type}:${region}`,
        quantity: 1,
      });
    return items;
  },
  "aws:kms/key:Key": () => [{ item: "KMS key", priceKey: "aws:kms:key", quantity: 1 }],
  "aws:ec2/natGateway:NatGateway": (i) => [
    { item: "NAT gateway", priceKey: `aws:nat-gateway:${str(i.region)}`, quantity: 1 },
  ],
  "aws:ec2/eip:Eip": (i) => [
    { item: "Elastic IP (public IPv4)", priceKey: `aws:public-ipv4:${str(i.region)}`, quantity: 1 },
  ],
  "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared": () => [
    { item: "Cloudflare tunnel", priceKey: "cloudflare:tunnel", quantity: 1 },
  ],
  "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication": () => [
    { item: "Access application", priceKey: "cloudflare:access", quantity: 1 },
  ],
  // Advanced certificates come with the Advanced Certificate Manager subscription of the zone; no
  // price with a source is in the table, so it is listed unpriced.
  "cloudflare:index/certificatePack:CertificatePack": () => [
    {
      item: "Advanced certificate (Advanced Certificate Manager)",
      priceKey: "cloudflare:advanced-certificate-manager",
      quantity: 1,
    },
  ],
};

/**
 * Types that cost nothing by themselves, and why. Kubernetes objects run on the nodes already
 * priced; the volumes and load balancers they ask for are priced from them (quantities.ts).
 */
export const FREE_TYPES: Record<string, string> = {
  "kubernetes:": "runs on the priced nodes; its volumes and load balancers are priced from the objects",
  "prism:": "a component: its children are priced",
  "pulumi:": "Pulumi itself (stack, providers)",
  "random:": "generated locally",
  "time:": "timers and rotation schedules exist only in the state",
  "tls:": "generated locally",
  "digitalocean:index/vpc:Vpc": "VPCs are free",
  "digitalocean:index/spacesKey:SpacesKey": "access keys are free",
  "cloudflare:index/dnsRecord:DnsRecord": "DNS records are free on every plan",
  "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy": "part of the Access application",
  "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig": "part of the tunnel",
  "azure-native:authorization:": "RBAC is free",
  "azure-native:resources:ResourceGroup": "free",
  "azure-native:network:VirtualNetwork": "virtual networks are free",
  "azure-native:network:Subnet": "free",
  "azure-native:network:NetworkSecurityGroup": "free",
  "azure-native:network:NetworkInterface": "free",
  "azure-native:compute:DiskEncryptionSet": "free; the Key Vault key it uses is priced",
  "azure-native:keyvault:Vault": "the vault is free; keys and operations are billed",
  "azuread:": "Entra ID app registrations are free",
  "gcp:compute/network:Network": "free",
  "gcp:compute/subnetwork:Subnetwork": "free",
  "gcp:compute/firewall:Firewall": "free",
  "gcp:compute/router:Router": "Cloud Router for NAT only is free; the NAT is priced",
  "gcp:compute/instanceTemplate:InstanceTemplate": "templates are free",
  "gcp:kms/keyRing:KeyRing": "key rings are free",
  "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": "IAM is free",
  "gcp:projects/": "IAM and API enablement are free",
  "gcp:serviceaccount/": "service accounts and keys are free",
  "gcp:iam/workloadIdentityPool": "workload identity federation (pools, providers, token exchange) is free",
  "aws:ec2/vpc:Vpc": "free",
  "aws:ec2/subnet:Subnet": "free",
  "aws:ec2/routeTable": "free",
  "aws:ec2/internetGateway:InternetGateway": "free",
  "aws:ec2/securityGroup:SecurityGroup": "free",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "free",
  "aws:ec2/launchTemplate:LaunchTemplate": "templates are free",
  "aws:iam/": "IAM is free",
  "aws:kms/alias:Alias": "aliases are free",
};

/** Why a type costs nothing itself, or undefined when it is neither billable nor declared free. */
export function freeBecause(type: string): string | undefined {
  const prefix = Object.keys(FREE_TYPES)
    .filter((p) => type.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? FREE_TYPES[prefix] : undefined;
}
