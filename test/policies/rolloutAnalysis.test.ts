/**
 * k8s-rollout-analysis: a Rollout built with the real SDK class and one property broken per case,
 * and the production service chart's own Rollouts, rendered, as the plan checks them.
 */
import * as k8s from "@pulumi/kubernetes";
import { rolloutPolicies } from "../../policies/rules/rolloutAnalysis";
import { checkRendered, stackPolicyConfig } from "../../tools/engine/policyRun";
import { renderedObjects, renderServices } from "../../tools/engine/renderServices";
import { parsePlatformConfig } from "../../stacks/config";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { loadStackSettings } from "../../tools/engine/stackSettings";
import { messagesOf } from "../policyHarness";

type Canary = Record<string, unknown>;

const analysisRef = { templates: [{ templateName: "auth-health" }] };

function rollout(canary: Canary) {
  return ({ k8s: provider }: { k8s: k8s.Provider }) => {
    new k8s.apiextensions.CustomResource(
      "auth",
      {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Rollout",
        metadata: { name: "auth", namespace: "prism" },
        spec: {
          selector: { matchLabels: { app: "auth" } },
          strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }], ...canary } },
        },
      },
      { provider },
    );
  };
}

const production = { "k8s-rollout-analysis": { production: true } };
const staging = { "k8s-rollout-analysis": { production: false } };

describe("k8s-rollout-analysis", () => {
  it("accepts a canary with a background analysis, or with an analysis step", async () => {
    expect(await messagesOf(rolloutPolicies, rollout({ analysis: analysisRef }), production)).toEqual([]);
    expect(
      await messagesOf(
        rolloutPolicies,
        rollout({ steps: [{ setWeight: 20 }, { analysis: analysisRef }] }),
        production,
      ),
    ).toEqual([]);
  });

  it("rejects a production Rollout that references no analysis", async () => {
    expect(await messagesOf(rolloutPolicies, rollout({}), production)).toEqual([
      "k8s-rollout-analysis: Rollout prism/auth references no analysis: nothing measures the new version before it is promoted",
    ]);
    // A reference without a template name references nothing.
    expect(
      await messagesOf(
        rolloutPolicies,
        rollout({ analysis: { templates: [{ templateName: "" }] } }),
        production,
      ),
    ).toHaveLength(1);
  });

  it("rejects an all-dry-run analysis in production, and accepts it elsewhere", async () => {
    const dryRun = rollout({ analysis: { ...analysisRef, dryRun: [{ metricName: ".*" }] } });
    expect(await messagesOf(rolloutPolicies, dryRun, production)).toEqual([
      "k8s-rollout-analysis: Rollout prism/auth runs its analyses as dry runs only: a failing measurement cannot abort it",
    ]);
    expect(await messagesOf(rolloutPolicies, dryRun, staging)).toEqual([]);
    // One metric in dry run leaves the others able to abort.
    const partial = rollout({ analysis: { ...analysisRef, dryRun: [{ metricName: "p95-latency" }] } });
    expect(await messagesOf(rolloutPolicies, partial, production)).toEqual([]);
  });

  it("defaults to production's strictness and still requires an analysis outside production", async () => {
    const dryRun = rollout({ analysis: { ...analysisRef, dryRun: [{ metricName: ".*" }] } });
    expect(await messagesOf(rolloutPolicies, dryRun)).toHaveLength(1);
    expect(await messagesOf(rolloutPolicies, rollout({}), staging)).toHaveLength(1);
  });

  describe.each(["staging", "production"])("on the service chart rendered for %s", (stack) => {
    const settings = loadStackSettings(PROJECT_ROOT, stack);
    const config = parsePlatformConfig(settings.project, stack, settings.config);
    const objects = () => renderedObjects(stack, Object.values(renderServices(config)));

    it("accepts every Rollout, and rejects one whose analysis is removed", async () => {
      const rendered = objects();
      expect(rendered.filter((o) => o.manifest.kind === "Rollout")).toHaveLength(9);
      const findings = await checkRendered(rendered, stackPolicyConfig(stack));
      expect(findings.filter((f) => f.policy === "k8s-rollout-analysis")).toEqual([]);

      const broken = rendered.find((o) => o.manifest.kind === "Rollout" && o.release === "billing");
      if (!broken) throw new Error("no billing Rollout rendered");
      const canary = (broken.manifest.spec as { strategy: { canary: Canary } }).strategy.canary;
      delete canary.analysis;
      canary.steps = ((canary.steps ?? []) as { analysis?: unknown }[]).filter((s) => !s.analysis);
      const violations = await checkRendered([broken], stackPolicyConfig(stack));
      const mine = violations.filter((v) => v.policy === "k8s-rollout-analysis");
      expect(mine.map((v) => `${v.policy}/${v.enforcementLevel}: ${v.message}`)).toEqual([
        "k8s-rollout-analysis/mandatory: Rollout prism/billing references no analysis: nothing measures the new version before it is promoted",
      ]);
    });
  });
});
