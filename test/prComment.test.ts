import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { MAX_COMMENT_DATA_BYTES, type CommentData } from "../tools/ci/commentData";
import { MARKER } from "../tools/ci/commentBody";
import { gitHubApi } from "../tools/ci/githubApi";
import { postPlanComment, triggeringRun, type TriggeringRun } from "../tools/ci/prComment";
import { BOT, startFakeGitHub, type FakeGitHub } from "./fakeGitHub";
import { PROJECT_ROOT } from "../tools/engine/engine";

const REPO = "example-org/prism-platform";
const FORK = "mallory/prism-platform";
const SHA = "a".repeat(40);
const MALLORY = { login: "mallory", type: "User" as const };

/** The workflow_run event GitHub delivers when a fork's "PR plan" run completes. */
function event(conclusion: string, over: Record<string, unknown> = {}) {
  return {
    workflow_run: {
      id: 42,
      event: "pull_request",
      conclusion,
      html_url: `https://github.com/${REPO}/actions/runs/42`,
      head_sha: SHA,
      head_branch: "main",
      head_repository: { full_name: FORK, owner: { login: "mallory" } },
      pull_requests: [],
      ...over,
    },
  };
}

const violation = (policy: string, message: string) => ({
  policy,
  enforcementLevel: "mandatory",
  message,
  urn: "urn:x",
});

function goodData(over: Partial<CommentData["stacks"][number]> = {}): CommentData {
  return {
    schema: 1,
    stacks: [
      {
        stack: "staging",
        base: { status: "ok" },
        head: { status: "ok" },
        headMandatory: [],
        diff: {
          base: "staging",
          head: "staging",
          resources: [
            {
              kind: "update",
              urn: "urn:a",
              type: "kubernetes:core/v1:Namespace",
              name: "apps",
              changes: [{ path: "metadata.labels.a", before: "1", after: "2", replaces: false }],
            },
          ],
          newViolations: [],
          fixedViolations: [],
          dangers: [],
        },
        ...over,
      },
    ],
  };
}

function artifact(content: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-comment-"));
  fs.writeFileSync(
    path.join(dir, "comment.json"),
    typeof content === "string" ? content : JSON.stringify(content),
  );
  return dir;
}

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub(REPO);
  gh.pulls.push(
    {
      number: 1,
      state: "open",
      headSha: "b".repeat(40),
      headRepo: REPO,
      headBranch: "release",
      baseRepo: REPO,
    },
    { number: 7, state: "open", headSha: SHA, headRepo: FORK, headBranch: "main", baseRepo: REPO },
  );
});
afterEach(() => gh.close());

const post = (run: TriggeringRun, dir: string) =>
  postPlanComment({ api: gitHubApi(gh.url, gh.token), repository: REPO, run, artifactDir: dir });
