import * as digitalocean from "@pulumi/digitalocean";
import { CostBudget } from "../../components/cost/costBudget";
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

const budget = (monthlyUsd: number, { k8s: provider }: Providers) =>
  new CostBudget("budget", { monthlyUsd, namespace: "prism", provider });

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
