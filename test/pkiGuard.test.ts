/**
 * The PKI across runs: a missing token after the PKI was configured is refused rather than turned
 * into a deletion of every mount; the mounts are protected in production; the Vault provider's CA
 * is at a path every machine that runs the program has.
 */
import * as fs from "fs";
import * as path from "path";
import { caFilePath, PKI_STATUS } from "../components/pki/openbaoPki";
import { planStack, PlanError, PROJECT_ROOT } from "../tools/engine/engine";
import type { ConfigMutation } from "../tools/engine/stackSettings";
import { ofType, one } from "./harness";

const withToken: ConfigMutation = (c) => {
  c["prism:openbaoToken"] = { secure: "v1:placeholder" };
};

describe("without prism:openbaoToken", () => {
  it("refuses the run when the previous update had configured the PKI, naming the key", async () => {
    const failure = await planStack({
      stack: "staging",
      priorOutputs: { pkiStatus: PKI_STATUS.configured },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(PlanError);
    const message = (failure as PlanError).message;
    expect(message).toContain("prism:openbaoToken is not set");
    expect(message).toContain("Refusing");
    expect(message).toContain("delete every PKI mount");
  }, 180_000);

  it("still runs before the bootstrap (previous status: awaiting initialisation)", async () => {
    const plan = await planStack({ stack: "staging", priorOutputs: { pkiStatus: PKI_STATUS.awaitingInit } });
    expect(plan.outputs.pkiStatus).toBe(PKI_STATUS.awaitingInit);
    expect(ofType(plan, "vault:index/mount:Mount")).toEqual([]);
  }, 180_000);
});

describe.each([
  ["staging", false],
  ["production", true],
])("%s with the token", (stack, protectedMounts) => {
  it(`${protectedMounts ? "protects" : "does not protect"} the PKI mounts`, async () => {
    const plan = await planStack({ stack, mutateConfig: withToken });
    const mounts = ofType(plan, "vault:index/mount:Mount");
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) expect(m.options.protect).toBe(protectedMounts);

    // The provider's CA: a path relative to the project directory (the same in every checkout),
    // written by the run with the listener CA the stack created, never under a temp directory.
    const provider = one(plan, "pulumi:providers:vault");
    const file = String(provider.inputs.caCertFile);
    expect(file).toBe(caFilePath(stack));
    expect(path.isAbsolute(file)).toBe(false);
    const written = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
    expect(written).toBe(plan.outputs.openbaoCaCertificate);
  }, 180_000);
});
