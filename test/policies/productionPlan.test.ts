/**
 * The pack against the real plans: both stacks pass, and a mutation test breaks one property per
 * rule on a real planned production resource and expects the pack to report each break.
 */
import { planStack } from "../../tools/engine/engine";
import { checkPlan, mandatory, stackPolicyConfig, toEvaluated } from "../../tools/engine/policyRun";
import { evaluatePolicies } from "../../policies/lib/evaluate";
import { allPolicies } from "../../policies/rules";
import { bootstrappedProduction, MUTATIONS } from "./mutations";

describe.each(["staging", "production"])("the %s plan", (stack) => {
  it("has zero mandatory violations", async () => {
    const violations = await checkPlan(await planStack({ stack }));
    expect(mandatory(violations)).toEqual([]);
  });
});

describe("mutation test on the production plan", () => {
  it("catches one break per rule on a real planned resource", async () => {
    const bootstrapped = await planStack({ stack: "production", mutateConfig: bootstrappedProduction() });
    const base = toEvaluated(bootstrapped);
    const config = stackPolicyConfig("production");
    expect(await evaluatePolicies(allPolicies, base, config)).toEqual([]);

    const caught: string[] = [];
    for (const m of MUTATIONS) {
      const resources = structuredClone(base);
      m.mutate(resources);
      const violations = await evaluatePolicies(allPolicies, resources, config);
      if (violations.some((v) => v.policy === m.policy && v.enforcementLevel === "mandatory"))
        caught.push(m.policy);
      else process.stdout.write(`missed: ${m.policy} (${m.what})\n`);
    }
    process.stdout.write(
      `mutation test: tried ${MUTATIONS.length}, caught ${caught.length}; ` +
        `${allPolicies.length} rules in the pack\n`,
    );
    expect(caught).toEqual(MUTATIONS.map((m) => m.policy));
    // Every rule of the pack is broken once on a real planned resource.
    expect([...new Set(MUTATIONS.map((m) => m.policy))].sort()).toEqual(
      allPolicies.map((p) => p.name).sort(),
    );
    // One plan and a policy run per mutation: well over a minute on a busy machine.
  }, 300_000);
});
