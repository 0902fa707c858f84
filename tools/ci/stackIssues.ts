/**
 * One issue per stack, written by the workflow's own bot and found by its label and title: the
 * drift check and the restore drill both keep theirs this way. Issues anyone else opened with the
 * same label or title are never touched.
 */
import { z } from "zod";
import { gitHubApi, type GitHubApi } from "./githubApi";
import { ACTIONS_BOT } from "./prComment";

const Issue = z.object({
  number: z.number(),
  title: z.string(),
  user: z.object({ login: z.string(), type: z.string() }).nullable(),
  pull_request: z.unknown().optional(),
});
export type StackIssue = z.infer<typeof Issue>;

export type StackIssueAction = {
  stack: string;
  action: "opened" | "updated" | "closed" | "none";
  issue?: number;
};

/** The open issues with `label` that the bot itself opened (pull requests excluded). */
export async function botIssues(
  api: GitHubApi,
  repository: string,
  label: string,
  bot = ACTIONS_BOT,
): Promise<StackIssue[]> {
  return z
    .array(Issue)
    .parse(await api.list(`/repos/${repository}/issues?state=open&labels=${label}&per_page=100`))
    .filter((i) => !i.pull_request && i.user?.login === bot && i.user.type === "Bot");
}

/** Closes the stack's issue, if there is one, with a note saying why. */
export async function closeStackIssue(
  api: GitHubApi,
  repository: string,
  stack: string,
  existing: StackIssue | undefined,
  note: string,
): Promise<StackIssueAction> {
  if (!existing) return { stack, action: "none" };
  await api.post(`/repos/${repository}/issues/${existing.number}/comments`, { body: note });
  await api.patch(`/repos/${repository}/issues/${existing.number}`, {
    state: "closed",
    state_reason: "completed",
  });
  return { stack, action: "closed", issue: existing.number };
}

/** Updates the stack's issue with `body`, or opens it with `title` and `label`. */
export async function writeStackIssue(
  api: GitHubApi,
  repository: string,
  stack: string,
  existing: StackIssue | undefined,
  issue: { title: string; label: string; body: string },
): Promise<StackIssueAction> {
  if (existing) {
    await api.patch(`/repos/${repository}/issues/${existing.number}`, { body: issue.body });
    return { stack, action: "updated", issue: existing.number };
  }
  const created = Issue.parse(
    await api.post(`/repos/${repository}/issues`, {
      title: issue.title,
      body: issue.body,
      labels: [issue.label],
    }),
  );
  return { stack, action: "opened", issue: created.number };
}

/** A variable the report job must have; it runs inside GitHub Actions. */
export function requiredEnv(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (the report job runs inside GitHub Actions)`);
  return v;
}

/**
 * The report job's entry: `<dir> <stack>...` → each stack's result read from `dir`, the issues kept
 * by `report`, one line per stack printed; exit 1 when `failed` says so, 2 on a usage error.
 */
export async function runStackIssueJob<T>(
  argv: string[],
  job: {
    usage: string;
    read: (dir: string, stack: string) => T;
    report: (api: GitHubApi, repository: string, results: T[], runUrl: string) => Promise<StackIssueAction[]>;
    failed: (results: T[]) => boolean;
  },
): Promise<number> {
  const [dir, ...stacks] = argv;
  if (!dir || stacks.length === 0) {
    process.stderr.write(`usage: ${job.usage}\n`);
    return 2;
  }
  const results = stacks.map((s) => job.read(dir, s));
  const actions = await job.report(
    gitHubApi(process.env.GITHUB_API_URL ?? "https://api.github.com", requiredEnv("GITHUB_TOKEN")),
    requiredEnv("GITHUB_REPOSITORY"),
    results,
    requiredEnv("RUN_URL"),
  );
  for (const a of actions) process.stdout.write(`${a.stack}: ${a.action}${a.issue ? ` #${a.issue}` : ""}\n`);
  return job.failed(results) ? 1 : 0;
}
