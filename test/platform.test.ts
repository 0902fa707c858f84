/** The composed platform: what only shows when the layers are wired together in stacks/platform.ts. */
import { one, planOf } from "./harness";

describe.each(["staging", "production"])("the composed %s platform", (stack) => {
  it("admits exactly the enabled clouds' CVM egress ranges to the 7018 load balancer", async () => {
    const plan = await planOf(stack);
    const lb = one(plan, "kubernetes:core/v1:Service", "traefik-cvm-agents");
    const ranges = (lb.inputs.spec as { loadBalancerSourceRanges: string[] }).loadBalancerSourceRanges;
    // In landing-zone order (each entry its own output, so a first preview knows the list's length).
    expect([...ranges].sort()).toEqual(plan.outputs.cvmEgressRanges);
    expect(new Set(ranges).size).toBe(ranges.length);
    expect(ranges.length).toBeGreaterThan(0);
    for (const r of ranges) expect(r).toMatch(/^\d+\.\d+\.\d+\.\d+\/32$/);
  });

  it("hands the CVM agents the PKI chain only once the PKI is configured", async () => {
    const plan = await planOf(stack);
    expect(plan.outputs.pkiStatus).toMatch(/awaiting OpenBao initialisation/);
  });
});
