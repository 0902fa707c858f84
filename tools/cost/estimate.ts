/**
 * Monthly cost of a plan at list prices: each billable resource is mapped to priced items
 * (prices.ts), totalled per top-level component and per stack. A billable resource without a
 * price is listed as unpriced — never guessed.
 */
import { STACK_TYPE } from "../analysis/graph";
import { HOURS_PER_MONTH, PRICES, type ListPrice } from "./prices";

export interface CostedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  inputs: Record<string, unknown>;
}

export interface CostLine {
  urn: string;
  component: string;
  item: string;
  priceKey: string;
  quantity: number;
  /** Undefined when the item has no list price. */
  monthlyUsd?: number;
  /** For autoscaled items: the cost at their maximum size. */
  maxMonthlyUsd?: number;
}

export interface CostEstimate {
  monthlyUsd: number;
  maxMonthlyUsd: number;
  byComponent: Record<string, number>;
  lines: CostLine[];
  unpriced: CostLine[];
}

interface Item {
  item: string;
  priceKey: string;
  quantity: number;
  maxQuantity?: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const num = (v: unknown, fallback = 0): number => (typeof v === "number" ? v : fallback);

/** Counts of resources by type in the plan, for items priced per attached resource. */
type Census = (type: string) => number;

/** What each billable type costs, as priced items. Types not listed here cost nothing themselves. */
const BILLABLE: Record<string, (inputs: Obj, census: Census) => Item[]> = {
  "digitalocean:index/kubernetesCluster:KubernetesCluster": (i) => {
    const pool = obj(i.nodePool);
    const items: Item[] = [
      {
        item: `${num(pool.nodeCount, 1)} × ${String(pool.size)} system nodes`,
        priceKey: `digitalocean:droplet:${String(pool.size)}`,
        quantity: num(pool.nodeCount, 1),
      },
    ];
    if (i.ha === true)
      items.push({ item: "HA control plane", priceKey: "digitalocean:doks:ha-control-plane", quantity: 1 });
    return items;
  },
  "digitalocean:index/kubernetesNodePool:KubernetesNodePool": (i) => {
    const min = num(i.minNodes, num(i.nodeCount, 1));
    return [
      {
        item: `${min}–${num(i.maxNodes, min)} × ${String(i.size)} nodes (autoscaled)`,
        priceKey: `digitalocean:droplet:${String(i.size)}`,
        quantity: min,
        maxQuantity: num(i.maxNodes, min),
      },
    ];
  },
  "kubernetes:core/v1:Service": (i) =>
    obj(i.spec).type === "LoadBalancer"
      ? [{ item: "load balancer", priceKey: "digitalocean:loadbalancer", quantity: 1 }]
      : [],
  "digitalocean:index/spacesBucket:SpacesBucket": () => [
    {
      item: "Spaces subscription (one per account)",
      priceKey: "digitalocean:spaces:subscription",
      quantity: 1,
    },
  ],
  "digitalocean:index/volume:Volume": (i) => [
    { item: `${num(i.size)} GiB volume`, priceKey: "digitalocean:volume:gib", quantity: num(i.size) },
  ],
  "azure-native:compute:VirtualMachine": (i) => {
    const size = String(obj(i.hardwareProfile).vmSize);
    return [{ item: `${size} confidential VM`, priceKey: `azure:vm:${size}`, quantity: 1 }];
  },
  "azure-native:keyvault:Key": () => [{ item: "Key Vault key", priceKey: "azure:keyvault:key", quantity: 1 }],
  "azure-native:network:NatGateway": () => [
    { item: "NAT gateway", priceKey: "azure:nat-gateway", quantity: 1 },
  ],
  "azure-native:network:PublicIPAddress": () => [
    { item: "static public IP", priceKey: "azure:public-ip:static", quantity: 1 },
  ],
  "gcp:compute/instance:Instance": (i) => [
    {
      item: `${String(i.machineType)} confidential VM`,
      priceKey: `gcp:vm:${String(i.machineType)}`,
      quantity: 1,
    },
  ],
  "gcp:kms/cryptoKey:CryptoKey": () => [
    { item: "Cloud KMS key version", priceKey: "gcp:kms:key-version", quantity: 1 },
  ],
  "gcp:compute/routerNat:RouterNat": () => [
    { item: "Cloud NAT gateway", priceKey: "gcp:cloud-nat:gateway", quantity: 1 },
  ],
  "gcp:compute/address:Address": () => [{ item: "static IP", priceKey: "gcp:static-ip", quantity: 1 }],
  "aws:ec2/instance:Instance": (i) => [
    {
      item: `${String(i.instanceType)} confidential VM`,
      priceKey: `aws:ec2:${String(i.instanceType)}`,
      quantity: 1,
    },
  ],
  "aws:kms/key:Key": () => [{ item: "KMS key", priceKey: "aws:kms:key", quantity: 1 }],
  "aws:ec2/natGateway:NatGateway": () => [{ item: "NAT gateway", priceKey: "aws:nat-gateway", quantity: 1 }],
  "aws:ec2/eip:Eip": () => [{ item: "Elastic IP", priceKey: "aws:eip", quantity: 1 }],
};

export function monthly(price: ListPrice, quantity: number): number {
  const perUnit = price.unit === "hour" ? price.usd * HOURS_PER_MONTH : price.usd;
  return Math.round(perUnit * quantity * 100) / 100;
}

export function estimateCost(
  resources: CostedResource[],
  prices: Readonly<Record<string, ListPrice>> = PRICES,
): CostEstimate {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stackUrn = resources.find((r) => r.type === STACK_TYPE)?.urn;
  const componentOf = (r: CostedResource): string => {
    let current = r;
    while (current.parent && current.parent !== stackUrn && byUrn.has(current.parent))
      current = byUrn.get(current.parent)!;
    return current.name;
  };
  const lines: CostLine[] = [];
  const unpriced: CostLine[] = [];
  const seenOncePerAccount = new Set<string>();
  const census: Census = (type) => resources.filter((r) => r.type === type).length;
  for (const r of resources) {
    for (const it of BILLABLE[r.type]?.(r.inputs, census) ?? []) {
      if (it.priceKey === "digitalocean:spaces:subscription") {
        if (seenOncePerAccount.has(it.priceKey)) continue;
        seenOncePerAccount.add(it.priceKey);
      }
      const price = prices[it.priceKey];
      const line: CostLine = {
        urn: r.urn,
        component: componentOf(r),
        item: it.item,
        priceKey: it.priceKey,
        quantity: it.quantity,
      };
      if (!price) {
        unpriced.push(line);
        continue;
      }
      line.monthlyUsd = monthly(price, it.quantity);
      line.maxMonthlyUsd = monthly(price, it.maxQuantity ?? it.quantity);
      lines.push(line);
    }
  }
  const byComponent: Record<string, number> = {};
  for (const l of lines)
    byComponent[l.component] =
      Math.round(((byComponent[l.component] ?? 0) + (l.monthlyUsd ?? 0)) * 100) / 100;
  const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
  return {
    monthlyUsd: sum(lines.map((l) => l.monthlyUsd ?? 0)),
    maxMonthlyUsd: sum(lines.map((l) => l.maxMonthlyUsd ?? 0)),
    byComponent,
    lines,
    unpriced,
  };
}
