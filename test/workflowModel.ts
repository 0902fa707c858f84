/**
 * The workflows as data, and the safety rules the tests hold every workflow file to: which jobs
 * run a pull request's code, which read secrets or cloud credentials, and which steps get them.
 */
import { parse as parseYaml } from "yaml";

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: unknown;
}
export interface Job {
  "runs-on"?: string;
  strategy?: { matrix?: Record<string, unknown> };
  uses?: string;
  secrets?: unknown;
  environment?: string | { name: string };
  permissions?: Record<string, string> | string;
  env?: Record<string, unknown>;
  if?: unknown;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  steps?: Step[];
}
export interface Workflow {
  name: string;
  on: unknown;
  env?: Record<string, unknown>;
  permissions?: unknown;
  jobs: Record<string, Job>;
}

export function parseWorkflow(text: string): Workflow {
  return parseYaml(text) as Workflow;
}

/** The environments that deploy (read-write credentials). */
export const DEPLOY_ENVIRONMENTS = ["staging", "production"];

export function triggers(wf: Workflow): string[] {
  if (typeof wf.on === "string") return [wf.on];
  if (Array.isArray(wf.on)) return wf.on as string[];
  return Object.keys(wf.on as object);
}

export function environmentOf(job: Job): string | undefined {
  return typeof job.environment === "string" ? job.environment : job.environment?.name;
}

/** Events whose jobs can run code from a pull request's head. */
const PR_EVENTS = ["pull_request", "pull_request_target", "workflow_run", "issue_comment"];
/** A ref that names the pull request's head rather than the base. */
const HEAD_REF = /head_ref|pull_request\.head|workflow_run\.head|refs\/pull\/|github\.event\.issue/;

/**
 * Whether a job checks out the pull request's code: under `pull_request` any checkout not pinned to
 * the base is the PR's merge commit; under the privileged events a checkout of a head ref is.
 */
export function checksOutPrCode(wf: Workflow, job: Job): boolean {
  const events = triggers(wf).filter((t) => PR_EVENTS.includes(t));
  if (events.length === 0) return false;
  return (job.steps ?? []).some((step) => {
    if (!step.uses?.startsWith("actions/checkout@")) return false;
    const ref = String(step.with?.ref ?? step.with?.repository ?? "");
    if (events.includes("pull_request") && !/pull_request\.base\.(sha|ref)/.test(ref)) return true;
    return HEAD_REF.test(ref);
  });
}

/** Every `${{ secrets.NAME }}` a value mentions, except the job's own GITHUB_TOKEN. */
export function secretsIn(value: unknown): string[] {
  const text = JSON.stringify(value ?? "");
  return [...text.matchAll(/secrets\.([A-Za-z_][A-Za-z0-9_]*)/g)]
    .map((m) => m[1])
    .filter((n) => n !== "GITHUB_TOKEN");
}

/** The actions that turn the job's OIDC token into cloud credentials, and how each is told not to export them. */
export const CREDENTIAL_ACTIONS: Record<string, [input: string, value: string]> = {
  "pulumi/auth-actions": ["export-environment-variables", "false"],
  "google-github-actions/auth": ["export_environment_variables", "false"],
  "aws-actions/configure-aws-credentials": ["output-env-credentials", "false"],
};

export function actionName(uses: string): string {
  return uses.split("@")[0].split("/").slice(0, 2).join("/");
}

/** Steps that receive a secret or a credential step's output. */
export function credentialSteps(job: Job): Step[] {
  const credentialIds = (job.steps ?? [])
    .filter((s) => s.uses && actionName(s.uses) in CREDENTIAL_ACTIONS && s.id)
    .map((s) => s.id as string);
  return (job.steps ?? []).filter((s) => {
    const inputs = JSON.stringify([s.env ?? {}, s.with ?? {}, s.run ?? ""]);
    return (
      secretsIn([s.env, s.with, s.run]).length > 0 ||
      credentialIds.some((id) => inputs.includes(`steps.${id}.outputs`))
    );
  });
}

/**
 * A step that runs Pulumi: the Pulumi action, or a shell step calling the CLI, the stack-secrets
 * script or the cluster-access script (which selects the stack and reads its config). The one other
 * credential use allowed is the chart-vendoring push, a `git push` whose token may only write
 * contents and lives in its own environment.
 */
export function callsPulumi(step: Step): boolean {
  if (step.uses) return actionName(step.uses) === "pulumi/actions";
  return /(^|\s)pulumi\s|tools\/ci\/(stack-secrets|cluster-access)\.sh|CHARTS_PUSH_TOKEN[\s\S]*\spush\s/.test(
    step.run ?? "",
  );
}

/**
 * A step that runs Pulumi against a stack's resources, and so may start the Kubernetes provider:
 * the Pulumi action with a command, a shell step calling `pulumi up|preview|refresh|destroy|import`,
 * or the cluster-access close (it refreshes the cluster).
 */
