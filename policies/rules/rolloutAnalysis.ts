/**
 * Argo Rollouts: a production Rollout must reference an analysis that can stop it. Without one, a
 * canary is promoted on a timer or a click whatever its error rate; an analysis whose every metric
 * is a dry run only reports. Outside production a Rollout still references an analysis (a dry run
 * is enough there).
 */
import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";

const ROLLOUT_TYPE = "kubernetes:argoproj.io/v1alpha1:Rollout";

interface Config {
  production: boolean;
}

const configSchema: PolicyConfigSchema = {
  properties: {
    production: {
      type: "boolean",
      default: true,
      description: "Whether the stack is production; off, a dry-run analysis is enough.",
    },
  },
};

interface AnalysisRef {
  templates?: { templateName?: string; clusterScope?: boolean }[];
  dryRun?: { metricName?: string }[];
}

interface RolloutProps {
  metadata?: { name?: string; namespace?: string };
  spec?: {
    strategy?: {
      canary?: { analysis?: AnalysisRef; steps?: { analysis?: AnalysisRef }[] };
      blueGreen?: { prePromotionAnalysis?: AnalysisRef; postPromotionAnalysis?: AnalysisRef };
    };
  };
}

/** Every analysis the strategy runs: background, per step, or around a blue-green promotion. */
function analysesOf(rollout: RolloutProps): AnalysisRef[] {
  const { canary, blueGreen } = rollout.spec?.strategy ?? {};
  return [
    canary?.analysis,
    ...(canary?.steps ?? []).map((s) => s.analysis),
    blueGreen?.prePromotionAnalysis,
    blueGreen?.postPromotionAnalysis,
  ].filter((a): a is AnalysisRef => a !== undefined && (a.templates ?? []).some((t) => !!t.templateName));
}

/** Argo Rollouts matches dryRun metric names as regular expressions; `.*` covers every metric. */
const allDryRun = (analysis: AnalysisRef) =>
  (analysis.dryRun ?? []).some((d) => d.metricName === ".*" || d.metricName === "^.*$");

export const rolloutAnalysis: ResourceValidationPolicy = {
  name: "k8s-rollout-analysis",
  description:
    "Every Argo Rollout references an AnalysisTemplate; in production at least one that is not a dry run, so a failing measurement aborts the rollout.",
  configSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== ROLLOUT_TYPE) return;
    const rollout = args.props as RolloutProps;
    const where = `Rollout ${rollout.metadata?.namespace ?? "?"}/${rollout.metadata?.name ?? args.name}`;
    const analyses = analysesOf(rollout);
    if (analyses.length === 0) {
      reportViolation(
        `${where} references no analysis: nothing measures the new version before it is promoted`,
      );
      return;
    }
    if (args.getConfig<Config>().production && analyses.every(allDryRun)) {
      reportViolation(`${where} runs its analyses as dry runs only: a failing measurement cannot abort it`);
    }
  },
};

export const rolloutPolicies = [rolloutAnalysis];
