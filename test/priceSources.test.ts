/**
 * The price APIs cannot be reached from CI or from here, so the parsers run on responses shaped as
 * the providers document them (Azure Retail Prices API reference; AWS "Reading the service price
 * list file"; DigitalOcean API "List All Droplet Sizes").
 */
import { parseAwsEc2Offer, parseAzureRetailPage, parseDigitalOceanSizes } from "../tools/cost/sources";
import { costDiff, renderCostChanges } from "../tools/analysis/costDiff";
import type { PlanJson } from "../tools/engine/plan";

const azureItem = (over: Record<string, unknown>) => ({
  currencyCode: "USD",
  tierMinimumUnits: 0,
  retailPrice: 0.2,
  unitPrice: 0.2,
  armRegionName: "westeurope",
  location: "EU West",
  effectiveStartDate: "2024-05-01T00:00:00Z",
  meterId: "m",
  meterName: "DC4es v5",
  productId: "p",
  skuId: "s",
  productName: "Virtual Machines DCesv5 Series",
  skuName: "DC4es v5",
  serviceName: "Virtual Machines",
  serviceId: "DZH313Z7MMC8",
  serviceFamily: "Compute",
  unitOfMeasure: "1 Hour",
  type: "Consumption",
  isPrimaryMeterRegion: true,
  armSkuName: "Standard_DC4es_v5",
  ...over,
});

