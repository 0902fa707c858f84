/** The plan's findings beside the tree: cost per component and stack, the deploy critical path. */
import { criticalPath, formatDuration, type CriticalPath } from "./analysis/criticalPath";
import { usd } from "./analysis/planDiff";
import { priceOnEks, type Comparison } from "./cost/eks";
import { estimateCost, type CostEstimate, type CostLine } from "../policies/cost/estimate";
import { PRICES } from "../policies/cost/prices";
import type { SourcedManifest } from "../policies/cost/quantities";
import type { Plan } from "./engine/plan";
import { COST_BUDGET_KEY, COST_BUDGET_LABEL } from "../policies/facts/cost";

export interface Findings {
  cost: CostEstimate & { eks: Comparison; budgetMonthlyUsd?: number };
  criticalPath: CriticalPath;
}

/** `rendered`: the objects the plan's charts deploy (tools/cost/renders.ts), for their volumes and load balancers. */
export function analysePlan(plan: Plan, rendered: SourcedManifest[] = []): Findings {
  const cost = estimateCost(plan.resources, { rendered });
  const budgetMap = plan.resources.find(
    (r) =>
      r.type === "kubernetes:core/v1:ConfigMap" &&
      (r.inputs.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[COST_BUDGET_LABEL] ===
        "true",
  );
  const budget = Number((budgetMap?.inputs.data as Record<string, string> | undefined)?.[COST_BUDGET_KEY]);
  return {
    cost: {
      ...cost,
      eks: priceOnEks(plan.resources, cost),
      budgetMonthlyUsd: Number.isFinite(budget) ? budget : undefined,
    },
    criticalPath: criticalPath(plan.resources),
  };
}

const range = (l: CostLine) =>
  l.maxMonthlyUsd !== undefined && l.maxMonthlyUsd !== l.monthlyUsd
    ? `${usd(l.monthlyUsd ?? 0)}–${usd(l.maxMonthlyUsd)}`
    : usd(l.monthlyUsd ?? 0);

function priced(l: CostLine): string {
  const p = PRICES[l.priceKey];
  return `      ${range(l).padStart(20)}  ${l.item}  [${l.priceKey}: ${p.source}, ${p.asOf}]`;
}

const unpricedLine = (l: CostLine) =>
  `      quantity ${String(l.quantity === l.maxQuantity ? l.quantity : `${l.quantity}–${l.maxQuantity}`).padStart(6)}  ${l.item}  [${l.priceKey}] in ${l.component}`;

export function renderCost(cost: Findings["cost"]): string {
  const lines = [
    `Monthly cost at list prices: ${usd(cost.monthlyUsd)} (up to ${usd(cost.maxMonthlyUsd)} at autoscaling maximums)`,
  ];
  if (cost.budgetMonthlyUsd !== undefined)
    lines.push(
      `  budget ${usd(cost.budgetMonthlyUsd)}: ${cost.maxMonthlyUsd > cost.budgetMonthlyUsd ? "EXCEEDED" : "within"} at the autoscaling maximum`,
    );
  for (const [component, amount] of Object.entries(cost.byComponent).sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${usd(amount).padStart(12)}  ${component}`);
  }
  for (const l of cost.lines) lines.push(priced(l));
  if (cost.unpriced.length) {
    lines.push(`  Unpriced (no list price recorded in policies/cost/data/; not included above):`);
    for (const l of cost.unpriced) lines.push(unpricedLine(l));
  }
  for (const w of cost.warnings) lines.push(`  ⚠ ${w}`);
  const eks = cost.eks;
  lines.push(
    "",
    `The same platform on AWS EKS (${eks.region}), same table: ${usd(eks.monthlyUsd)} (up to ${usd(eks.maxMonthlyUsd)}) priced; on DigitalOcean ${usd(cost.monthlyUsd)} (up to ${usd(cost.maxMonthlyUsd)})`,
  );
  for (const l of eks.lines) lines.push(priced(l));
  if (eks.unpriced.length) {
    lines.push(`  Unpriced on EKS:`);
    for (const l of eks.unpriced) lines.push(unpricedLine(l));
  }
  return lines.join("\n");
}

export function renderCriticalPath(path: CriticalPath): string {
  const lines = [`Deploy critical path (cold pulumi up): ~${formatDuration(path.totalSeconds)}`];
  for (const step of path.chain.filter((s) => s.seconds > 0)) {
    lines.push(
      `    ${formatDuration(step.doneAt).padStart(14)}  ${step.type} ${step.name} (+${formatDuration(step.seconds)})`,
    );
  }
  for (const n of path.explicitWaits) {
    lines.push(
      `  ⚠ ${n.resource.split("::").pop()} waits for ${n.waitsFor.split("::").pop()} by explicit dependsOn (no data flows): −${formatDuration(n.savesSeconds)} without it; keep it only if the order is required`,
    );
  }
  return lines.join("\n");
}
