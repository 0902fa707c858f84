/**
 * The operator-pod rules on what kube-prometheus-stack renders: the chart's Prometheus and
 * Alertmanager resources are checked in the plan as the hand-built ones are, and one broken value
 * per rule is rejected on the rendered resource.
 */
import type { Plan } from "../tools/engine/plan";
import { checkRendered, mandatory, renderedToEvaluated, stackPolicyConfig } from "../tools/engine/policyRun";
import { releaseObjects, RELEASE_TYPE, renderPlanReleases } from "../tools/engine/renderReleases";
import { operatorWorkloadsOf } from "../policies/lib/operatorPods";
import { KPS_RELEASE } from "../components/observability/prometheusValues";
import { planOf } from "./harness";

jest.setTimeout(600_000);

type Values = Record<string, Record<string, Record<string, Record<string, unknown>>>>;

function withKpsValues(plan: Plan, edit: (values: Values) => void): Plan {
  const copy = structuredClone(plan);
  const r = copy.resources.find((x) => x.type === RELEASE_TYPE && x.inputs.name === KPS_RELEASE);
  if (!r) throw new Error(`no Release ${KPS_RELEASE} in the plan`);
  edit(r.inputs.values as Values);
  return copy;
}

async function operatorFindings(plan: Plan) {
  const objects = releaseObjects(plan.stack, await renderPlanReleases(plan));
  const violations = await checkRendered(objects, stackPolicyConfig(plan.stack));
  return { objects, findings: mandatory(violations).filter((v) => v.policy.startsWith("operator-pod-")) };
}

describe("the Prometheus and Alertmanager kube-prometheus-stack renders", () => {
  it("are checked as operator pods and pass", async () => {
    const { objects, findings } = await operatorFindings(await planOf("production"));
    const pods = renderedToEvaluated(objects).flatMap((r) =>
      operatorWorkloadsOf(r.type, r.inputs).map((w) => `${w.kind} ${w.namespace}/${w.name}`),
    );
    expect(pods.sort()).toEqual([
      "Alertmanager monitoring/kps-alertmanager",
      "Prometheus monitoring/kps-prometheus",
    ]);
    expect(findings).toEqual([]);
  });

  const BREAKS: [string, (v: Values) => void, RegExp][] = [
    [
      "operator-pod-security-context",
      (v) => Object.assign(v.prometheus.prometheusSpec.securityContext, { runAsUser: 0 }),
      /^Prometheus monitoring\/kps-prometheus: container prometheus runs as user 0$/,
    ],
    [
      "operator-pod-resources",
      (v) => (v.alertmanager.alertmanagerSpec.resources = {}),
      /^Alertmanager monitoring\/kps-alertmanager: container alertmanager lacks resources requests.cpu/,
    ],
    [
      "operator-pod-allowed-registries",
      (v) => (v.prometheus.prometheusSpec.image = { registry: "registry.example.net" }),
      /^Prometheus monitoring\/kps-prometheus: container prometheus image "registry.example.net\/[^"]+" is not from an allowed registry/,
    ],
  ];

  it.each(BREAKS)("%s rejects a broken value", async (rule, edit, finding) => {
    const { findings } = await operatorFindings(withKpsValues(await planOf("production"), edit));
    const mine = findings.filter((v) => v.policy === rule);
    expect(mine.map((v) => v.message)).toEqual([expect.stringMatching(finding)]);
    expect(mine[0].urn).toMatch(new RegExp(`^rendered:production/Release/${KPS_RELEASE}/`));
  });
});