describe("price API parsers", () => {
  it("Azure Retail Prices: pay-as-you-go Linux VM, NAT gateway and static IP hours; not Windows, Spot or reservations", () => {
    const page = parseAzureRetailPage(
      {
        BillingCurrency: "USD",
        CustomerEntityId: "Default",
        CustomerEntityType: "Retail",
        Items: [
          azureItem({}),
          azureItem({ productName: "Virtual Machines DCesv5 Series Windows", retailPrice: 0.4 }),
          azureItem({ skuName: "DC4es v5 Spot", retailPrice: 0.05 }),
          azureItem({ type: "Reservation", retailPrice: 1000, unitOfMeasure: "1 Hour" }),
          azureItem({
            serviceName: "NAT Gateway",
            meterName: "Standard Gateway",
            retailPrice: 0.045,
            armSkuName: "",
          }),
          azureItem({
            serviceName: "Virtual Network",
            meterName: "Standard IPv4 Static Public IP",
            retailPrice: 0.005,
            armSkuName: "",
          }),
        ],
        NextPageLink: "https://prices.azure.com:443/api/retail/prices?$skip=100",
        Count: 6,
      },
      "2026-12-01",
    );
    expect(
      Object.fromEntries(Object.entries(page.items).map(([k, p]) => [k, [p.usd, p.unit, p.asOf]])),
    ).toEqual({
      "azure:vm:Standard_DC4es_v5:westeurope": [0.2, "hour", "2026-12-01"],
      "azure:nat-gateway:westeurope": [0.045, "hour", "2026-12-01"],
      "azure:public-ip:standard:westeurope": [0.005, "hour", "2026-12-01"],
    });
    expect(page.nextPageLink).toBe("https://prices.azure.com:443/api/retail/prices?$skip=100");
    expect(() => parseAzureRetailPage({ error: "x" }, "2026-12-01")).toThrow(/no Items array/);
  });

  it("AWS offer file: on-demand Linux shared-tenancy hours by instance type and region", () => {
    const product = (sku: string, attrs: Record<string, string>) => ({
      sku,
      productFamily: "Compute Instance",
      attributes: {
        instanceType: "m6a.xlarge",
        regionCode: "eu-west-1",
        operatingSystem: "Linux",
        tenancy: "Shared",
        preInstalledSw: "NA",
        capacitystatus: "Used",
        licenseModel: "No License required",
        ...attrs,
      },
    });
    const onDemand = (sku: string, usd: string) => ({
      [`${sku}.JRTCKXETXF`]: {
        offerTermCode: "JRTCKXETXF",
        sku,
        effectiveDate: "2026-11-01T00:00:00Z",
        priceDimensions: {
          [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: {
            rateCode: `${sku}.JRTCKXETXF.6YS6EN2CT7`,
            description: `$${usd} per On Demand Linux m6a.xlarge Instance Hour`,
            unit: "Hrs",
            pricePerUnit: { USD: usd },
          },
        },
      },
    });
    const offers = parseAwsEc2Offer(
      {
        formatVersion: "v1.0",
        offerCode: "AmazonEC2",
        version: "20261101000000",
        publicationDate: "2026-11-01T00:00:00Z",
        products: {
          A: product("A", {}),
          B: product("B", { operatingSystem: "Windows" }),
          C: product("C", { tenancy: "Dedicated" }),
        },
        terms: {
          OnDemand: { A: onDemand("A", "0.1944"), B: onDemand("B", "0.3784"), C: onDemand("C", "0.21") },
        },
      },
      "2026-12-01",
    );
    expect(Object.keys(offers)).toEqual(["aws:ec2:m6a.xlarge:eu-west-1"]);
    expect(offers["aws:ec2:m6a.xlarge:eu-west-1"]).toMatchObject({
      usd: 0.1944,
      unit: "hour",
      source:
        "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/eu-west-1/index.json",
      asOf: "2026-12-01",
    });
    expect(() => parseAwsEc2Offer({}, "2026-12-01")).toThrow(/no products/);
  });

  it("DigitalOcean /v2/sizes: slug, vCPUs, memory (MiB) and the monthly cap", () => {
    const { sizes } = parseDigitalOceanSizes({
      sizes: [
        {
          slug: "g-4vcpu-16gb",
          memory: 16384,
          vcpus: 4,
          disk: 50,
          transfer: 5,
          price_monthly: 126,
          price_hourly: 0.1875,
          regions: ["fra1"],
          available: true,
          description: "General Purpose",
        },
      ],
      links: {},
      meta: { total: 1 },
    });
    expect(sizes).toEqual({ "g-4vcpu-16gb": { vcpus: 4, memoryGiB: 16, priceMonthly: 126 } });
    expect(() =>
      parseDigitalOceanSizes({ id: "unauthorized", message: "Unable to authenticate you" }),
    ).toThrow(/no sizes/);
  });
});

describe("cost change in the PR comment", () => {
  const plan = (
    stack: string,
    lines: { urn: string; item: string; priceKey: string; monthlyUsd: number; maxMonthlyUsd: number }[],
  ) =>
    ({
      project: "p",
      stack,
      resources: [],
      outputs: {},
      cost: {
        monthlyUsd: lines.reduce((n, l) => n + l.monthlyUsd, 0),
        maxMonthlyUsd: lines.reduce((n, l) => n + l.maxMonthlyUsd, 0),
        lines,
      },
    }) as PlanJson;
  const pool = (stack: string, max: number) => ({
    urn: `urn:pulumi:${stack}::p::digitalocean:index/kubernetesNodePool:KubernetesNodePool::prism-services`,
    item: `1–${max} × s-4vcpu-8gb nodes (autoscaled)`,
    priceKey: "digitalocean:droplet:s-4vcpu-8gb",
    monthlyUsd: 48,
    maxMonthlyUsd: 48 * max,
  });
  const lb = (stack: string) => ({
    urn: `urn:pulumi:${stack}::p::kubernetes:core/v1:Service::lb`,
    item: "load balancer (1 node): Service edge/traefik-cvm-agents",
    priceKey: "digitalocean:loadbalancer:node",
    monthlyUsd: 10,
    maxMonthlyUsd: 10,
  });

  it("lists the items whose cost changed, pairing the same resource across stacks", () => {
    const change = costDiff(plan("a", [pool("a", 4), lb("a")]), plan("b", [pool("b", 6)]))!;
    expect(change.items.map((c) => [c.item, c.before, c.after, c.maxBefore, c.maxAfter])).toEqual([
      ["load balancer (1 node): Service edge/traefik-cvm-agents", 10, 0, 10, 0],
      ["1–6 × s-4vcpu-8gb nodes (autoscaled)", 48, 48, 192, 288],
    ]);
    expect(renderCostChanges(change).join("\n")).toContain(
      "| 1–6 × s-4vcpu-8gb nodes (autoscaled) | $48.00 | $48.00 | +$0.00 | $192.00 → $288.00 |",
    );
    expect(costDiff(plan("a", [lb("a")]), plan("b", [lb("b")]))!.items).toEqual([]);
  });
});
