import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planStack, PROJECT_ROOT } from "../tools/engine/engine";
import { planToJson, SECRET_MASK } from "../tools/engine/plan";
import { stackPolicyConfig } from "../tools/engine/policyRun";

const TSX = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");

function runPlan(...args: string[]) {
  return spawnSync(TSX, [path.join(PROJECT_ROOT, "tools", "plan.ts"), ...args], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, PULUMI_CONFIG: "", PULUMI_ACCESS_TOKEN: "" },
  });
}

describe("the plan JSON", () => {
  it("is identical for two runs of the same stack, so plans diff cleanly", async () => {
    const first = planToJson(await planStack({ stack: "production" }));
    const second = planToJson(await planStack({ stack: "production" }));
    expect(second).toBe(first);
  });

  it("masks secret inputs and outputs", async () => {
    const json = JSON.parse(planToJson(await planStack({ stack: "staging" })));
    const provider = json.resources.find((r: { type: string }) => r.type === "pulumi:providers:kubernetes");
    expect(provider.inputs.kubeconfig).toBe(SECRET_MASK);
    expect(json.outputs.kubeconfig).toBe(SECRET_MASK);
    expect(JSON.stringify(json)).not.toContain("offline-placeholder-for-prism:digitaloceanToken");
  });
});

describe("npm run plan", () => {
  it("prints the tree and per-type counts for production and writes the JSON plan", () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prism-plan-")), "production.json");
    const result = runPlan("--stack", "production", "--json", out);
    // The only thing on stderr: the program telling the operator how to finish the OpenBao bootstrap.
    expect(result.stderr).toContain("OpenBao is installed but its PKI is not configured yet");
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("pulumi:pulumi:Stack");
    expect(result.stdout).toMatch(/├─ prism:cluster:DoksCluster\s+prism/);
    expect(result.stdout).toMatch(
      /digitalocean:index\/kubernetesCluster:KubernetesCluster\s+prism \[protected, retain-on-delete\]/,
    );
    expect(result.stdout).toMatch(/Resources by type:[\s\S]*\d+\s+kubernetes:core\/v1:Namespace/);
    expect(result.stdout).toContain(
      "DOKS prism-production in fra1 on 1.34.3-do.1: HA control plane, control-plane firewall (2 CIDRs), surge upgrades, maintenance sunday 02:30 UTC, protected",
    );
    expect(result.stdout).toMatch(/^Custom resources: [1-9]\d* checked against their CRDs, 0 invalid$/m);
    expect(result.stdout).toMatch(/Monthly cost at list prices: \$[\d,.]+/);
    expect(result.stdout).toMatch(/Deploy critical path \(cold pulumi up\): ~\d+ min/);
    const plan = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(plan.cost.monthlyUsd).toBeGreaterThan(0);
    expect(plan.criticalPath.chain.length).toBeGreaterThan(2);
    expect(plan.policy.violations).toEqual([]);
    expect(plan.stack).toBe("production");
    expect(plan.resources.length).toBeGreaterThan(40);
  });

  it("runs the policy pack: zero violations for production, non-zero exit naming the rule when one is injected", () => {
    expect(runPlan("--stack", "production").stdout).toContain("Policy pack prism-security: no violations");
    const strict = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prism-policy-")), "strict.json");
    // The file is the pack's whole config, as with `pulumi preview --policy-pack-config`: the
    // stack's own, with the one PSA exception taken away.
    const config = stackPolicyConfig("production");
    const psa = config["k8s-namespace-pod-security"];
    config["k8s-namespace-pod-security"] = { ...(typeof psa === "object" ? psa : {}), exceptions: {} };
    fs.writeFileSync(strict, JSON.stringify(config));
    const result = runPlan("--stack", "production", "--policy-config", strict);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("[mandatory] k8s-namespace-pod-security");
    expect(result.stdout).toContain("Namespace::node-agents");
    expect(result.stderr).toContain("1 mandatory policy violation(s): k8s-namespace-pod-security");
  });

  it("exits non-zero and says why for a stack that does not exist", () => {
    const result = runPlan("--stack", "nosuchstack");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Pulumi.nosuchstack.yaml does not exist");
  });

  it("exits with a usage error without --stack", () => {
    const result = runPlan();
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("--stack is required");
  });
});
