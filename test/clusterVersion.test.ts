/**
 * With auto-upgrade on, patch releases are DOKS's to apply in the maintenance window: a run on
 * any other day must not upgrade the cluster. A new minor in config is the deliberate upgrade.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig } from "../stacks/config";
import { buildFoundation } from "../stacks/platform";
import { readSecrets } from "../stacks/secrets";
import { planStack, PlanError, PROJECT_ROOT, runIsolated } from "../tools/engine/engine";
import type { Plan } from "../tools/engine/plan";
import { loadStackSettings } from "../tools/engine/stackSettings";
import { one } from "./harness";

const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";

/** Production's foundation layer, given the version the cluster ran at the previous update. */
function planCluster(currentVersion: string | undefined, autoUpgrade = true): Promise<Plan> {
  const settings = loadStackSettings(PROJECT_ROOT, "production", (c) => {
    (c["prism:digitalocean"] as Record<string, unknown>).autoUpgrade = autoUpgrade;
  });
  return runIsolated(settings, async () => {
    const config = parsePlatformConfig(pulumi.getProject(), pulumi.getStack(), pulumi.runtime.allConfig());
    buildFoundation("production", config, readSecrets(), { kubernetesVersion: currentVersion });
  });
}

describe("the cluster's Kubernetes version (config: 1.34, auto-upgrade on)", () => {
  it("is left to the maintenance window while the cluster runs the configured minor", async () => {
    const cluster = one(await planCluster("1.34.2-do.0"), CLUSTER);
    expect(cluster.options.ignoreChanges).toEqual(["version"]);
  });

  it("creates a new cluster at the newest patch of the configured minor", async () => {
    const cluster = one(await planCluster(undefined), CLUSTER);
    expect(cluster.inputs.version).toBe("1.34.3-do.1");
    expect(cluster.options.ignoreChanges).toEqual([]);
  });

  it("upgrades on purpose when config names the next minor", async () => {
    const cluster = one(await planCluster("1.33.6-do.2"), CLUSTER);
    expect(cluster.inputs.version).toBe("1.34.3-do.1");
    expect(cluster.options.ignoreChanges).toEqual([]);
  });

  it("applies patches when the stack runs them itself (auto-upgrade off)", async () => {
    const cluster = one(await planCluster("1.34.2-do.0", false), CLUSTER);
    expect(cluster.inputs.version).toBe("1.34.3-do.1");
    expect(cluster.options.ignoreChanges).toEqual([]);
  });

  it("refuses a downgrade, naming the key and what is allowed", async () => {
    const failure = await planCluster("1.35.1-do.0").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PlanError);
    expect((failure as Error).message).toMatch(
      /prism:digitalocean\.kubernetesVersion is 1\.34.*cannot downgrade.*Allowed: 1\.35/,
    );
  });
});

describe("the stack carries the cluster's version from one update to the next", () => {
  it("exports the version the cluster runs, and reads it back: the next run leaves patches to the window", async () => {
    const first = await planStack({ stack: "production" });
    const created = one(first, CLUSTER);
    expect(created.options.ignoreChanges).toEqual([]);
    expect(first.outputs.kubernetesVersion).toBe(created.inputs.version);

    const next = await planStack({
      stack: "production",
      priorOutputs: { kubernetesVersion: "1.34.2-do.0" },
    });
    expect(one(next, CLUSTER).options.ignoreChanges).toEqual(["version"]);
  }, 180_000);
});
