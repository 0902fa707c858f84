/**
 * The same platform priced on AWS EKS from the same price table, so the DigitalOcean choice is a
 * number: the EKS control plane instead of DOKS's, the cheapest instance type with at least each
 * Droplet's vCPUs and memory, a Network Load Balancer per load balancer, gp3 EBS for the volumes,
 * one full EBS snapshot per volume (EBS snapshots are incremental; changed blocks are extra), S3
 * for the backups. Everything not on DigitalOcean (the confidential-VM landing zones) is unchanged.
 * Node root volumes are not added: a Droplet's local disk has no EKS equivalent priced here.
 */
import type { CostedResource, CostEstimate, CostLine } from "../../policies/cost/estimate";
import { monthly } from "../../policies/cost/estimate";
import { DROPLET_SPECS, PRICES, type ListPrice, type MachineSpec } from "../../policies/cost/prices";

/** Instance shapes (facts from the EC2 instance-type documentation, not prices). */
export const EC2_SPECS: Readonly<Record<string, MachineSpec>> = {
  "c6a.large": { vcpus: 2, memoryGiB: 4 },
  "c6a.xlarge": { vcpus: 4, memoryGiB: 8 },
  "c6a.2xlarge": { vcpus: 8, memoryGiB: 16 },
  "c6a.4xlarge": { vcpus: 16, memoryGiB: 32 },
  "m6a.large": { vcpus: 2, memoryGiB: 8 },
  "m6a.xlarge": { vcpus: 4, memoryGiB: 16 },
  "m6a.2xlarge": { vcpus: 8, memoryGiB: 32 },
  "m6a.4xlarge": { vcpus: 16, memoryGiB: 64 },
  "r6a.large": { vcpus: 2, memoryGiB: 16 },
  "r6a.xlarge": { vcpus: 4, memoryGiB: 32 },
  "r6a.2xlarge": { vcpus: 8, memoryGiB: 64 },
  "r6a.4xlarge": { vcpus: 16, memoryGiB: 128 },
};

/** The AWS region nearest each DOKS region. */
export const AWS_REGION_NEAR: Readonly<Record<string, string>> = {
  nyc1: "us-east-1",
  nyc3: "us-east-1",
  atl1: "us-east-1",
  sfo3: "us-west-1",
  tor1: "ca-central-1",
  ams3: "eu-west-1",
  lon1: "eu-west-2",
  fra1: "eu-central-1",
  sgp1: "ap-southeast-1",
  blr1: "ap-south-1",
  syd1: "ap-southeast-2",
};

/** The cheapest priced type that fits the shape, else the smallest that fits (then unpriced). */
export function equivalentInstance(
  spec: MachineSpec,
  region: string,
  prices: Readonly<Record<string, ListPrice>> = PRICES,
): string | undefined {
  const fits = Object.entries(EC2_SPECS).filter(
    ([, s]) => s.vcpus >= spec.vcpus && s.memoryGiB >= spec.memoryGiB,
  );
  const priced = fits
    .filter(([t]) => prices[`aws:ec2:${t}:${region}`])
    .sort(([a], [b]) => prices[`aws:ec2:${a}:${region}`].usd - prices[`aws:ec2:${b}:${region}`].usd);
  if (priced.length) return priced[0][0];
  fits.sort(([, a], [, b]) => a.vcpus - b.vcpus || a.memoryGiB - b.memoryGiB);
  return fits[0]?.[0];
}

export interface Comparison {
  region: string;
  monthlyUsd: number;
  maxMonthlyUsd: number;
  lines: CostLine[];
  unpriced: CostLine[];
}

export function priceOnEks(
  resources: CostedResource[],
  estimate: CostEstimate,
  prices: Readonly<Record<string, ListPrice>> = PRICES,
): Comparison {
  const cluster = resources.find((r) => r.type === "digitalocean:index/kubernetesCluster:KubernetesCluster");
  const region = AWS_REGION_NEAR[String(cluster?.inputs.region)] ?? "us-east-1";
  const out: CostLine[] = [];
  const push = (from: CostLine, item: string, priceKey: string, quantity: number, maxQuantity = quantity) =>
    out.push({
      ...from,
      item,
      priceKey,
      quantity,
      maxQuantity,
      monthlyUsd: undefined,
      maxMonthlyUsd: undefined,
    });
  let controlPlane = false;
  for (const l of [...estimate.lines, ...estimate.unpriced]) {
    const droplet = /^digitalocean:droplet:(.+)$/.exec(l.priceKey);
    if (droplet) {
      const type = equivalentInstance(
        DROPLET_SPECS[droplet[1]] ?? { vcpus: 0, memoryGiB: 0 },
        region,
        prices,
      );
      push(
        l,
        `${l.item} → ${type ?? "no equivalent"}`,
        `aws:ec2:${type ?? droplet[1]}:${region}`,
        l.quantity,
        l.maxQuantity,
      );
      if (!controlPlane) {
        controlPlane = true;
        push(l, "EKS control plane", "aws:eks:control-plane", 1);
      }
    } else if (l.priceKey === "digitalocean:loadbalancer:node") {
      push(l, `${l.item} → Network Load Balancer`, `aws:nlb:${region}`, 1);
    } else if (l.priceKey === "digitalocean:volume:gib") {
      push(l, `${l.item} → gp3 EBS`, `aws:ebs:gp3:${region}`, l.quantity);
    } else if (l.priceKey === "digitalocean:snapshot:gib") {
      const gib = Math.round(estimate.blockStorageGiB);
      push(
        l,
        `EBS snapshots: one full copy of ${gib} GiB (later snapshots incremental)`,
        `aws:ebs:snapshot:${region}`,
        gib,
      );
    } else if (l.priceKey === "digitalocean:spaces:gib-over-included") {
      const gib = Math.round(estimate.objectStorageGiB);
      push(l, `S3 Standard: ${gib} GiB of backups`, `aws:s3:standard:${region}`, gib);
    } else if (!l.priceKey.startsWith("digitalocean:")) {
      out.push(l);
    }
  }
  const lines: CostLine[] = [];
  const unpriced: CostLine[] = [];
  for (const l of out) {
    const price = prices[l.priceKey];
    if (!price) {
      unpriced.push(l);
      continue;
    }
    lines.push({
      ...l,
      monthlyUsd: monthly(price, l.quantity, l.priceKey),
      maxMonthlyUsd: monthly(price, l.maxQuantity, l.priceKey),
    });
  }
  const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
  return {
    region,
    monthlyUsd: sum(lines.map((l) => l.monthlyUsd ?? 0)),
    maxMonthlyUsd: sum(lines.map((l) => l.maxMonthlyUsd ?? 0)),
    lines,
    unpriced,
  };
}
