/**
 * Monthly cost of a plan at list prices: every billable resource (billable.ts), the volumes and
 * load balancers its Kubernetes objects and rendered charts ask for (quantities.ts), and the
 * storage its backups keep (backups.ts), each priced from prices.ts at the minimum and at the
 * autoscaling maximum, totalled per top-level component. An item without a price is listed as
 * unpriced with its quantity — never guessed.
 */
import { BILLABLE, freeBecause, type Census, type Item } from "./billable";
import {
  postgresBaseBackups,
  snapshotSchedules,
  snapshotStorage,
  SNAPSHOTS_PER_VOLUME_LIMIT,
} from "./backups";
import { hoursPerMonth, MAX_PRICE_AGE_DAYS, priceAgeDays, PRICES, type ListPrice } from "./prices";
import { loadBalancers, planManifests, volumeClaims, type SourcedManifest } from "./quantities";
import { chartNameOf } from "../lib/helmChart";

/** The stack resource itself, which bills nothing. */
const STACK_TYPE = "pulumi:pulumi:Stack";

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
  maxQuantity: number;
  /** Undefined when the item has no list price. */
  monthlyUsd?: number;
  /** At the autoscaling maximum. */
  maxMonthlyUsd?: number;
}

export interface CostEstimate {
  monthlyUsd: number;
  maxMonthlyUsd: number;
  byComponent: Record<string, number>;
  lines: CostLine[];
  unpriced: CostLine[];
  /** Stale prices, limits the plan exceeds, quantities that could not be counted. */
  warnings: string[];
  /** Planned types that are neither billable nor declared free: a gap in billable.ts. */
  unclassified: string[];
  /** Provisioned block storage and stored backups, for pricing the same platform elsewhere. */
  blockStorageGiB: number;
  objectStorageGiB: number;
}

export interface EstimateOptions {
  /** Objects rendered from the plan's charts (Helm releases, Argo CD Applications), by source URN. */
  rendered?: SourcedManifest[];
  prices?: Readonly<Record<string, ListPrice>>;
  /** For the age check of prices. */
  today?: Date;
  maxPriceAgeDays?: number;
}

const cents = (n: number) => Math.round(n * 100) / 100;

export function monthly(price: ListPrice, quantity: number, priceKey: string): number {
  const perUnit = price.unit === "hour" ? price.usd * hoursPerMonth(priceKey) : price.usd;
  return cents(perUnit * quantity);
}

const SPACES_INCLUDED_GIB = 250;
const VELERO_CHART = "velero";

