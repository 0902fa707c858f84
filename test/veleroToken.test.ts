/**
 * Velero's DigitalOcean token lives in the velero namespace, so it is Velero's own narrowly scoped
 * token, never the read-write one Pulumi manages the account with.
 */
import { placeholderSecret } from "../tools/engine/stackSettings";
import { ofType, one, planOf } from "./harness";

describe.each(["staging", "production"])("%s: Velero's DigitalOcean token", (stack) => {
  it("comes from its own secret key, and Pulumi's read-write token appears in no Kubernetes object", async () => {
    const plan = await planOf(stack);
    const velero = ofType(plan, "kubernetes:core/v1:Secret").find(
      (s) => (s.inputs.metadata as { name: string }).name === "velero-credentials",
    );
    const data = velero?.inputs.stringData as Record<string, string>;
    expect(data.digitalocean_token).toBe(placeholderSecret("prism:veleroDigitaloceanToken"));
    expect(velero?.secretPaths).toContain("stringData");

    const pulumiToken = placeholderSecret("prism:digitaloceanToken");
    expect(one(plan, "pulumi:providers:digitalocean").inputs.token).toBe(pulumiToken);
    const leaks = plan.resources
      .filter((r) => r.type.startsWith("kubernetes:") && JSON.stringify(r.inputs).includes(pulumiToken))
      .map((r) => r.name);
    expect(leaks).toEqual([]);
  });
});
