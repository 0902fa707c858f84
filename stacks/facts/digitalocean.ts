/**
 * DigitalOcean facts the config schema and the components depend on.
 * Regions: where DOKS clusters and Spaces buckets can be created (DigitalOcean product
 * availability matrix). Sizes: the Droplet slugs DOKS node pools accept, with their shape,
 * so config errors can say what is allowed and later layers can price and size from one table.
 */

/** Regions where DOKS is available. */
export const DOKS_REGIONS = [
  "nyc1",
  "nyc3",
  "sfo3",
  "ams3",
  "sgp1",
  "lon1",
  "fra1",
  "tor1",
  "blr1",
  "syd1",
  "atl1",
] as const;

/** Regions with Spaces object storage (a cluster region without Spaces backs up elsewhere). */
export const SPACES_REGIONS = [
  "nyc3",
  "sfo2",
  "sfo3",
  "ams3",
  "sgp1",
  "fra1",
  "syd1",
  "blr1",
  "lon1",
  "tor1",
  "atl1",
] as const;

export interface DropletShape {
  vcpus: number;
  memoryGiB: number;
  /** Dedicated vCPUs (General Purpose, CPU/Memory-Optimized) rather than shared (Basic). */
  dedicated: boolean;
}

/** Droplet slugs accepted for DOKS node pools. */
export const DOKS_NODE_SIZES: Readonly<Record<string, DropletShape>> = {
  "s-2vcpu-4gb": { vcpus: 2, memoryGiB: 4, dedicated: false },
  "s-4vcpu-8gb": { vcpus: 4, memoryGiB: 8, dedicated: false },
  "s-8vcpu-16gb": { vcpus: 8, memoryGiB: 16, dedicated: false },
  "s-4vcpu-8gb-amd": { vcpus: 4, memoryGiB: 8, dedicated: false },
  "s-8vcpu-16gb-amd": { vcpus: 8, memoryGiB: 16, dedicated: false },
  "g-2vcpu-8gb": { vcpus: 2, memoryGiB: 8, dedicated: true },
  "g-4vcpu-16gb": { vcpus: 4, memoryGiB: 16, dedicated: true },
  "g-8vcpu-32gb": { vcpus: 8, memoryGiB: 32, dedicated: true },
  "g-16vcpu-64gb": { vcpus: 16, memoryGiB: 64, dedicated: true },
  "c-4": { vcpus: 4, memoryGiB: 8, dedicated: true },
  "c-8": { vcpus: 8, memoryGiB: 16, dedicated: true },
  "c-16": { vcpus: 16, memoryGiB: 32, dedicated: true },
  "m-2vcpu-16gb": { vcpus: 2, memoryGiB: 16, dedicated: true },
  "m-4vcpu-32gb": { vcpus: 4, memoryGiB: 32, dedicated: true },
  "m-8vcpu-64gb": { vcpus: 8, memoryGiB: 64, dedicated: true },
};

/** DOKS maintenance windows start on one weekday or "any" day, at a UTC time. */
export const MAINTENANCE_DAYS = [
  "any",
  "monday",
  "tuesday",
  "wednesday",
  "thursday",
  "friday",
  "saturday",
  "sunday",
] as const;

/** DOKS caps a node pool at this many nodes. */
export const MAX_NODES_PER_POOL = 512;
