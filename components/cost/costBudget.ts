import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { COST_BUDGET_KEY, COST_BUDGET_LABEL } from "../../policies/facts/cost";

export interface CostBudgetArgs {
  /** The most the stack may cost a month at its autoscaling maximum, in USD at list prices. */
  monthlyUsd: number;
  /** Where the ConfigMap lives (a platform namespace). */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
}

/**
 * The stack's monthly budget as a labelled ConfigMap. CrossGuard's stack policies see custom
 * resources' properties but not config or components' arguments, so the budget rule reads it
 * here; it also tells whoever looks at the cluster what the stack may cost.
 */
export class CostBudget extends pulumi.ComponentResource {
  constructor(name: string, args: CostBudgetArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:cost:Budget", name, {}, opts);
    new k8s.core.v1.ConfigMap(
      name,
      {
        metadata: { name: "cost-budget", namespace: args.namespace, labels: { [COST_BUDGET_LABEL]: "true" } },
        data: { [COST_BUDGET_KEY]: String(args.monthlyUsd) },
      },
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({});
  }
}
