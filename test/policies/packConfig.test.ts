/** Pack config reconciled as the Pulumi CLI reconciles it, and the evaluator reading it as the pack's server does. */
import * as fs from "fs";
import * as path from "path";
import type { PolicyPackConfig, ResourceValidationPolicy } from "@pulumi/policy";
import { evaluatePolicies, type EvaluatedResource } from "../../policies/lib/evaluate";
import { parsePackConfigFile, policyInfos, reconcilePackConfig } from "../../policies/lib/packConfig";
import { allPolicies } from "../../policies/rules";

const seen: string[] = [];
const probe: ResourceValidationPolicy = {
  name: "probe",
  description: "reports its config",
  configSchema: {
    properties: { limit: { type: "number", default: 3 }, tags: { type: "array", default: ["a"] } },
  },
  validateResource: (args, report) => {
    seen.push(JSON.stringify(args.getConfig()));
    report("probe saw the resource");
  },
};
const quiet: ResourceValidationPolicy = {
  name: "quiet",
  description: "advisory by default",
  enforcementLevel: "advisory",
  validateResource: (_args, report) => report("quiet saw the resource"),
};
const resource: EvaluatedResource = {
  urn: "urn:pulumi:s::p::test:index:Thing::t",
  type: "test:index:Thing",
  name: "t",
  inputs: {},
  outputs: {},
  secretPaths: [],
  protect: false,
  ignoreChanges: [],
  dependencies: [],
  propertyDependencies: {},
};
const levels = async (config: PolicyPackConfig) =>
  Object.fromEntries(
    (await evaluatePolicies([probe, quiet], [resource], config)).map((v) => [v.policy, v.enforcementLevel]),
  );

describe("pack config as the CLI reconciles it", () => {
  beforeEach(() => seen.splice(0));

  it("starts from each policy's level and its schema's defaults", async () => {
    expect(await levels({})).toEqual({ probe: "mandatory", quiet: "advisory" });
    expect(seen).toEqual(['{"limit":3,"tags":["a"]}']);
  });

  it("`all` sets every policy's level; a policy's own entry wins over it and merges its settings", async () => {
    expect(await levels({ all: "advisory" })).toEqual({ probe: "advisory", quiet: "advisory" });
    expect(await levels({ all: "disabled", quiet: "mandatory" })).toEqual({ quiet: "mandatory" });
    expect(await levels({ all: { enforcementLevel: "advisory" }, probe: { limit: 9 } })).toEqual({
      probe: "advisory",
      quiet: "advisory",
    });
    expect(seen.pop()).toBe('{"limit":9,"tags":["a"]}');
  });

  it("passes unknown policy names through, as the CLI does, and the pack ignores them", async () => {
    const configured = reconcilePackConfig(
      policyInfos([probe]),
      parsePackConfigFile({ "no-such-policy": "mandatory" }),
    );
    expect(configured["no-such-policy"]).toEqual({ enforcementLevel: "mandatory", properties: {} });
    expect(await levels({ "no-such-policy": { enforcementLevel: "mandatory" } })).toEqual({
      probe: "mandatory",
      quiet: "advisory",
    });
  });

  it("rejects bad levels and settings the schema refuses, naming the policy and key", async () => {
    // A config file is JSON: nothing stops it from naming a level the pack does not have.
    expect(() => parsePackConfigFile(JSON.parse('{ "probe": "strict" }'))).toThrow(
      'enforcement level for "probe": "strict" is not valid',
    );
    await expect(levels({ probe: { limit: "many" } })).rejects.toThrow("probe: /limit must be number");
  });

  it("ignores the `environments` key (ESC references) and empty entries", () => {
    expect(parsePackConfigFile({ environments: ["org/env"], probe: {} })).toEqual({});
  });

  // Typos in our config files would pass silently under the CLI, so this test is the guard.
  it.each(fs.readdirSync(path.resolve(__dirname, "../../policies/config")))(
    "policies/config/%s names only policies of the pack (or all)",
    (file) => {
      const json = JSON.parse(
        fs.readFileSync(path.resolve(__dirname, "../../policies/config", file), "utf8"),
      ) as Record<string, unknown>;
      const known = new Set(["all", ...allPolicies.map((p) => p.name)]);
      expect(Object.keys(json).filter((name) => !known.has(name))).toEqual([]);
      expect(() => reconcilePackConfig(policyInfos(allPolicies), parsePackConfigFile(json))).not.toThrow();
    },
  );
});
