/**
 * GCP service-account keys: new organisations block them (iam.disableServiceAccountKeyCreation),
 * so a stack that needs one is refused up front, naming the org policy, the projects and what
 * holds each key, unless the operator has confirmed keys may be created there.
 */
import { KEY_ORG_POLICY, serviceAccountKeyNeeds } from "../stacks/validation/gcpKeys";
import { stackConfigOf } from "./harness";
import { planFailure, programResources } from "./harness";

describe.each(["staging", "production"])("%s", (stack) => {
  it("is refused without gcpServiceAccountKeys, naming the org policy, the projects and the holders", async () => {
    const failure = await planFailure(stack, (c) => {
      delete c["prism:gcpServiceAccountKeys"];
    });
    expect(failure.message).toContain("gcpServiceAccountKeys:");
    expect(failure.message).toContain(KEY_ORG_POLICY);
    const config = stackConfigOf(stack);
    for (const need of serviceAccountKeyNeeds(config)) {
      expect(failure.message).toContain(need.project);
      expect(failure.message).toContain(need.holder);
    }
    expect(failure.message).toMatch(/Allowed: "allowed"/);
    expect(programResources(failure.plan)).toEqual([]);
  }, 180_000);

  it("names every project the program creates a key in", () => {
    const config = stackConfigOf(stack);
    const projects = serviceAccountKeyNeeds(config).map((n) => n.project);
    expect(projects).toContain(config.pki.openbao.autoUnseal.gcpProject);
    if (config.confidential.gcp.enabled) expect(projects).toContain(config.confidential.gcp.project);
  });
});