export function estimateCost(resources: CostedResource[], options: EstimateOptions = {}): CostEstimate {
  const prices = options.prices ?? PRICES;
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stackUrn = resources.find((r) => r.type === STACK_TYPE)?.urn;
  const componentOf = (urn: string): string => {
    let current = byUrn.get(urn);
    if (!current) return "(outside the plan)";
    while (current.parent && current.parent !== stackUrn && byUrn.has(current.parent))
      current = byUrn.get(current.parent)!;
    return current.name;
  };
  const census: Census = {
    count: (type, where) => resources.filter((r) => r.type === type && (!where || where(r.inputs))).length,
  };
  const lines: CostLine[] = [];
  const unpriced: CostLine[] = [];
  const warnings: string[] = [];
  const add = (urn: string, it: Item) => {
    const line: CostLine = {
      urn,
      component: componentOf(urn),
      item: it.item,
      priceKey: it.priceKey,
      quantity: it.quantity,
      maxQuantity: it.maxQuantity ?? it.quantity,
    };
    const price = prices[it.priceKey];
    if (!price) return void unpriced.push(line);
    line.monthlyUsd = monthly(price, line.quantity, it.priceKey);
    line.maxMonthlyUsd = monthly(price, line.maxQuantity, it.priceKey);
    lines.push(line);
  };

  const unclassified = new Set<string>();
  for (const r of resources) {
    const billable = BILLABLE[r.type];
    if (billable) for (const it of billable(r.inputs, census)) add(r.urn, it);
    else if (!freeBecause(r.type)) unclassified.add(r.type);
  }

  // Kubernetes objects: the plan's own and those its charts render.
  const objects = [...planManifests(resources), ...(options.rendered ?? [])];
  const claims = volumeClaims(objects);
  for (const c of claims) {
    add(c.source, {
      item: `${c.count} × ${c.gib} GiB volume: ${c.what}`,
      priceKey: "digitalocean:volume:gib",
      quantity: c.count * c.gib,
    });
  }
  for (const lb of loadBalancers(objects)) {
    add(lb.source, {
      item: `load balancer (${lb.nodes} node${lb.nodes > 1 ? "s" : ""}): ${lb.what}`,
      priceKey: "digitalocean:loadbalancer:node",
      quantity: lb.nodes,
    });
  }

  // Volume snapshots kept by the Velero schedules.
  const velero = resources.find(
    (r) => r.type === "kubernetes:helm.sh/v3:Release" && chartNameOf(r.inputs.chart) === VELERO_CHART,
  );
  if (velero) {
    const schedules = snapshotSchedules(velero.inputs.values);
    const snapshots = snapshotStorage(schedules, claims);
    add(velero.urn, {
      item: `volume snapshots of ${schedules.map((s) => `${s.name} (${s.retained ?? "?"} kept)`).join(", ")}, at full volume size (DigitalOcean snapshots are full images)`,
      priceKey: "digitalocean:snapshot:gib",
      quantity: Math.round(snapshots.gib),
    });
    for (const o of snapshots.overLimit)
      warnings.push(
        `${o.what}: the backup schedules keep ${o.wanted} snapshots, DigitalOcean keeps at most ${SNAPSHOTS_PER_VOLUME_LIMIT} per volume (counted at ${SNAPSHOTS_PER_VOLUME_LIMIT}; later snapshots will fail)`,
      );
    for (const s of snapshots.uncounted)
      warnings.push(
        `Velero schedule ${s.name} ("${s.schedule}") has a period this estimate cannot read: its snapshots are not counted`,
      );
  }

  // Spaces: one subscription per account, and what the buckets hold beyond the included storage.
  let objectStorageGiB = 0;
  const bucket = resources.find((r) => r.type === "digitalocean:index/spacesBucket:SpacesBucket");
  if (bucket) {
    add(bucket.urn, {
      item: `Spaces subscription (one per account, ${SPACES_INCLUDED_GIB} GiB included)`,
      priceKey: "digitalocean:spaces:subscription",
      quantity: 1,
    });
    const backups = postgresBaseBackups(objects);
    const stored = backups.reduce((n, b) => n + b.gib, 0);
    objectStorageGiB = stored;
    add(bucket.urn, {
      item: `Spaces storage beyond the ${SPACES_INCLUDED_GIB} GiB included (${Math.round(stored)} GiB of PostgreSQL base backups of ${backups.length} clusters, at full volume size)`,
      priceKey: "digitalocean:spaces:gib-over-included",
      quantity: Math.max(0, Math.round(stored - SPACES_INCLUDED_GIB)),
    });
    if (backups.length)
      warnings.push(
        "not counted: PostgreSQL WAL archives and Velero backup objects in Spaces (their size depends on the write rate)",
      );
  }

  const today = options.today ?? new Date();
  const maxAge = options.maxPriceAgeDays ?? MAX_PRICE_AGE_DAYS;
  for (const key of [...new Set(lines.map((l) => l.priceKey))].sort()) {
    const age = priceAgeDays(prices[key], today);
    if (age > maxAge)
      warnings.push(`price ${key} was read ${age} days ago (${prices[key].asOf}); run npm run prices:update`);
  }

  const byComponent: Record<string, number> = {};
  for (const l of lines)
    byComponent[l.component] = cents((byComponent[l.component] ?? 0) + (l.monthlyUsd ?? 0));
  const sum = (xs: number[]) => cents(xs.reduce((a, b) => a + b, 0));
  return {
    monthlyUsd: sum(lines.map((l) => l.monthlyUsd ?? 0)),
    maxMonthlyUsd: sum(lines.map((l) => l.maxMonthlyUsd ?? 0)),
    byComponent,
    lines,
    unpriced,
    warnings,
    unclassified: [...unclassified].sort(),
    blockStorageGiB: claims.reduce((n, c) => n + c.gib * c.count, 0),
    objectStorageGiB,
  };
}
