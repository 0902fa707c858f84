/**
 * The cost change between two JSON plans, item by item: each priced line of either plan keyed by
 * its resource (stack-independent URN) and price key, so the PR comment lists what changed and by
 * how much, at the minimum and at the autoscaling maximum.
 */
import type { PlanJson } from "../engine/plan";

interface LineJson {
  urn: string;
  item: string;
  priceKey: string;
  monthlyUsd?: number;
  maxMonthlyUsd?: number;
}

export interface CostItemChange {
  item: string;
  priceKey: string;
  before: number;
  after: number;
  maxBefore: number;
  maxAfter: number;
}

export interface CostChange {
  before: number;
  after: number;
  maxBefore?: number;
  maxAfter?: number;
  items: CostItemChange[];
}

const stackless = (urn: string) => urn.replace(/^urn:pulumi:[^:]*::/, "urn:pulumi:*::");

function linesOf(plan: PlanJson): Map<string, LineJson> {
  const cost = plan.cost as { lines?: LineJson[] } | undefined;
  const out = new Map<string, LineJson>();
  for (const l of cost?.lines ?? []) {
    // Lines of one resource and price key are told apart by the object they are for ("…: StatefulSet x").
    const key = `${stackless(l.urn)}\0${l.priceKey}\0${l.item.split(": ").slice(1).join(": ")}`;
    const prev = out.get(key);
    out.set(key, {
      ...l,
      monthlyUsd: (prev?.monthlyUsd ?? 0) + (l.monthlyUsd ?? 0),
      maxMonthlyUsd: (prev?.maxMonthlyUsd ?? 0) + (l.maxMonthlyUsd ?? 0),
    });
  }
  return out;
}

const total = (plan: PlanJson, key: "monthlyUsd" | "maxMonthlyUsd") =>
  (plan.cost as Record<string, number | undefined> | undefined)?.[key];

export function costDiff(base: PlanJson, head: PlanJson): CostChange | undefined {
  const before = total(base, "monthlyUsd");
  const after = total(head, "monthlyUsd");
  if (before === undefined || after === undefined) return undefined;
  const a = linesOf(base);
  const b = linesOf(head);
  const items: CostItemChange[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(key);
    const y = b.get(key);
    const change = {
      item: (y ?? x)!.item,
      priceKey: (y ?? x)!.priceKey,
      before: x?.monthlyUsd ?? 0,
      after: y?.monthlyUsd ?? 0,
      maxBefore: x?.maxMonthlyUsd ?? 0,
      maxAfter: y?.maxMonthlyUsd ?? 0,
    };
    if (
      Math.abs(change.after - change.before) >= 0.005 ||
      Math.abs(change.maxAfter - change.maxBefore) >= 0.005
    )
      items.push(change);
  }
  items.sort(
    (p, q) => Math.abs(q.after - q.before) - Math.abs(p.after - p.before) || p.item.localeCompare(q.item),
  );
  return {
    before,
    after,
    maxBefore: total(base, "maxMonthlyUsd"),
    maxAfter: total(head, "maxMonthlyUsd"),
    items,
  };
}

const money = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const signed = (n: number) => `${n >= 0 ? "+" : "−"}${money(Math.abs(n))}`;

/** The "Cost" section of the PR comment: the items whose monthly cost changed, largest first. */
export function renderCostChanges(change: CostChange | undefined, limit = 10): string[] {
  if (!change || change.items.length === 0) return [];
  const lines = [
    "",
    "#### Cost",
    "",
    "| item | before | after | change | at autoscaling max |",
    "|---|---|---|---|---|",
  ];
  for (const c of change.items.slice(0, limit)) {
    lines.push(
      `| ${c.item.replace(/\|/g, "\\|")} | ${money(c.before)} | ${money(c.after)} | ${signed(c.after - c.before)} | ${money(c.maxBefore)} → ${money(c.maxAfter)} |`,
    );
  }
  if (change.items.length > limit) lines.push(`| … ${change.items.length - limit} more | | | | |`);
  return lines;
}
