import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import { COST_BUDGET_KEY, COST_BUDGET_LABEL } from "../../policies/facts/cost";
import { budgetPolicies } from "../../policies/rules/budget";
import { messagesOf, type Providers } from "../policyHarness";

// A pool of 2–5 g-4vcpu-16gb nodes ($126/month each): $630 at the autoscaling maximum.
const pool = () =>
  new digitalocean.KubernetesNodePool("pool", {
    clusterId: "c",
    name: "services",
    size: "g-4vcpu-16gb",
    autoScale: true,
    minNodes: 2,
    maxNodes: 5,
  });

/** What the rule reads: the labelled ConfigMap the composition's budget registers (prism:budget). */
const budget = (monthlyUsd: number, { k8s: provider }: Providers) =>
  new k8s.core.v1.ConfigMap(
    "budget",
    {
      metadata: { name: "cost-budget", namespace: "prism", labels: { [COST_BUDGET_LABEL]: "true" } },
      data: { [COST_BUDGET_KEY]: String(monthlyUsd) },
    },
    { provider },
  );

describe("cost-within-budget", () => {
  it("accepts a stack whose estimate at the autoscaling maximum is within its budget", async () => {
    const messages = await messagesOf(budgetPolicies, (providers) => {
      budget(630, providers);
      pool();
    });
    expect(messages).toEqual([]);
  });

  it("rejects a stack whose estimate at the autoscaling maximum exceeds its budget, naming the largest items", async () => {
    const messages = await messagesOf(budgetPolicies, (providers) => {
      // The minimum (2 × $126 = $252) fits; the maximum (5 × $126 = $630) does not.
      budget(400, providers);
      pool();
    });
    expect(messages).toEqual([
      expect.stringMatching(
        /estimated \$630\.00\/month at the autoscaling maximum exceeds the budget \$400\.00 \(prism:budget\.monthlyUsd\); largest: 2–5 × g-4vcpu-16gb nodes \(autoscaled\) \$630\.00/,
      ),
    ]);
  });

  it("checks nothing when the stack declares no budget", async () => {
    expect(await messagesOf(budgetPolicies, () => void pool())).toEqual([]);
  });
});
