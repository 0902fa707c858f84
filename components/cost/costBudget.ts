import * as pulumi from "@pulumi/pulumi";

/** The type token the budget rule of the policy pack looks for. */
export const COST_BUDGET_TYPE = "prism:cost:Budget";

export interface CostBudgetArgs {
  /** The most the stack may cost a month at its autoscaling maximum, in USD at list prices. */
  monthlyUsd: number;
}

/**
 * The stack's monthly budget, recorded as a resource so the policy pack (which sees resources,
 * not config) can hold the stack's estimated cost to it. It creates nothing in any cloud.
 */
export class CostBudget extends pulumi.ComponentResource {
  readonly monthlyUsd: number;

  constructor(name: string, args: CostBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    // The arguments are the component's recorded inputs: that is what the rule reads.
    super(COST_BUDGET_TYPE, name, { monthlyUsd: args.monthlyUsd }, opts);
    this.monthlyUsd = args.monthlyUsd;
    this.registerOutputs({});
  }
}
