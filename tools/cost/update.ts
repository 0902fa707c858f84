/**
 * `npm run prices:update`: re-reads list prices from the public price APIs and rewrites
 * policies/cost/data/ with today's date. Which prices: every key both stacks' estimates (and their
 * EKS comparison) ask for. Azure Retail Prices and the AWS Price List bulk files need no
 * credentials; DigitalOcean's /v2/sizes needs the user's token in DIGITALOCEAN_TOKEN (skipped,
 * with a note, when it is unset). A source that fails is reported and its prices are kept as they were.
 */
import * as fs from "fs";
import * as path from "path";
import { planStack } from "../engine/engine";
import { analysePlan } from "../planReport";
import {
  AWS_OFFER_FILE,
  AZURE_RETAIL_API,
  DIGITALOCEAN_SIZES_API,
  parseAwsEc2Offer,
  parseAzureRetailPage,
  parseDigitalOceanSizes,
} from "./sources";
import type { ListPrice } from "../../policies/cost/prices";

const DATA = path.join(__dirname, "..", "..", "policies", "cost", "data");

async function getJson(url: string, headers: Record<string, string> = {}): Promise<unknown> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url.split("?")[0]}: HTTP ${res.status}`);
  return res.json();
}

async function wantedKeys(): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const stack of ["staging", "production"]) {
    const { cost } = analysePlan(await planStack({ stack }));
    for (const l of [...cost.lines, ...cost.unpriced, ...cost.eks.lines, ...cost.eks.unpriced])
      keys.add(l.priceKey);
  }
  return keys;
}

async function azure(keys: Set<string>, today: string): Promise<Record<string, ListPrice>> {
  const skus = [...keys].filter((k) => k.startsWith("azure:vm:")).map((k) => k.split(":")[2]);
  const regions = [
    ...new Set([...keys].filter((k) => k.startsWith("azure:")).map((k) => k.split(":").pop()!)),
  ];
  const out: Record<string, ListPrice> = {};
  for (const region of regions) {
    const skuFilter = skus.map((s) => `armSkuName eq '${s}'`).join(" or ");
    const filter = `armRegionName eq '${region}' and priceType eq 'Consumption' and (serviceName eq 'NAT Gateway' or serviceName eq 'Virtual Network'${skuFilter ? ` or ${skuFilter}` : ""})`;
    let next: string | undefined = `${AZURE_RETAIL_API}?$filter=${encodeURIComponent(filter)}`;
    while (next) {
      const page = parseAzureRetailPage(await getJson(next), today);
      Object.assign(out, page.items);
      next = page.nextPageLink;
    }
  }
  return out;
}

async function aws(keys: Set<string>, today: string): Promise<Record<string, ListPrice>> {
  const regions = [
    ...new Set([...keys].filter((k) => k.startsWith("aws:ec2:")).map((k) => k.split(":").pop()!)),
  ];
  const out: Record<string, ListPrice> = {};
  for (const region of regions)
    Object.assign(out, parseAwsEc2Offer(await getJson(AWS_OFFER_FILE("AmazonEC2", region)), today));
  return out;
}

async function main(): Promise<number> {
  const today = new Date().toISOString().slice(0, 10);
  const keys = await wantedKeys();
  const tableFile = path.join(DATA, "prices.json");
  const table = JSON.parse(fs.readFileSync(tableFile, "utf8")) as {
    comment: string;
    prices: Record<string, ListPrice>;
  };
  let failed = 0;
  for (const [name, read] of [
    ["Azure Retail Prices", azure],
    ["AWS Price List", aws],
  ] as const) {
    try {
      const found = await read(keys, today);
      const used = Object.entries(found).filter(([k]) => keys.has(k));
      for (const [k, p] of used) table.prices[k] = p;
      process.stdout.write(`${name}: ${used.length} price(s) updated\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`${name}: ${(err as Error).message} (prices kept as they were)\n`);
    }
  }
  const token = process.env.DIGITALOCEAN_TOKEN;
  if (!token) {
    process.stdout.write(
      "DigitalOcean sizes: DIGITALOCEAN_TOKEN is not set; Droplet prices kept as they were\n",
    );
  } else {
    try {
      const { sizes } = parseDigitalOceanSizes(
        await getJson(DIGITALOCEAN_SIZES_API, { Authorization: `Bearer ${token}` }),
      );
      const file = path.join(DATA, "digitalocean-sizes.json");
      const dump = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
      fs.writeFileSync(
        file,
        JSON.stringify(
          { ...dump, source: DIGITALOCEAN_SIZES_API.split("?")[0], asOf: today, sizes },
          null,
          2,
        ) + "\n",
      );
      process.stdout.write(`DigitalOcean sizes: ${Object.keys(sizes).length} sizes updated\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`DigitalOcean sizes: ${(err as Error).message} (prices kept as they were)\n`);
    }
  }
  const sorted = Object.fromEntries(Object.entries(table.prices).sort(([a], [b]) => a.localeCompare(b)));
  fs.writeFileSync(tableFile, JSON.stringify({ ...table, prices: sorted }, null, 2) + "\n");
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
