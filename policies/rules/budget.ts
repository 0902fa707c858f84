/**
 * The stack's estimated monthly cost at its autoscaling maximum stays within the budget the stack
 * declares (prism:budget.monthlyUsd, recorded in the labelled ConfigMap components/cost/costBudget.ts creates). The estimate is the
 * offline plan's, over the resources the pack sees; objects a chart renders inside the cluster are
 * not visible to CrossGuard, so their volumes count only in the offline plan's printed estimate.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { COST_BUDGET_KEY, COST_BUDGET_LABEL } from "../facts/cost";
import { estimateCost } from "../cost/estimate";

const usd = (n: number) => `$${n.toFixed(2)}`;

export const costWithinBudget: StackValidationPolicy = {
  name: "cost-within-budget",
  description:
    "The stack's list-price estimate at its autoscaling maximum does not exceed prism:budget.monthlyUsd.",
  validateStack: (args, report) => {
    const budget = args.resources.find(
      (r) =>
        r.type === "kubernetes:core/v1:ConfigMap" &&
        (r.props.metadata as { labels?: Record<string, string> } | undefined)?.labels?.[COST_BUDGET_LABEL] ===
          "true",
    );
    if (!budget) return;
    const limit = Number((budget.props.data as Record<string, string> | undefined)?.[COST_BUDGET_KEY]);
    if (!Number.isFinite(limit)) {
      report(`the budget ConfigMap's ${COST_BUDGET_KEY} is not a number`, budget.urn);
      return;
    }
    const cost = estimateCost(
      args.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, inputs: r.props })),
    );
    if (cost.maxMonthlyUsd > limit) {
      const top = [...cost.lines]
        .sort((a, b) => (b.maxMonthlyUsd ?? 0) - (a.maxMonthlyUsd ?? 0))
        .slice(0, 3)
        .map((l) => `${l.item} ${usd(l.maxMonthlyUsd ?? 0)}`)
        .join("; ");
      report(
        `estimated ${usd(cost.maxMonthlyUsd)}/month at the autoscaling maximum exceeds the budget ${usd(limit)} (prism:budget.monthlyUsd); largest: ${top}`,
        budget.urn,
      );
    }
  },
};

export const budgetPolicies = [costWithinBudget];
