/**
 * A fresh GCP project has none of the APIs the platform uses enabled. Every GCP resource must wait
 * for its API, enabled by its own component in its own project, so no component depends on another
 * having run first.
 */
import { gcpApiOf } from "../components/gcp/projectApis";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { planOf } from "./harness";

const SERVICE = "gcp:projects/service:Service";

/** Every resource `r` waits for, directly or through others. */
function waitsFor(plan: Plan, r: PlannedResource): Set<string> {
  const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
  const seen = new Set<string>();
  const stack = [...r.dependencies];
  while (stack.length) {
    const urn = stack.pop()!;
    if (seen.has(urn)) continue;
    seen.add(urn);
    stack.push(...(byUrn.get(urn)?.dependencies ?? []));
  }
  return seen;
}

describe.each(["staging", "production"])("%s: GCP APIs", (stack) => {
  it("every GCP resource waits for its API, enabled by its own component in its provider's project", async () => {
    const plan = await planOf(stack);
    const byUrn = new Map(plan.resources.map((x) => [x.urn, x]));
    const gcp = plan.resources.filter((r) => r.type.startsWith("gcp:") && r.type !== SERVICE);
    expect(gcp.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const r of gcp) {
      const api = gcpApiOf(r.type);
      if (!api) {
        problems.push(`${r.type} (${r.name}): no API recorded for this type`);
        continue;
      }
      const project = byUrn.get(r.provider ?? "")?.inputs.project;
      const enabling = [...waitsFor(plan, r)]
        .map((urn) => byUrn.get(urn))
        .filter(
          (s) =>
            s?.type === SERVICE &&
            s.inputs.service === api &&
            s.inputs.project === project &&
            s.parent === r.parent &&
            s.inputs.disableOnDestroy === false,
        );
      if (enabling.length === 0)
        problems.push(`${r.type} (${r.name}) does not wait for ${api} in ${String(project)}`);
    }
    expect(problems).toEqual([]);
  });
});
