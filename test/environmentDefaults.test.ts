/** Per-environment defaults sit beneath a stack's own config: objects merge, everything else the stack replaces. */
import { overDefaults } from "../stacks/environmentDefaults";
import { buildData } from "../stacks/platform";
import type { PlannedResource } from "../tools/engine/plan";
import type { ConfigMutation } from "../tools/engine/stackSettings";
import { ofType, planWithFoundation, section, stackConfigOf } from "./harness";

describe("overDefaults", () => {
  const defaults = {
    data: { postgres: { instances: 3, storageClass: "retain" }, zones: ["a", "b"] },
    protect: true,
  };

  it("keeps a default the stack does not set, and lets the stack's value win where it does", () => {
    expect(overDefaults(defaults, { data: { postgres: { instances: 1 } } })).toEqual({
      data: { postgres: { instances: 1, storageClass: "retain" }, zones: ["a", "b"] },
      protect: true,
    });
  });

  it("replaces arrays and scalars whole rather than merging them", () => {
    expect(overDefaults(defaults, { data: { zones: ["c"] }, protect: false })).toEqual({
      data: { postgres: { instances: 3, storageClass: "retain" }, zones: ["c"] },
      protect: false,
    });
  });

  it("passes a malformed stack value through for the schema to reject, rather than merging into it", () => {
    expect(overDefaults(defaults, { data: "oops" })).toEqual({ data: "oops", protect: true });
  });
});

describe("each environment's defaults reach the components, and a stack file overrides them", () => {
  const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
  const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";

  it("gives each environment its own sizing when the stack file says nothing", () => {
    const staging = stackConfigOf("staging");
    const production = stackConfigOf("production");
    expect(staging.data.postgres.podAntiAffinity).toBe("preferred");
    expect(production.data.postgres.podAntiAffinity).toBe("required");
    expect([staging.spicedb.replicas, production.spicedb.replicas]).toEqual([1, 2]);
    expect([staging.externalSecrets.replicas, production.externalSecrets.replicas]).toEqual([1, 2]);
    expect([staging.data.cnpgOperator.replicas, production.data.cnpgOperator.replicas]).toEqual([1, 2]);
    expect([staging.stateful.protect, production.stateful.protect]).toEqual([false, true]);
  });

  it("keeps the defaults beside a key the stack file overrides", () => {
    const config = stackConfigOf("staging", (c) => {
      section(section(c, "prism:data"), "postgres").sharedBuffers = "256MB";
    });
    expect(config.data.postgres.sharedBuffers).toBe("256MB");
    expect(config.data.postgres.resources).toEqual(stackConfigOf("staging").data.postgres.resources);
    // The stack file's own keys are still there.
    expect(config.data.postgres.instances).toBe(stackConfigOf("staging").data.postgres.instances);
  });

  it("plans staging's databases with production's placement and poolers when its stack file asks", async () => {
    const planData = (mutate?: ConfigMutation) =>
      planWithFoundation(
        "staging",
        ({ stack, config, secrets, doProvider, cluster, namespaces }) => {
          buildData({ stack, config, secrets, previous: {} }, { doProvider, cluster, namespaces });
        },
        mutate,
      );
    const spec = (r: PlannedResource) => r.inputs.spec as Record<string, Record<string, unknown>>;
    const [plain, overridden] = await Promise.all([
      planData(),
      planData((c) =>
        Object.assign(section(section(c, "prism:data"), "postgres"), {
          podAntiAffinity: "required",
          pooler: { instances: 2, defaultPoolSize: 20 },
        }),
      ),
    ]);
    // Every loop below has something to check: an empty plan would pass them all.
    for (const plan of [plain, overridden]) {
      expect(ofType(plan, CLUSTER).length).toBeGreaterThan(0);
      expect(ofType(plan, POOLER).length).toBeGreaterThan(0);
    }
    for (const cluster of ofType(plain, CLUSTER)) {
      expect(spec(cluster).affinity.podAntiAffinityType).toBe("preferred");
    }
    for (const pooler of ofType(plain, POOLER)) expect(spec(pooler).instances).toBe(1);
    for (const cluster of ofType(overridden, CLUSTER)) {
      expect(spec(cluster).affinity.podAntiAffinityType).toBe("required");
    }
    for (const pooler of ofType(overridden, POOLER)) {
      expect(spec(pooler).instances).toBe(2);
      expect(spec(pooler).pgbouncer.parameters).toMatchObject({ default_pool_size: "20" });
    }
  }, 120_000);
});
