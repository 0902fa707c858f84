/**
 * Every Helm Release of both stacks rendered from its vendored archive as Helm installs it, held to
 * the pack's Kubernetes rules; and one add-on value broken per workload rule, which the plan must
 * then reject.
 */
import { CHARTS } from "../components/helm/catalog";
import type { Plan } from "../tools/engine/plan";
import { checkRendered, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import {
  planKubeVersion,
  planReleaseTargets,
  releaseObjects,
  RELEASE_TYPE,
  renderPlanReleases,
} from "../tools/engine/renderReleases";
import { kubernetesWorkloadPolicies } from "../policies/rules/kubernetesWorkloads";
import { planOf } from "./harness";

jest.setTimeout(600_000);

type Values = Record<string, unknown>;

/** A copy of the plan with one Release's values edited. */
function withValues(plan: Plan, release: string, edit: (values: Values) => void): Plan {
  const copy = structuredClone(plan);
  const r = copy.resources.find((x) => x.type === RELEASE_TYPE && x.inputs.name === release);
  if (!r) throw new Error(`no Release ${release} in the plan`);
  r.inputs.values ??= {};
  edit(r.inputs.values as Values);
  return copy;
}

const obj = (v: Values, key: string): Values => {
  v[key] ??= {};
  return v[key] as Values;
};

async function releaseViolations(plan: Plan) {
  const releases = await renderPlanReleases(plan);
  return checkRendered(releaseObjects(plan.stack, releases), stackPolicyConfig(plan.stack));
}

describe.each(["staging", "production"])("the %s Releases, rendered", (stack) => {
  it("renders all of them, from the vendored archives, with the cluster's version", async () => {
    const plan = await planOf(stack);
    const targets = planReleaseTargets(plan);
    expect(targets.length).toBe(Object.keys(CHARTS).length);
    for (const t of targets) expect(t.archive).toMatch(/^charts\/vendor\/[a-z0-9-]+-[0-9.]+\.tgz$/);
    expect(planKubeVersion(plan)).toMatch(/^1\.\d+\.\d+$/);

    const releases = await renderPlanReleases(plan);
    expect(releases.map((r) => r.release).sort()).toEqual(targets.map((t) => t.release).sort());
    for (const r of releases) expect(r.manifests.length).toBeGreaterThan(0);
    const all = releases.flatMap((r) => r.manifests);
    // Test hooks are left out (Pulumi never runs `helm test`); install hooks stay.
    const hook = (m: (typeof all)[number]) => m.metadata.annotations?.["helm.sh/hook"] ?? "";
    expect(all.filter((m) => hook(m).includes("test"))).toEqual([]);
    expect(all.some((m) => hook(m).includes("pre-install"))).toBe(true);
    // Objects gated on an installed CRD render because its API version is passed to Helm.
    expect(all.some((m) => m.kind === "ServiceMonitor")).toBe(true);
    // Namespaced objects land in their release's namespace, as Helm installs them.
    for (const r of releases) {
      for (const m of r.manifests.filter((x) => x.kind === "Deployment" || x.kind === "StatefulSet")) {
        expect(m.metadata.namespace).toBeTruthy();
      }
    }
  });

  it("gives no mandatory violation on any rendered object", async () => {
    const findings = await releaseViolations(await planOf(stack));
    expect(mandatory(findings)).toEqual([]);
  });
});

/** One broken add-on value per workload rule, and the finding it must produce. */
const BREAKS: [string, string, (v: Values) => void, RegExp][] = [
  [
    "k8s-run-as-non-root",
    "traefik",
    (v) => Object.assign(obj(v, "podSecurityContext"), { runAsNonRoot: false, runAsUser: 0 }),
    /Deployment edge\/traefik: container traefik runs as user 0/,
  ],
  [
    "k8s-no-privileged",
    "traefik",
    (v) => Object.assign(obj(v, "securityContext"), { privileged: true }),
    /container traefik is privileged/,
  ],
  [
    "k8s-no-privilege-escalation",
    "argo-rollouts",
    (v) =>
      Object.assign(obj(v, "containerSecurityContext"), {
        allowPrivilegeEscalation: true,
      }),
    /Deployment argo-rollouts\/argo-rollouts: container argo-rollouts does not set allowPrivilegeEscalation/,
  ],
  [
    "k8s-drop-all-capabilities",
    "traefik",
    (v) =>
      Object.assign(obj(v, "securityContext"), { capabilities: { drop: ["NET_RAW"], add: ["SYS_ADMIN"] } }),
    /container traefik adds capabilities SYS_ADMIN/,
  ],
  [
    "k8s-seccomp-runtime-default",
    "traefik",
    (v) => Object.assign(obj(v, "podSecurityContext"), { seccompProfile: { type: "Unconfined" } }),
    /container traefik has seccomp profile Unconfined/,
  ],
  [
    "k8s-resource-requests-limits",
    "opensearch",
    (v) => {
      v.initResources = {};
    },
    /StatefulSet logging\/opensearch-cluster-master: container configfile lacks resources/,
  ],
  [
    "k8s-liveness-readiness-probes",
    "argocd",
    (v) => Object.assign(obj(v, "applicationSet"), { livenessProbe: { enabled: false } }),
    /argocd-applicationset-controller: container applicationset-controller has no livenessProbe/,
  ],
  [
    "k8s-no-host-access",
    "traefik",
    (v) => {
      v.hostNetwork = true;
    },
    /Deployment edge\/traefik: sets hostNetwork/,
  ],
  [
    "k8s-image-tag-pinned",
    "fluent-bit",
    (v) => Object.assign(obj(v, "image"), { tag: "latest" }),
    /container fluent-bit image "docker.io\/fluent\/fluent-bit:latest" is untagged or latest/,
  ],
  [
    "k8s-allowed-registries",
    "fluent-bit",
    (v) => Object.assign(obj(v, "image"), { repository: "registry.example.com/fluent/fluent-bit" }),
    /image "registry.example.com\/fluent\/fluent-bit:[^"]+" is not from an allowed registry/,
  ],
  [
    "k8s-no-automount-sa-token",
    "cloudnative-pg",
    (v) => {
      v.podAnnotations = {};
    },
    /Deployment cnpg-system\/cloudnative-pg: mounts a service-account token without declaring the need/,
  ],
  [
    "k8s-no-literal-secret-env",
    "fluent-bit",
    (v) => {
      v.env = [...((v.env as unknown[]) ?? []), { name: "OPENSEARCH_API_TOKEN", value: "not-a-real-token" }];
    },
    /container fluent-bit sets OPENSEARCH_API_TOKEN to a literal value/,
  ],
];

describe("a broken add-on value", () => {
  it("covers every workload rule", () => {
    expect(BREAKS.map(([rule]) => rule).sort()).toEqual(kubernetesWorkloadPolicies.map((p) => p.name).sort());
  });

  it.each(BREAKS)("%s rejects a break in the %s values", async (rule, release, edit, finding) => {
    const findings = mandatory(
      await releaseViolations(withValues(await planOf("production"), release, edit)),
    );
    expect(findings.map((v) => v.policy)).toContain(rule);
    const mine = findings.filter((v) => v.policy === rule);
    expect(mine.some((v) => finding.test(v.message))).toBe(true);
    for (const v of mine) expect(v.urn).toMatch(new RegExp(`^rendered:production/Release/${release}/`));
  });
});
