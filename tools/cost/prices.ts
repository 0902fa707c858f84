/**
 * List prices (USD, on-demand/pay-as-you-go) for the resource kinds this program creates, each with
 * the provider page it was read from and the date it was read. Excluded: taxes, discounts (committed
 * use, reservations, savings plans, credits, free-tier allowances unless noted), and data transfer or
 * per-request/per-GiB usage beyond what a `note` mentions. A kind missing from PRICES is "unpriced":
 * no figure was found on an official provider source, so none is guessed.
 */

export type PriceUnit = "month" | "hour" | "gib-month";

export interface ListPrice {
  usd: number;
  unit: PriceUnit;
  /** URL of the provider's official pricing page or documentation. */
  source: string;
  /** YYYY-MM-DD: the date stated on the source, or the date it was read when the page is undated. */
  asOf: string;
  note?: string;
}

export const HOURS_PER_MONTH = 730;

/** Date the undated pages below were read (from stored copies of the provider pages). */
const READ_ON = "2026-11-26";

export const PRICES: Readonly<Record<string, ListPrice>> = {
  // --- DigitalOcean -------------------------------------------------------------------------
  "digitalocean:doks:ha-control-plane": {
    usd: 40,
    unit: "month",
    source: "https://docs.digitalocean.com/products/kubernetes/details/pricing/",
    asOf: READ_ON,
    note: "Per cluster, prorated hourly; the non-HA control plane is free. Page undated.",
  },
  "digitalocean:loadbalancer": {
    usd: 10,
    unit: "month",
    source: "https://docs.digitalocean.com/products/networking/load-balancers/",
    asOf: READ_ON,
    note: "Regional LB, priced per node ($10/month each); one node assumed. Prorated hourly. Page undated.",
  },

  // --- Google Cloud -------------------------------------------------------------------------
  "gcp:kms:key-version": {
    usd: 0.06,
    unit: "month",
    source: "https://cloud.google.com/kms/pricing",
    asOf: "2025-03-17",
    note:
      "Active key version, SOFTWARE protection level (HSM: $1.00/month). Cryptographic operations " +
      "extra: $0.03 per 10,000. Date is the 'prices effective' date stated on the page.",
  },
  "gcp:cloud-nat:gateway": {
    usd: 0.0014,
    unit: "hour",
    source: "https://cloud.google.com/nat/pricing",
    asOf: READ_ON,
    note:
      "Public NAT: per VM instance assigned to the gateway per hour, flat $0.044/hour above 32 VMs. " +
      "Plus $0.045 per GiB processed (both directions, all regions) and $0.005/hour per NAT IP. Page undated.",
  },
  "gcp:static-ip": {
    usd: 0.005,
    unit: "hour",
    source: "https://cloud.google.com/nat/pricing",
    asOf: READ_ON,
    note: "Rate stated for a static or ephemeral external IPv4 used by a Cloud NAT gateway. Page undated.",
  },

  // --- AWS ----------------------------------------------------------------------------------
  "aws:kms:key": {
    usd: 1,
    unit: "month",
    source: "https://aws.amazon.com/kms/pricing/",
    asOf: READ_ON,
    note:
      "Per customer managed KMS key, prorated hourly; each rotated backing key adds $1/month. " +
      "API requests extra beyond the 20,000/month free tier. Page undated.",
  },

  // --- Cloudflare ---------------------------------------------------------------------------
  "cloudflare:tunnel": {
    usd: 0,
    unit: "month",
    source: "https://developers.cloudflare.com/cloudflare-one/faq/cloudflare-tunnels-faq/",
    asOf: READ_ON,
    note:
      "Creating tunnels no longer requires buying Argo. Default account limit: 1,000 cloudflared " +
      "tunnels (developers.cloudflare.com/cloudflare-one/account-limits/). Page undated.",
  },
  "cloudflare:access": {
    usd: 0,
    unit: "month",
    source: "https://developers.cloudflare.com/cloudflare-one/setup/",
    asOf: READ_ON,
    note:
      "Zero Trust Free plan: payment details required at onboarding but not charged. Free-plan seat " +
      "cap not stated on the pages read. Account limits: 500 Access apps, 50 identity providers.",
  },
};
