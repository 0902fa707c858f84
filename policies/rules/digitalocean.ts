/** Rules for DigitalOcean: the DOKS cluster's control plane, Spaces buckets and Spaces access keys. */
import * as digitalocean from "@pulumi/digitalocean";
import {
  validateResourceOfType,
  type PolicyConfigSchema,
  type ResourceValidationPolicy,
} from "@pulumi/policy";

interface ProductionConfig {
  production: boolean;
}

const productionSchema = (description: string): PolicyConfigSchema => ({
  properties: { production: { type: "boolean", default: true, description } },
});

export const clusterProductionHardening: ResourceValidationPolicy = {
  name: "do-cluster-production-hardening",
  description:
    "Production DOKS clusters have an HA control plane behind its firewall, surge upgrades and a maintenance window.",
  configSchema: productionSchema("Whether the stack is production; off, the cluster may be a plain one."),
  validateResource: validateResourceOfType(digitalocean.KubernetesCluster, (cluster, args, report) => {
    if (!args.getConfig<ProductionConfig>().production) return;
    const where = `cluster ${cluster.name ?? args.name}`;
    if (cluster.ha !== true) report(`${where} does not set ha: true`);
    const firewall = cluster.controlPlaneFirewall;
    if (firewall?.enabled !== true) report(`${where} does not set controlPlaneFirewall.enabled: true`);
    if ((firewall?.allowedAddresses ?? []).length === 0) {
      report(`${where} lists no controlPlaneFirewall.allowedAddresses`);
    }
    if (cluster.surgeUpgrade !== true) report(`${where} does not set surgeUpgrade: true`);
    if (!cluster.maintenancePolicy?.day) report(`${where} sets no maintenancePolicy.day`);
    if (!cluster.maintenancePolicy?.startTime) report(`${where} sets no maintenancePolicy.startTime`);
  }),
};

export const spacesBucketPrivateVersioned: ResourceValidationPolicy = {
  name: "do-spaces-bucket-private-versioned",
  description:
    "Spaces buckets are private and versioned, and production buckets cannot be force-destroyed with their objects.",
  configSchema: productionSchema("Whether the stack is production; off, buckets may set forceDestroy."),
  validateResource: validateResourceOfType(digitalocean.SpacesBucket, (bucket, args, report) => {
    const where = `bucket ${bucket.name ?? args.name}`;
    if (bucket.acl !== undefined && bucket.acl !== "private") {
      report(`${where} has acl "${bucket.acl}", not private`);
    }
    if (bucket.versioning?.enabled !== true) report(`${where} does not set versioning.enabled: true`);
    if (args.getConfig<ProductionConfig>().production && bucket.forceDestroy === true) {
      report(`${where} sets forceDestroy: true in production`);
    }
  }),
};

export const spacesKeyScoped: ResourceValidationPolicy = {
  name: "do-spaces-key-scoped",
  description: "Spaces access keys are granted per bucket, never fullaccess.",
  validateResource: validateResourceOfType(digitalocean.SpacesKey, (key, args, report) => {
    const where = `Spaces key ${key.name ?? args.name}`;
    const grants = key.grants ?? [];
    if (grants.length === 0) report(`${where} has no grants`);
    grants.forEach((grant, i) => {
      if (grant.permission === "fullaccess") report(`${where} grant ${i} has permission fullaccess`);
      if (!grant.bucket) report(`${where} grant ${i} names no bucket`);
    });
  }),
};

export const digitaloceanPolicies = [
  clusterProductionHardening,
  spacesBucketPrivateVersioned,
  spacesKeyScoped,
];