export function runsPulumiOnStack(step: Step): boolean {
  if (step.uses) return actionName(step.uses) === "pulumi/actions" && step.with?.command !== undefined;
  return /(^|\s)pulumi\s+(up|preview|refresh|destroy|import)(\s|$)|tools\/ci\/cluster-access\.sh\s+close/.test(
    step.run ?? "",
  );
}

/** The token doctl authenticates with, from the environment's DigitalOcean token. */
export const DOCTL_TOKEN = ["DIGITALOCEAN_ACCESS_TOKEN", "${{ secrets.DIGITALOCEAN_TOKEN }}"] as const;

/**
 * The problems of one workflow against the doctl rule (empty when it holds): the stack's
 * kubeconfig runs doctl for the cluster's credentials, so every job that runs Pulumi against a
 * stack installs doctl (without logging it in) before, and each such step gets doctl's token.
 */
export function doctlProblems(file: string, wf: Workflow): string[] {
  const problems: string[] = [];
  for (const [name, job] of Object.entries(wf.jobs)) {
    const steps = job.steps ?? [];
    const install = steps.findIndex(
      (s) => s.uses !== undefined && actionName(s.uses) === "digitalocean/action-doctl",
    );
    steps.forEach((step, i) => {
      if (!runsPulumiOnStack(step)) return;
      const what = `${file}/${name}: step "${step.name ?? step.uses ?? step.run}"`;
      if (install < 0 || install > i) problems.push(`${what} runs Pulumi before doctl is installed`);
      if (step.env?.[DOCTL_TOKEN[0]] !== DOCTL_TOKEN[1])
        problems.push(`${what} runs Pulumi without ${DOCTL_TOKEN[0]}: ${DOCTL_TOKEN[1]}`);
    });
    if (install >= 0 && String(steps[install].with?.no_auth) !== "true")
      problems.push(
        `${file}/${name}: doctl is installed without no_auth: true (its token goes to the Pulumi steps only)`,
      );
  }
  return problems;
}

/** The problems of one workflow against the secret rules (empty when it is safe). */
export function secretProblems(file: string, wf: Workflow): string[] {
  const problems: string[] = [];
  if (secretsIn(wf.env).length) problems.push(`${file}: workflow-level env reads secrets`);
  for (const [name, job] of Object.entries(wf.jobs)) {
    const where = `${file}/${name}`;
    const env = environmentOf(job);
    const jobSecrets = secretsIn(job);
    if (secretsIn(job.env).length)
      problems.push(`${where}: job-level env reads secrets (every step would see them)`);
    if (job.secrets === "inherit") problems.push(`${where}: passes every secret to a reusable workflow`);
    if (jobSecrets.length && !env)
      problems.push(`${where}: reads ${jobSecrets.join(", ")} without an environment (repository secrets)`);
    if (checksOutPrCode(wf, job)) {
      if (env && DEPLOY_ENVIRONMENTS.includes(env.replace(/\$\{\{.*?\}\}/g, "")))
        problems.push(`${where}: runs pull-request code in deploy environment ${env}`);
      if (env && /\$\{\{/.test(env) && DEPLOY_ENVIRONMENTS.some((d) => env.includes(`'${d}'`)))
        problems.push(`${where}: runs pull-request code in an environment that can be ${env}`);
      if (jobSecrets.length && (!env || DEPLOY_ENVIRONMENTS.includes(env)))
        problems.push(`${where}: runs pull-request code and reads ${jobSecrets.join(", ")}`);
    }
    for (const step of credentialSteps(job))
      if (!callsPulumi(step))
        problems.push(
          `${where}: step "${step.name ?? step.uses ?? step.run}" gets credentials but does not call Pulumi`,
        );
    for (const step of job.steps ?? []) {
      const rule = step.uses ? CREDENTIAL_ACTIONS[actionName(step.uses)] : undefined;
      if (rule && String(step.with?.[rule[0]]) !== rule[1])
        problems.push(
          `${where}: ${actionName(step.uses ?? "")} must set ${rule[0]}: ${rule[1]} (credentials only to the steps given them)`,
        );
    }
  }
  return problems;
}

/** `owner/repo[/path]@<40 hex> # vX[.Y.Z]`, or a local action; docker images by digest. */
export function pinProblems(file: string, text: string): string[] {
  const problems: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!m) continue;
    const [, ref, rest] = m;
    if (ref.startsWith("./")) continue;
    if (ref.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) problems.push(`${file}: ${ref} is not pinned by digest`);
      continue;
    }
    if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref))
      problems.push(`${file}: ${ref} is not pinned by commit SHA`);
    else if (!/^\s+#\s+v\d+(\.\d+){0,2}\s*$/.test(rest))
      problems.push(
        `${file}: ${ref} has no "# vX.Y.Z" comment naming the version its SHA is (Renovate keeps both)`,
      );
  }
  return problems;
}
