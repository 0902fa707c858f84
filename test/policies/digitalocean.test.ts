import * as digitalocean from "@pulumi/digitalocean";
import type { PolicyPackConfig } from "@pulumi/policy";
import { digitaloceanPolicies } from "../../policies/rules/digitalocean";
import { messagesOf } from "../policyHarness";

type ClusterArgs = digitalocean.KubernetesClusterArgs;
type BucketArgs = digitalocean.SpacesBucketArgs;

/** A cluster that satisfies the production rule; each test breaks one thing. */
function goodCluster(overrides: Partial<ClusterArgs> = {}): ClusterArgs {
  return {
    name: "prism",
    region: "fra1",
    version: "1.34.3-do.1",
    nodePool: { name: "system", size: "s-4vcpu-8gb", nodeCount: 3 },
    ha: true,
    surgeUpgrade: true,
    controlPlaneFirewall: { enabled: true, allowedAddresses: ["203.0.113.0/24"] },
    maintenancePolicy: { day: "sunday", startTime: "03:00" },
    ...overrides,
  };
}

function goodBucket(overrides: Partial<BucketArgs> = {}): BucketArgs {
  return {
    name: "prism-backups",
    region: "fra1",
    acl: "private",
    versioning: { enabled: true },
    ...overrides,
  };
}

function cluster(args: ClusterArgs, config: PolicyPackConfig = {}) {
  return messagesOf(
    digitaloceanPolicies,
    () => {
      new digitalocean.KubernetesCluster("prism", args);
    },
    config,
  );
}

function bucket(args: BucketArgs, config: PolicyPackConfig = {}) {
  return messagesOf(
    digitaloceanPolicies,
    () => {
      new digitalocean.SpacesBucket("bucket", args);
    },
    config,
  );
}

function spacesKey(grants: digitalocean.SpacesKeyArgs["grants"]) {
  return messagesOf(digitaloceanPolicies, () => {
    new digitalocean.SpacesKey("key", { name: "loki", grants });
  });
}

describe("DigitalOcean rules", () => {
  it("accept a hardened cluster, a private versioned bucket and a bucket-scoped key", async () => {
    const messages = await messagesOf(digitaloceanPolicies, () => {
      new digitalocean.KubernetesCluster("prism", goodCluster());
      new digitalocean.SpacesBucket("bucket", goodBucket());
      new digitalocean.SpacesBucket("no-acl", goodBucket({ name: "prism-logs", acl: undefined }));
      new digitalocean.SpacesKey("key", {
        name: "loki",
        grants: [
          { bucket: "prism-logs", permission: "readwrite" },
          { bucket: "prism-backups", permission: "read" },
        ],
      });
    });
    expect(messages).toEqual([]);
  });

  it.each<[string, Partial<ClusterArgs>, string]>([
    ["no HA", { ha: false }, "does not set ha: true"],
    [
      "disabled firewall",
      { controlPlaneFirewall: { enabled: false, allowedAddresses: ["203.0.113.0/24"] } },
      "does not set controlPlaneFirewall.enabled: true",
    ],
    [
      "firewall without addresses",
      { controlPlaneFirewall: { enabled: true, allowedAddresses: [] } },
      "lists no controlPlaneFirewall.allowedAddresses",
    ],
    ["no surge upgrade", { surgeUpgrade: undefined }, "does not set surgeUpgrade: true"],
    ["no maintenance day", { maintenancePolicy: { startTime: "03:00" } }, "sets no maintenancePolicy.day"],
    ["no maintenance start", { maintenancePolicy: { day: "sunday" } }, "sets no maintenancePolicy.startTime"],
  ])("reject a production cluster with %s", async (_label, overrides, says) => {
    const messages = await cluster(goodCluster(overrides));
    expect(messages).toEqual([`do-cluster-production-hardening: cluster prism ${says}`]);
  });

  it("reports every missing item of a plain cluster, one message each", async () => {
    const plain = goodCluster({
      ha: undefined,
      surgeUpgrade: undefined,
      controlPlaneFirewall: undefined,
      maintenancePolicy: undefined,
    });
    const messages = await cluster(plain);
    expect(messages).toHaveLength(6);
    expect(messages.every((m) => m.startsWith("do-cluster-production-hardening:"))).toBe(true);
  });

  it("accepts a plain cluster when the stack is not production", async () => {
    const plain = goodCluster({ ha: false, surgeUpgrade: false, controlPlaneFirewall: undefined });
    expect(await cluster(plain, { "do-cluster-production-hardening": { production: false } })).toEqual([]);
  });

  it.each<[string, Partial<BucketArgs>, string]>([
    ["public-read acl", { acl: "public-read" }, 'has acl "public-read", not private'],
    ["no versioning", { versioning: undefined }, "does not set versioning.enabled: true"],
    ["suspended versioning", { versioning: { enabled: false } }, "does not set versioning.enabled: true"],
    ["forceDestroy", { forceDestroy: true }, "sets forceDestroy: true in production"],
  ])("reject a bucket with %s", async (_label, overrides, says) => {
    expect(await bucket(goodBucket(overrides))).toEqual([
      `do-spaces-bucket-private-versioned: bucket prism-backups ${says}`,
    ]);
  });

  it("allows forceDestroy outside production, but still requires a private versioned bucket", async () => {
    const config = { "do-spaces-bucket-private-versioned": { production: false } };
    expect(await bucket(goodBucket({ forceDestroy: true }), config)).toEqual([]);
    expect(await bucket(goodBucket({ forceDestroy: true, acl: "public-read" }), config)).toEqual([
      'do-spaces-bucket-private-versioned: bucket prism-backups has acl "public-read", not private',
    ]);
  });

  it.each<[string, digitalocean.SpacesKeyArgs["grants"], string]>([
    ["no grants", undefined, "has no grants"],
    ["an empty grant list", [], "has no grants"],
    ["a fullaccess grant", [{ bucket: "", permission: "fullaccess" }], "grant 0 has permission fullaccess"],
    [
      "a grant without a bucket",
      [
        { bucket: "prism-logs", permission: "read" },
        { bucket: "", permission: "readwrite" },
      ],
      "grant 1 names no bucket",
    ],
  ])("reject a Spaces key with %s", async (_label, grants, says) => {
    const messages = await spacesKey(grants);
    expect(messages).toContainEqual(`do-spaces-key-scoped: Spaces key loki ${says}`);
    expect(messages.every((m) => m.startsWith("do-spaces-key-scoped:"))).toBe(true);
  });
});
