/** The engine names resources as the real Pulumi engine does, so URNs in policy config and plan diffs match real stacks. */
import { planStack } from "../tools/engine/engine";
import { STACK_TYPE } from "../tools/engine/plan";
import { defaultProviderUrn, engineUrn, qualifiedTypeOf } from "../tools/engine/urn";

describe("engine URNs", () => {
  it("gives top-level resources no stack prefix and children their parent's whole type chain", () => {
    const stack = "urn:pulumi:production::prism::pulumi:pulumi:Stack::prism-production";
    const component = engineUrn("production", "prism", stack, "prism:data:DataServices", "data");
    expect(component).toBe("urn:pulumi:production::prism::prism:data:DataServices::data");
    const inner = engineUrn("production", "prism", component, "prism:data:PostgresDatabases", "pg");
    const leaf = engineUrn("production", "prism", inner, "kubernetes:core/v1:Secret", "s");
    expect(leaf).toBe(
      "urn:pulumi:production::prism::prism:data:DataServices$prism:data:PostgresDatabases$kubernetes:core/v1:Secret::s",
    );
    expect(engineUrn("production", "prism", undefined, STACK_TYPE, "prism-production")).toBe(stack);
  });

  it("names default providers as the engine does", () => {
    expect(defaultProviderUrn("s", "p", "digitalocean:index/vpc:Vpc", "4.80.1")).toBe(
      "urn:pulumi:s::p::pulumi:providers:digitalocean::default_4_80_1",
    );
    expect(defaultProviderUrn("s", "p", "random:index/randomId:RandomId", "")).toBe(
      "urn:pulumi:s::p::pulumi:providers:random::default",
    );
    expect(() => qualifiedTypeOf("not-a-urn")).toThrow("not a Pulumi URN: not-a-urn");
  });

  it("every planned URN is the engine's URN for its type, name and parent", async () => {
    const plan = await planStack({ stack: "production" });
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    for (const r of plan.resources) {
      expect(r.urn).toBe(engineUrn("production", "prism", r.parent, r.type, r.name));
      if (r.parent) expect(byUrn.has(r.parent)).toBe(true);
    }
    const topLevel = plan.resources.filter((r) => r.parent && byUrn.get(r.parent)?.type === STACK_TYPE);
    expect(topLevel.length).toBeGreaterThan(5);
    expect(plan.resources.some((r) => r.urn.includes("pulumi:pulumi:Stack$"))).toBe(false);
    const nested = plan.resources.filter((r) => qualifiedTypeOf(r.urn).split("$").length >= 3);
    expect(nested.length).toBeGreaterThan(0);
  });
});
