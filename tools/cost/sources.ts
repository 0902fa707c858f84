/**
 * Parsers of the public price APIs `npm run prices:update` reads, each turning one documented
 * response into price-table entries keyed as the estimate asks for them:
 * - Azure Retail Prices API (no credentials): a page `{ Items: [...], NextPageLink }`;
 * - AWS Price List bulk offer file of one service and region (no credentials):
 *   `{ publicationDate, products: { sku: { attributes } }, terms: { OnDemand: { sku: { offer: { priceDimensions } } } } }`;
 * - DigitalOcean `GET /v2/sizes` (the user's token): `{ sizes: [{ slug, memory, vcpus, price_monthly }], links }`.
 */
import type { ListPrice, MachineSpec } from "../../policies/cost/prices";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const AZURE_RETAIL_API = "https://prices.azure.com/api/retail/prices";
export const AWS_OFFER_FILE = (service: string, region: string) =>
  `https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/${service}/current/${region}/index.json`;
export const DIGITALOCEAN_SIZES_API = "https://api.digitalocean.com/v2/sizes?per_page=200";

export interface AzurePage {
  items: Record<string, ListPrice>;
  nextPageLink?: string;
}

/**
 * One page of the Azure Retail Prices API. Kept: pay-as-you-go ("Consumption") Linux VM hours
 * (not Spot, not Low Priority), NAT gateway hours, Standard static public IPv4 hours.
 */
export function parseAzureRetailPage(body: unknown, readOn: string): AzurePage {
  const page = obj(body);
  if (!Array.isArray(page.Items)) throw new Error("Azure Retail Prices response has no Items array");
  const items: Record<string, ListPrice> = {};
  const source = AZURE_RETAIL_API;
  for (const raw of page.Items) {
    const i = obj(raw);
    if (i.type !== "Consumption" || i.currencyCode !== "USD" || i.unitOfMeasure !== "1 Hour") continue;
    const region = String(i.armRegionName);
    const price = (note: string): ListPrice => ({
      usd: Number(i.retailPrice),
      unit: "hour",
      source,
      asOf: readOn,
      note,
    });
    const sku = String(i.skuName ?? "");
    if (
      i.serviceName === "Virtual Machines" &&
      !/Windows/.test(String(i.productName)) &&
      !/Spot|Low Priority/.test(sku)
    ) {
      items[`azure:vm:${String(i.armSkuName)}:${region}`] = price(
        `${String(i.productName)} ${String(i.meterName)}`,
      );
    } else if (i.serviceName === "NAT Gateway" && /Gateway/.test(String(i.meterName))) {
      items[`azure:nat-gateway:${region}`] = price(`${String(i.meterName)}; data processed extra`);
    } else if (/Standard IPv4 Static Public IP/.test(String(i.meterName))) {
      items[`azure:public-ip:standard:${region}`] = price(String(i.meterName));
    }
  }
  return { items, nextPageLink: typeof page.NextPageLink === "string" ? page.NextPageLink : undefined };
}

/** EC2 on-demand Linux, shared-tenancy instance hours from a regional AmazonEC2 offer file. */
export function parseAwsEc2Offer(body: unknown, readOn: string): Record<string, ListPrice> {
  const offer = obj(body);
  const products = obj(offer.products);
  const onDemand = obj(obj(offer.terms).OnDemand);
  if (Object.keys(products).length === 0) throw new Error("AWS offer file has no products");
  const out: Record<string, ListPrice> = {};
  for (const [sku, raw] of Object.entries(products)) {
    const a = obj(obj(raw).attributes);
    if (
      a.operatingSystem !== "Linux" ||
      a.tenancy !== "Shared" ||
      a.preInstalledSw !== "NA" ||
      a.capacitystatus !== "Used" ||
      a.licenseModel === "Bring your own license"
    )
      continue;
    for (const term of Object.values(obj(onDemand[sku]))) {
      for (const dim of Object.values(obj(obj(term).priceDimensions))) {
        const d = obj(dim);
        const usd = Number(obj(d.pricePerUnit).USD);
        if (d.unit !== "Hrs" || !(usd > 0)) continue;
        out[`aws:ec2:${String(a.instanceType)}:${String(a.regionCode)}`] = {
          usd,
          unit: "hour",
          source: AWS_OFFER_FILE("AmazonEC2", String(a.regionCode)),
          asOf: readOn,
          note: `${String(d.description)} (offer published ${String(offer.publicationDate)})`,
        };
      }
    }
  }
  return out;
}

export interface DropletSizes {
  sizes: Record<string, MachineSpec & { priceMonthly: number }>;
}

/** DigitalOcean /v2/sizes: slug, memory in MiB, vCPUs and the monthly (672-hour) cap. */
export function parseDigitalOceanSizes(body: unknown): DropletSizes {
  const sizes = arr(obj(body).sizes);
  if (sizes.length === 0) throw new Error("DigitalOcean /v2/sizes response has no sizes");
  const out: DropletSizes["sizes"] = {};
  for (const raw of sizes) {
    const s = obj(raw);
    if (typeof s.slug !== "string" || typeof s.price_monthly !== "number") continue;
    out[s.slug] = {
      vcpus: Number(s.vcpus),
      memoryGiB: Number(s.memory) / 1024,
      priceMonthly: s.price_monthly,
    };
  }
  return { sizes: out };
}
