/**
 * The pack against the real plans: both stacks pass, and a mutation test breaks one property per
 * rule on a real planned production resource and expects the pack to report each break.
 */
import { planStack } from "../../tools/engine/engine";
import { checkPlan, mandatory, stackPolicyConfig, toEvaluated } from "../../tools/engine/policyRun";
import { evaluatePolicies, type EvaluatedResource } from "../../policies/lib/evaluate";
import { allPolicies } from "../../policies/rules";

type Mutation = { policy: string; what: string; mutate(resources: EvaluatedResource[]): void };

function find(resources: EvaluatedResource[], type: string, name: string): EvaluatedResource {
  const r = resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`the production plan has no ${type} ${name}`);
  return r;
}

type Meta = { metadata: { labels: Record<string, string>; namespace: string } };

const MUTATIONS: Mutation[] = [
  {
    policy: "k8s-namespace-pod-security",
    what: "drop the PSA enforce label of namespace prism",
    mutate: (rs) =>
      delete (find(rs, "kubernetes:core/v1:Namespace", "prism").inputs as Meta).metadata.labels[
        "pod-security.kubernetes.io/enforce"
      ],
  },
  {
    policy: "k8s-default-deny-network-policy",
    what: "let the prism namespace's default-deny allow ingress",
    mutate: (rs) => {
      const np = find(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "prism-default-deny");
      (np.outputs.spec as { ingress?: unknown[] }).ingress = [{}];
    },
  },
  {
    policy: "k8s-no-default-namespace",
    what: "move the openbao allow-dns policy into the default namespace",
    mutate: (rs) => {
      (
        find(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "openbao-allow-dns").inputs as Meta
      ).metadata.namespace = "default";
    },
  },
  {
    policy: "stateful-resources-protected",
    what: "unprotect the production cluster",
    mutate: (rs) =>
      (find(rs, "digitalocean:index/kubernetesCluster:KubernetesCluster", "prism").protect = false),
  },
  {
    policy: "do-cluster-production-hardening",
    what: "turn off the production cluster's HA control plane",
    mutate: (rs) =>
      (find(rs, "digitalocean:index/kubernetesCluster:KubernetesCluster", "prism").inputs.ha = false),
  },
  {
    policy: "k8s-explicit-provider",
    what: "put namespace edge on the default provider",
    mutate: (rs) => (find(rs, "kubernetes:core/v1:Namespace", "edge").provider = undefined),
  },
  {
    policy: "credentials-are-secrets",
    what: "store the cluster kubeconfig in plaintext",
    mutate: (rs) => {
      const p = find(rs, "pulumi:providers:kubernetes", "prism-k8s");
      p.secretPaths = p.secretPaths.filter((s) => s !== "kubeconfig");
    },
  },
];

/** Rules whose resource kinds the production plan does not contain yet (their components come later). */
const NOT_YET_PLANNED = [
  "k8s-run-as-non-root",
  "k8s-no-privileged",
  "k8s-no-privilege-escalation",
  "k8s-drop-all-capabilities",
  "k8s-seccomp-runtime-default",
  "k8s-resource-requests-limits",
  "k8s-liveness-readiness-probes",
  "k8s-no-host-access",
  "k8s-image-tag-pinned",
  "k8s-allowed-registries",
  "k8s-no-automount-sa-token",
  "k8s-no-literal-secret-env",
  "k8s-service-exposure",
  "azure-cvm-confidential",
  "azure-no-public-ip",
  "gcp-cvm-confidential",
  "aws-cvm-confidential",
  "helm-chart-version-pinned",
  "helm-repository-secure",
  "helm-no-plaintext-secrets",
  "do-spaces-bucket-private-versioned",
  "do-spaces-key-scoped",
  "cf-tunnel-dns-proxied",
  "cf-tunnel-ingress-catch-all",
  "cf-operator-hosts-behind-access",
  "pki-leaf-role-hardening",
  "pki-urls-configured",
];

describe.each(["staging", "production"])("the %s plan", (stack) => {
  it("has zero mandatory violations", async () => {
    const violations = await checkPlan(await planStack({ stack }));
    expect(mandatory(violations)).toEqual([]);
  });
});

describe("mutation test on the production plan", () => {
  it("catches one break per rule on a real planned resource", async () => {
    const base = toEvaluated(await planStack({ stack: "production" }));
    const config = stackPolicyConfig("production");
    expect(await evaluatePolicies(allPolicies, base, config)).toEqual([]);

    const caught: string[] = [];
    for (const m of MUTATIONS) {
      const resources = structuredClone(base);
      m.mutate(resources);
      const violations = await evaluatePolicies(allPolicies, resources, config);
      if (violations.some((v) => v.policy === m.policy && v.enforcementLevel === "mandatory"))
        caught.push(m.policy);
      else process.stdout.write(`missed: ${m.policy} (${m.what})\n`);
    }
    process.stdout.write(
      `mutation test: tried ${MUTATIONS.length}, caught ${caught.length}; ` +
        `${NOT_YET_PLANNED.length} rules await planned resources of their kind\n`,
    );
    expect(caught).toEqual(MUTATIONS.map((m) => m.policy));
    // Every rule is either mutated here or explicitly waiting for its resources.
    const covered = new Set([...MUTATIONS.map((m) => m.policy), ...NOT_YET_PLANNED]);
    expect([...covered].sort()).toEqual(allPolicies.map((p) => p.name).sort());
  });
});
