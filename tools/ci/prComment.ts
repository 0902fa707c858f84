/**
 * `npm run ci:pr-comment -- <artifact dir>`: the comment job of pr-comment.yml. It runs the default
 * branch's code in the base repository's context, after a "PR plan" run completed:
 *
 * - the pull request is derived from the run itself — its head SHA and head repository, which
 *   GitHub reports in the workflow_run event — through the API, never from the artifact;
 * - the artifact is untrusted data (commentData.ts bounds and checks it; commentBody.ts escapes it);
 * - only a comment this job's own bot wrote, starting with the marker, is ever updated.
 *
 * Reads GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL and GITHUB_TOKEN, as in a workflow.
 */
import * as fs from "fs";
import { z } from "zod";
import { readCommentData } from "./commentData";
import { MARKER, renderCommentBody } from "./commentBody";
import { gitHubApi, type GitHubApi } from "./githubApi";

/** The login GitHub gives comments made with a workflow's GITHUB_TOKEN. */
export const ACTIONS_BOT = "github-actions[bot]";

const Repo = z.object({ full_name: z.string(), owner: z.object({ login: z.string() }) });

const WorkflowRunEvent = z.object({
  workflow_run: z.object({
    id: z.number(),
    event: z.string(),
    conclusion: z.string().nullable(),
    html_url: z.string().url(),
    head_sha: z.string().regex(/^[0-9a-f]{40}$/),
    head_branch: z.string().nullable(),
    head_repository: Repo.nullable(),
  }),
});

export interface TriggeringRun {
  id: number;
  event: string;
  conclusion: string;
  url: string;
  headSha: string;
  headBranch: string | null;
  headRepository: string | null;
  headOwner: string | null;
}

export function triggeringRun(event: unknown): TriggeringRun {
  const run = WorkflowRunEvent.parse(event).workflow_run;
  return {
    id: run.id,
    event: run.event,
    conclusion: run.conclusion ?? "unknown",
    url: run.html_url,
    headSha: run.head_sha,
    headBranch: run.head_branch,
    headRepository: run.head_repository?.full_name ?? null,
    headOwner: run.head_repository?.owner.login ?? null,
  };
}

const PullRequest = z.object({
  number: z.number(),
  state: z.string(),
  head: z.object({ sha: z.string(), repo: z.object({ full_name: z.string() }).nullable() }),
  base: z.object({ repo: z.object({ full_name: z.string() }) }),
});

const IssueComment = z.object({
  id: z.number(),
  body: z.string().nullable().optional(),
  user: z.object({ login: z.string(), type: z.string() }).nullable(),
});

export type Outcome =
  | { action: "created" | "updated"; pullRequest: number; commentId: number }
  | { action: "skipped"; reason: string };

/**
 * The one open pull request of this repository whose head is exactly the run's head commit from
 * the run's head repository; several (one branch into two bases) or none is no answer.
 */
export async function pullRequestOfRun(
  api: GitHubApi,
  repository: string,
  run: TriggeringRun,
): Promise<number | string> {
  if (!run.headOwner || !run.headBranch || !run.headRepository)
    return "the run names no head repository and branch";
  const head = encodeURIComponent(`${run.headOwner}:${run.headBranch}`);
  const pulls = z
    .array(PullRequest)
    .parse(await api.list(`/repos/${repository}/pulls?state=open&head=${head}&per_page=100`));
  const matching = pulls.filter(
    (p) =>
      p.head.sha === run.headSha &&
      p.head.repo?.full_name === run.headRepository &&
      p.base.repo.full_name === repository,
  );
  if (matching.length === 1) return matching[0].number;
  return matching.length === 0
    ? `no open pull request has head ${run.headSha.slice(0, 12)} (closed, or a newer push supersedes this run)`
    : `${matching.length} open pull requests have head ${run.headSha.slice(0, 12)}; not guessing which one this run planned`;
}

export interface CommentOptions {
  api: GitHubApi;
  repository: string;
  run: TriggeringRun;
  artifactDir: string;
  botLogin?: string;
}

export async function postPlanComment(o: CommentOptions): Promise<Outcome> {
  const bot = o.botLogin ?? ACTIONS_BOT;
  if (o.run.event !== "pull_request")
    return { action: "skipped", reason: `the run was triggered by ${o.run.event}` };
  // A cancelled run was superseded by a newer push (pr-plan cancels in progress); that run comments.
  if (o.run.conclusion === "cancelled" || o.run.conclusion === "skipped")
    return { action: "skipped", reason: `the plan run was ${o.run.conclusion}` };
  const pr = await pullRequestOfRun(o.api, o.repository, o.run);
  if (typeof pr === "string") return { action: "skipped", reason: pr };

  const body = renderCommentBody(
    { headSha: o.run.headSha, conclusion: o.run.conclusion, url: o.run.url },
    readCommentData(o.artifactDir),
  );
  const comments = z
    .array(IssueComment)
    .parse(await o.api.list(`/repos/${o.repository}/issues/${pr}/comments?per_page=100`));
  const mine = comments.find(
    (c) => c.user?.login === bot && c.user.type === "Bot" && (c.body ?? "").startsWith(MARKER),
  );
  if (mine) {
    await o.api.patch(`/repos/${o.repository}/issues/comments/${mine.id}`, { body });
    return { action: "updated", pullRequest: pr, commentId: mine.id };
  }
  const created = IssueComment.parse(
    await o.api.post(`/repos/${o.repository}/issues/${pr}/comments`, { body }),
  );
  return { action: "created", pullRequest: pr, commentId: created.id };
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (the comment job runs inside GitHub Actions)`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length !== 1) {
    process.stderr.write("usage: npm run ci:pr-comment -- <artifact dir>\n");
    return 2;
  }
  const outcome = await postPlanComment({
    api: gitHubApi(process.env.GITHUB_API_URL ?? "https://api.github.com", env("GITHUB_TOKEN")),
    repository: env("GITHUB_REPOSITORY"),
    run: triggeringRun(JSON.parse(fs.readFileSync(env("GITHUB_EVENT_PATH"), "utf8"))),
    artifactDir: argv[0],
  });
  process.stdout.write(
    outcome.action === "skipped"
      ? `no comment: ${outcome.reason}\n`
      : `${outcome.action} comment ${outcome.commentId} on pull request #${outcome.pullRequest}\n`,
  );
  return 0;
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
