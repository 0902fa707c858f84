/** The plan's findings beside the tree: cost per component and stack, the deploy critical path. */
import { criticalPath, formatDuration, type CriticalPath } from "./analysis/criticalPath";
import { usd } from "./analysis/planDiff";
import { estimateCost, type CostEstimate } from "./cost/estimate";
import { PRICES } from "./cost/prices";
import type { Plan } from "./engine/plan";

export interface Findings {
  cost: CostEstimate;
  criticalPath: CriticalPath;
}

export function analysePlan(plan: Plan): Findings {
  return { cost: estimateCost(plan.resources), criticalPath: criticalPath(plan.resources) };
}

export function renderCost(cost: CostEstimate): string {
  const lines = [
    `Monthly cost at list prices: ${usd(cost.monthlyUsd)} (up to ${usd(cost.maxMonthlyUsd)} at autoscaling maximums)`,
  ];
  for (const [component, amount] of Object.entries(cost.byComponent).sort((a, b) => b[1] - a[1])) {
    lines.push(`    ${usd(amount).padStart(12)}  ${component}`);
  }
  for (const l of cost.lines) {
    const p = PRICES[l.priceKey];
    lines.push(
      `      ${usd(l.monthlyUsd ?? 0).padStart(10)}  ${l.item}  [${l.priceKey}: ${p.source}, ${p.asOf}]`,
    );
  }
  if (cost.unpriced.length) {
    lines.push(`  Unpriced (no official list price recorded in tools/cost/prices.ts; not included above):`);
    for (const l of cost.unpriced) lines.push(`      ${l.item}  [${l.priceKey}] in ${l.component}`);
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
