import { estimateCost, monthly, type CostedResource } from "../tools/cost/estimate";
import { HOURS_PER_MONTH, PRICES, type ListPrice } from "../tools/cost/prices";
import { planOf } from "./harness";

const STACK = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";
const COMPONENT = "urn:pulumi:s::p::prism:cluster:DoksCluster::prism";
const at = (
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  parent = COMPONENT,
): CostedResource => ({
  urn: `${COMPONENT}$${type}::${name}`,
  type,
  name,
  parent,
  inputs,
});

const price = (usd: number, unit: ListPrice["unit"]): ListPrice => ({
  usd,
  unit,
  source: "https://example.com/pricing",
  asOf: "2026-01-01",
});
const TEST_PRICES: Record<string, ListPrice> = {
  "digitalocean:droplet:s-4vcpu-8gb": price(48, "month"),
  "digitalocean:doks:ha-control-plane": price(40, "month"),
  "digitalocean:loadbalancer": price(12, "month"),
  "aws:ec2:m6a.xlarge": price(0.2, "hour"),
};

describe("cost arithmetic", () => {
  it("converts hourly prices with 730 hours a month and rounds to cents", () => {
    expect(HOURS_PER_MONTH).toBe(730);
    expect(monthly(price(0.2, "hour"), 2)).toBe(292);
    expect(monthly(price(0.0014, "hour"), 3)).toBe(3.07);
    expect(monthly(price(40, "month"), 1)).toBe(40);
  });

  it("prices clusters, autoscaled pools at their minimum and maximum, load balancers and VMs, per component", () => {
    const resources: CostedResource[] = [
      { urn: STACK, type: "pulumi:pulumi:Stack", name: "p-s", inputs: {} },
      { urn: COMPONENT, type: "prism:cluster:DoksCluster", name: "prism", parent: STACK, inputs: {} },
      at("digitalocean:index/kubernetesCluster:KubernetesCluster", "c", {
        ha: true,
        nodePool: { size: "s-4vcpu-8gb", nodeCount: 3 },
      }),
      at("digitalocean:index/kubernetesNodePool:KubernetesNodePool", "p", {
        size: "s-4vcpu-8gb",
        minNodes: 2,
        maxNodes: 5,
      }),
      at("kubernetes:core/v1:Service", "lb", { spec: { type: "LoadBalancer" } }, STACK),
      at("kubernetes:core/v1:Service", "internal", { spec: { type: "ClusterIP" } }, STACK),
      at("aws:ec2/instance:Instance", "vm", { instanceType: "m6a.xlarge" }, STACK),
      at("aws:ec2/instance:Instance", "big", { instanceType: "m6a.48xlarge" }, STACK),
    ];
    const cost = estimateCost(resources, TEST_PRICES);
    // 3×48 + 40 + 2×48 + 12 + 0.2×730 = 144 + 40 + 96 + 12 + 146
    expect(cost.monthlyUsd).toBe(438);
    expect(cost.maxMonthlyUsd).toBe(438 + 3 * 48);
    expect(cost.byComponent).toEqual({ prism: 280, lb: 12, vm: 146 });
    expect(cost.unpriced.map((l) => l.priceKey)).toEqual(["aws:ec2:m6a.48xlarge"]);
  });

  it("never prices a kind the table does not list, and every listed price names its source and date", async () => {
    for (const [key, p] of Object.entries(PRICES)) {
      expect({ key, source: /^https:\/\//.test(p.source), asOf: /^\d{4}-\d{2}-\d{2}$/.test(p.asOf) }).toEqual(
        { key, source: true, asOf: true },
      );
    }
    const cost = estimateCost((await planOf("production")).resources);
    for (const line of cost.unpriced) expect(PRICES[line.priceKey]).toBeUndefined();
    for (const line of cost.lines) expect(PRICES[line.priceKey]).toBeDefined();
    expect(cost.lines.length + cost.unpriced.length).toBeGreaterThan(0);
  });
});
