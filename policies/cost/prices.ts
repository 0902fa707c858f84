/**
 * List prices (USD, on demand) for the kinds this program creates, each with the page it was read
 * from and the date read. The figures live in data/prices.json (hand-recorded and rewritten by
 * `npm run prices:update`) and data/digitalocean-sizes.json (the /v2/sizes dump). A key missing
 * from PRICES is unpriced: the estimate lists it with its quantity and never guesses a figure.
 * Excluded everywhere: taxes, discounts and commitments, data transfer and per-request usage.
 */
import doSizes from "./data/digitalocean-sizes.json";
import table from "./data/prices.json";

export type PriceUnit = "month" | "hour" | "gib-month";

export interface ListPrice {
  usd: number;
  unit: PriceUnit;
  /** URL of the page or API the figure was read from. */
  source: string;
  /** YYYY-MM-DD: the date the figure was read (or the date the source states). */
  asOf: string;
  note?: string;
}

/** Shape of a machine size, for choosing equivalents on another cloud. */
export interface MachineSpec {
  vcpus: number;
  memoryGiB: number;
}

/** DigitalOcean bills hourly up to a cap of 672 hours (28 days) a month; the other clouds bill every hour. */
export const DIGITALOCEAN_HOURS_PER_MONTH = 672;
export const HOURS_PER_MONTH = 730;

export function hoursPerMonth(priceKey: string): number {
  return priceKey.startsWith("digitalocean:") ? DIGITALOCEAN_HOURS_PER_MONTH : HOURS_PER_MONTH;
}

interface SizeDump {
  source: string;
  asOf: string;
  note: string;
  sizes: Record<string, MachineSpec & { priceMonthly: number }>;
}

const sizes = (doSizes as SizeDump).sizes;

/** vCPUs and memory of each Droplet slug, from the same dump as its price. */
export const DROPLET_SPECS: Readonly<Record<string, MachineSpec>> = Object.fromEntries(
  Object.entries(sizes).map(([slug, s]) => [slug, { vcpus: s.vcpus, memoryGiB: s.memoryGiB }]),
);

function dropletPrices(dump: SizeDump): Record<string, ListPrice> {
  return Object.fromEntries(
    Object.entries(dump.sizes).map(([slug, s]) => [
      `digitalocean:droplet:${slug}`,
      { usd: s.priceMonthly, unit: "month", source: dump.source, asOf: dump.asOf, note: dump.note },
    ]),
  );
}

export const PRICES: Readonly<Record<string, ListPrice>> = {
  ...dropletPrices(doSizes as SizeDump),
  ...(table.prices as Record<string, ListPrice>),
};

/** Prices read longer ago than this are flagged by the plan: list prices change. */
export const MAX_PRICE_AGE_DAYS = 180;

/** Age in whole days of a price on `today` (YYYY-MM-DD or Date). */
export function priceAgeDays(price: ListPrice, today: Date): number {
  return Math.floor((today.getTime() - Date.parse(`${price.asOf}T00:00:00Z`)) / 86_400_000);
}
