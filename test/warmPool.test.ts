/**
 * Warm-pool CVMs boot once: cloud-init runs on the first boot only. So none is created before the
 * OpenBao chain exists, and each is replaced, not updated, when its boot configuration changes.
 */
import * as pulumi from "@pulumi/pulumi";
import { buildConfidential } from "../stacks/platform";
import { warmPoolNames } from "../components/confidential/landingZone";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { ofType, one, planOf, planWithFoundation, stackConfigOf } from "./harness";

const TEST_CA = "-----BEGIN CERTIFICATE-----\nUExBQ0VIT0xERVI=\n-----END CERTIFICATE-----";

const VM_TYPES = {
  azure: "azure-native:compute:VirtualMachine",
  gcp: "gcp:compute/instance:Instance",
  aws: "aws:ec2/instance:Instance",
} as const;

/** The input path each cloud's warm VM carries its boot configuration in. */
const BOOT_CONFIG = { azure: "osProfile.customData", gcp: "metadata", aws: "launchTemplate" } as const;

function warmVms(plan: Plan): PlannedResource[] {
  return Object.values(VM_TYPES).flatMap((t) => ofType(plan, t));
}

function at(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], value);
}

/** Production's foundation and confidential capacity, with a chain to trust. */
let chainPlan: Promise<Plan> | undefined;
function withChain(): Promise<Plan> {
  chainPlan ??= planWithFoundation("production", (ctx) => {
    buildConfidential({ ...ctx, previous: {} }, ctx, { pki: { caChain: pulumi.output(TEST_CA) } });
  });
  return chainPlan;
}

describe("warm-pool CVMs", () => {
  it("are not created while the PKI has no chain (production before the external root signs)", async () => {
    const config = stackConfigOf("production");
    expect(config.confidential.gcp.enabled && config.confidential.gcp.warmPoolSize).toBeGreaterThan(0);
    const plan = await planOf("production");
    expect(plan.outputs.pkiStatus).not.toBe("configured");
    expect(warmVms(plan).map((r) => r.name)).toEqual([]);
  });

  it("are created once the chain exists, each replaced (old first) when its boot configuration changes", async () => {
    const plan = await withChain();
    const { confidential } = stackConfigOf("production");
    for (const cloud of ["azure", "gcp", "aws"] as const) {
      const section = confidential[cloud];
      const size = section.enabled ? section.warmPoolSize : 0;
      const vms = ofType(plan, VM_TYPES[cloud]);
      expect(vms.map((v) => v.name).sort()).toEqual(
        warmPoolNames("production", size)
          .map((n) => `confidential-${cloud}-${n}`)
          .sort(),
      );
      for (const vm of vms) {
        expect(at(vm.inputs, BOOT_CONFIG[cloud])).toBeDefined();
        expect(vm.options.replaceOnChanges).toEqual([BOOT_CONFIG[cloud]]);
        // Azure and GCP names are unique in their scope: the replacement cannot coexist with the old VM.
        if (cloud !== "aws") expect(vm.options.deleteBeforeReplace).toBe(true);
      }
    }
  });

  it("on Azure, nothing that encrypts a disk starts before the key's role assignments have propagated", async () => {
    const plan = await withChain();
    const assignments = ofType(plan, "azure-native:authorization:RoleAssignment").filter(
      (r) => r.inputs.scope === one(plan, "azure-native:keyvault:Key").id,
    );
    expect(assignments).toHaveLength(2);
    const sleep = one(plan, "time:index/sleep:Sleep");
    expect(Object.values(sleep.inputs.triggers as Record<string, string>).sort()).toEqual(
      assignments.map((a) => a.id).sort(),
    );
    expect(parseInt(String(sleep.inputs.createDuration), 10)).toBeGreaterThanOrEqual(120);
    const encrypting = [
      ...ofType(plan, "azure-native:compute:VirtualMachine"),
      ...ofType(plan, "azure-native:compute:VirtualMachineScaleSet"),
    ];
    expect(encrypting.length).toBeGreaterThan(1);
    for (const r of encrypting) expect(r.options.dependsOn).toContain(sleep.urn);
  });
});
