/**
 * GCP service-account keys: new organisations block them (iam.disableServiceAccountKeyCreation),
 * so the stacks are keyless unless keys are chosen explicitly, and a value that is neither mode is
 * refused, naming the key and both modes.
 */
import { externalSecretsKeyProblem, KEY_ORG_POLICY } from "../stacks/validation/gcpKeys";
import { planFailure, programResources, stackConfigOf } from "./harness";

describe.each(["staging", "production"])("%s", (stack) => {
  it("is keyless when gcpServiceAccountKeys is unset", () => {
    const config = stackConfigOf(stack, (c) => {
      delete c["prism:gcpServiceAccountKeys"];
    });
    expect(config.gcpServiceAccountKeys).toBe("keyless");
  });

  it("runs keyless as its stack file says", () => {
    expect(stackConfigOf(stack).gcpServiceAccountKeys).toBe("keyless");
  });

  it.each(["yes", "true", "keys", ""])(
    "refuses gcpServiceAccountKeys %j, naming the key and both modes",
    async (value) => {
      const failure = await planFailure(stack, (c) => {
        c["prism:gcpServiceAccountKeys"] = value;
      });
      expect(failure.message).toContain("prism:gcpServiceAccountKeys:");
      expect(failure.message).toMatch(/must be "keyless" .* or "allowed"/);
      expect(failure.message).toContain("iam.disableServiceAccountKeyCreation");
      expect(failure.message).toContain(`got ${JSON.stringify(value)}`);
      expect(programResources(failure.plan)).toEqual([]);
    },
    180_000,
  );
});

describe("External Secrets' key with keys allowed", () => {
  const config = stackConfigOf("staging", (c) => {
    c["prism:gcpServiceAccountKeys"] = "allowed";
  });

  it("is required, naming the org policy and the project", () => {
    const problem = externalSecretsKeyProblem({ ...config, externalSecretsGcpCredentials: undefined });
    expect(problem).toContain("pulumi config set --secret externalSecretsGcpCredentials");
    expect(problem).toContain(KEY_ORG_POLICY);
    expect(problem).toContain(config.externalSecrets.gcpProject);
    expect(externalSecretsKeyProblem({ ...config, externalSecretsGcpCredentials: "{}" })).toBeUndefined();
  });

  it("is not needed keyless", () => {
    expect(
      externalSecretsKeyProblem({
        ...config,
        gcpServiceAccountKeys: "keyless",
        externalSecretsGcpCredentials: undefined,
      }),
    ).toBeUndefined();
  });
});