/** The text a reader sees: GFM drops backslash escapes and decodes entities. */
const rendered = (md: string) =>
  md
    .replace(/\\([!-/:-@[-`{-~])/g, "$1")
    .replace(/&#64;/g, "@")
    .replace(/&amp;/g, "&");
const bodyOn = (pr: number) =>
  gh.comments.filter((c) => c.issue === pr && c.user.login === BOT.login).map((c) => c.body);

describe("the plan comment job", () => {
  it("comments on the pull request the run planned, found from its head SHA and repository", async () => {
    const outcome = await post(triggeringRun(event("success")), artifact(goodData()));
    expect(outcome).toEqual({ action: "created", pullRequest: 7, commentId: expect.any(Number) });
    const [body] = bodyOn(7);
    expect(body.startsWith(`${MARKER}\n## ✅ Offline plan: passing for \`aaaaaaaaaaaa\``)).toBe(true);
    expect(body).toContain("| ~ | `apps` | `kubernetes:core/v1:Namespace` |");
  });

  it("ignores a forged artifact's pull request number and reports the artifact as unusable", async () => {
    const forged = { ...goodData(), pullRequest: 1, prNumber: 1 };
    const outcome = await post(triggeringRun(event("success")), artifact(forged));
    expect(outcome).toMatchObject({ action: "created", pullRequest: 7 });
    expect(gh.comments.filter((c) => c.issue === 1)).toEqual([]);
    const [body] = bodyOn(7);
    expect(body).toContain("## ❌ Offline plan: failing");
    expect(rendered(body)).toContain("does not match the comment data schema");
  });

  it("renders a forged artifact's markup as text: no HTML, link, image, mention or second marker", async () => {
    const evil =
      "<img src=x onerror=alert(1)> @example-org/security [click](https://evil.example) ![x](https://evil.example/p.png) <!-- prism-offline-plan --> | ` www.evil.example";
    const data = goodData({
      head: { status: "failed", reason: `${evil}\n\`\`\`\n## fake heading` },
      headMandatory: [violation(evil, evil)],
    });
    data.stacks[0].diff!.resources[0].name = evil;
    data.stacks[0].diff!.newViolations = [violation("p", evil)];
    await post(triggeringRun(event("failure")), artifact(data));
    const [body] = bodyOn(7);
    expect(body.startsWith(`${MARKER}\n`)).toBe(true);
    // Outside fenced blocks and code spans, nothing of the attacker's text may be live markup:
    // every < [ ! @ : . is escaped, so no tag, comment, link, image, mention or autolink forms.
    const live = body
      .slice(MARKER.length)
      .replace(/^\s*(`{3,})text\n[\s\S]*?\n\s*\1$/gm, "")
      .replace(/`[^`\n]*`/g, "")
      .replaceAll(`[the plan run](https://github.com/${REPO}/actions/runs/42)`, "");
    expect(live).not.toMatch(/(^|[^\\])<|(^|[^\\])\]\(|(^|[^;\\])@example-org|https?:\/\/evil|www\.evil/);
    expect(rendered(live)).toContain("@example-org/security [click](https://evil.example)");
    expect(body).not.toMatch(/^## fake heading/m);
    // The reason stays readable, inside a fence its own backticks cannot close.
    expect(body).toMatch(/````text\n[^\n]*<img src=x onerror=alert\(1\)>/);
  });

  it("never edits a look-alike comment: only one its own bot wrote with the marker", async () => {
    gh.comments.push(
      { id: 1, issue: 7, body: `${MARKER}\n## ✅ 0 changes, all good`, user: MALLORY },
      { id: 2, issue: 7, body: "unrelated bot comment", user: BOT },
      { id: 3, issue: 7, body: "hello", user: MALLORY },
    );
    const first = await post(triggeringRun(event("success")), artifact(goodData()));
    expect(first.action).toBe("created");
    expect(gh.comments.find((c) => c.id === 1)!.body).toBe(`${MARKER}\n## ✅ 0 changes, all good`);
    expect(gh.comments.find((c) => c.id === 2)!.body).toBe("unrelated bot comment");
    // The next run updates the bot's comment (found on the second page), still not Mallory's.
    const second = await post(
      triggeringRun(event("failure")),
      artifact(goodData({ headMandatory: [violation("k8s-no-privileged", "privileged")] })),
    );
    expect(second).toEqual({
      action: "updated",
      pullRequest: 7,
      commentId: (first as { commentId: number }).commentId,
    });
    expect(bodyOn(7).filter((b) => b.startsWith(MARKER))).toHaveLength(1);
    expect(gh.requests.filter((r) => r.startsWith("PATCH"))).toEqual([
      `PATCH /repos/${REPO}/issues/comments/${second.action === "updated" ? second.commentId : 0}`,
    ]);
  });

  it("does not rely on the API's head filter: same SHA from another fork or into another repository is not this run", async () => {
    gh.ignoreHeadFilter = true;
    gh.pulls.push({
      number: 8,
      state: "open",
      headSha: SHA,
      headRepo: "eve/prism-platform",
      headBranch: "main",
      baseRepo: REPO,
    });
    expect(await post(triggeringRun(event("success")), artifact(goodData()))).toMatchObject({
      pullRequest: 7,
    });
    expect(gh.comments.filter((c) => c.issue === 8)).toEqual([]);
  });

  it("shows a head with mandatory violations as failing at the top, before the diff", async () => {
    const data = goodData({
      headMandatory: [violation("k8s-no-privileged", "Deployment prism/ui: container ui is privileged")],
    });
    await post(triggeringRun(event("failure")), artifact(data));
    const [body] = bodyOn(7);
    const lines = body.split("\n");
    expect(lines[1]).toBe("## ❌ Offline plan: failing for `aaaaaaaaaaaa`");
    const verdict = lines.findIndex((l) => l.includes("head has 1 mandatory policy violation(s)"));
    expect(verdict).toBeGreaterThan(1);
    expect(rendered(lines[verdict + 1])).toBe(
      "  - `k8s-no-privileged`: Deployment prism/ui: container ui is privileged",
    );
    expect(verdict).toBeLessThan(lines.findIndex((l) => l.startsWith("### staging")));
  });

  it("reports a failed base or head plan with its reason", async () => {
    const data = goodData({
      base: { status: "failed", reason: 'error: invalid config: prism:digitalocean.region "mars1"' },
      head: { status: "install", reason: "npm error ERESOLVE could not resolve" },
      diff: undefined,
    });
    await post(triggeringRun(event("failure")), artifact(data));
    const [body] = bodyOn(7);
    expect(body).toContain("- ❌ `staging` head: `npm ci` failed");
    expect(body).toContain("npm error ERESOLVE could not resolve");
    expect(body).toContain("- ⚠️ `staging` base: the plan failed, so there is no diff");
    expect(body).toContain('prism:digitalocean.region "mars1"');
  });

  it("still comments when the plan job uploaded nothing, and says the run failed", async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), "plan-comment-"));
    await post(triggeringRun(event("failure")), empty);
    const [body] = bodyOn(7);
    expect(body).toContain("## ❌ Offline plan: failing");
    expect(rendered(body)).toContain("the plan run uploaded no comment data");
    expect(body).toContain("concluded `failure`");
  });

  it("bounds the artifact: an oversized file or a symlink is refused unread", async () => {
    const big = artifact("x".repeat(MAX_COMMENT_DATA_BYTES + 1));
    await post(triggeringRun(event("success")), big);
    expect(rendered(bodyOn(7)[0])).toMatch(/comment\.json is \d+ bytes, over the \d+-byte limit/);
    const link = fs.mkdtempSync(path.join(os.tmpdir(), "plan-comment-"));
    fs.symlinkSync("/etc/hostname", path.join(link, "comment.json"));
    await post(triggeringRun(event("success")), link);
    expect(rendered(bodyOn(7)[0])).toContain("comment.json is not a regular file");
  });

  it("leaves a cancelled run, a stale run and a non-PR run alone without failing", async () => {
    const dir = artifact(goodData());
    expect(await post(triggeringRun(event("cancelled")), dir)).toEqual({
      action: "skipped",
      reason: "the plan run was cancelled",
    });
    gh.pulls[1].headSha = "c".repeat(40);
    expect(await post(triggeringRun(event("success")), dir)).toMatchObject({
      action: "skipped",
      reason: expect.stringContaining("supersedes"),
    });
    expect(await post(triggeringRun(event("success", { event: "push" })), dir)).toMatchObject({
      action: "skipped",
    });
    expect(gh.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
  });

  it("refuses an event that is not a workflow_run payload", () => {
    expect(() =>
      triggeringRun({ workflow_run: { ...event("success").workflow_run, head_sha: "not-a-sha" } }),
    ).toThrow();
  });

  it("runs as the workflow runs it: the script with the event file and the job's token", async () => {
    const dir = artifact(goodData());
    const eventFile = path.join(dir, "event.json");
    fs.writeFileSync(eventFile, JSON.stringify(event("success")));
    // The child talks to this process's server, so it is spawned asynchronously.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("npx", ["tsx", "tools/ci/prComment.ts", dir], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          GITHUB_EVENT_PATH: eventFile,
          GITHUB_REPOSITORY: REPO,
          GITHUB_API_URL: gh.url,
          GITHUB_TOKEN: gh.token,
        },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("close", (status) => resolve({ status, stdout, stderr }));
    });
    expect(result).toMatchObject({ status: 0, stderr: "" });
    expect(result.stdout).toMatch(/^created comment \d+ on pull request #7\n$/);
  });
});
