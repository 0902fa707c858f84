/**
 * Where each confidential-computing technology exists. The program's config validation uses these
 * tables so a stack cannot ask for SEV-SNP in a zone or a TDX size that does not offer it, and the
 * pack's confidential-VM rules use the same patterns, so the two never disagree.
 */

/** Azure Intel TDX VM size families (DCesv5/DCedsv5/ECesv5/ECedsv5 and their v6 successors). */
export const AZURE_TDX_SIZE_PATTERN = /^Standard_(DC|EC)\d+e(d)?s_v[56]$/;

/** Azure regions offering TDX confidential VMs. */
export const AZURE_TDX_LOCATIONS = [
  "westeurope",
  "northeurope",
  "centralus",
  "eastus",
  "eastus2",
  "westus",
  "westus3",
  "uksouth",
  "germanywestcentral",
  "italynorth",
  "japaneast",
  "southeastasia",
  "centralindia",
] as const;

/** GCP zones where N2D machines with AMD SEV-SNP exist. */
export const GCP_SEV_SNP_ZONES = [
  "us-central1-a",
  "us-central1-b",
  "us-central1-c",
  "europe-west4-a",
  "europe-west4-b",
  "europe-west4-c",
  "europe-west3-a",
  "europe-west3-b",
  "europe-west3-c",
  "asia-southeast1-a",
  "asia-southeast1-b",
  "asia-southeast1-c",
] as const;

/** GCP SEV-SNP runs on N2D machine types only. */
export const GCP_SEV_SNP_MACHINE_PATTERN = /^n2d-(standard|highmem|highcpu)-\d+$/;

/** AWS regions offering AMD SEV-SNP instances. */
export const AWS_SEV_SNP_REGIONS = ["us-east-2", "eu-west-1"] as const;

/** AWS SEV-SNP is offered on M6a, C6a and R6a only. */
export const AWS_SEV_SNP_INSTANCE_PATTERN = /^(m6a|c6a|r6a)\.(large|xlarge|(2|4|8|12|16)xlarge)$/;
