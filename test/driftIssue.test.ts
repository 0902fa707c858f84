import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gitHubApi } from "../tools/ci/githubApi";
import { issueTitle, readDriftResult, reportDrift } from "../tools/ci/driftIssue";
import { BOT, startFakeGitHub, type FakeGitHub } from "./fakeGitHub";

const REPO = "example-org/prism-platform";
const RUN = "https://github.com/example-org/prism-platform/actions/runs/9";
// What `pulumi preview --diff --expect-no-changes` prints when a resource drifted.
const DRIFTED = `Previewing update (production)

  pulumi:pulumi:Stack: (same)
    [urn=urn:pulumi:production::prism::pulumi:pulumi:Stack::prism-production]
    ~ digitalocean:index/kubernetesCluster:KubernetesCluster: (update)
        [id=7f57fa71]
      ~ autoUpgrade: true => false
Resources:
    ~ 1 to update
    245 unchanged

error: no changes were expected but changes were proposed
`;

function results(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drift-"));
  for (const [n, c] of Object.entries(files)) fs.writeFileSync(path.join(dir, n), c);
  return dir;
}

let gh: FakeGitHub;
beforeEach(async () => (gh = await startFakeGitHub(REPO)));
afterEach(() => gh.close());
const api = () => gitHubApi(gh.url, gh.token);

describe("drift issues", () => {
  it("tells drift (exit 7 or the message) from a failed check and from a clean stack", () => {
    const dir = results({
      "a.exit": "255\n",
      "a.txt": DRIFTED,
      "b.exit": "7\n",
      "b.txt": "",
      "c.exit": "255\n",
      "c.txt": "error: failed to refresh: 403 Forbidden\n",
      "d.exit": "0\n",
    });
    expect(["a", "b", "c", "d", "e"].map((s) => readDriftResult(dir, s).kind)).toEqual([
      "drift",
      "drift",
      "error",
      "clean",
      "missing",
    ]);
  });

  it("opens one issue per drifted stack with the diff, updates it next time, closes it once clean", async () => {
    const drifted = results({ "production.exit": "255", "production.txt": DRIFTED, "staging.exit": "0" });
    const first = await reportDrift(
      api(),
      REPO,
      [readDriftResult(drifted, "production"), readDriftResult(drifted, "staging")],
      RUN,
    );
    expect(first.map((a) => [a.stack, a.action])).toEqual([
      ["production", "opened"],
      ["staging", "none"],
    ]);
    const [issue] = gh.issues;
    expect(issue).toMatchObject({ title: issueTitle("production"), labels: ["drift"], state: "open" });
    expect(issue.body).toContain("```diff\n");
    expect(issue.body).toContain("      ! autoUpgrade: true => false");
    expect(issue.body).toContain(RUN);

    const again = await reportDrift(api(), REPO, [readDriftResult(drifted, "production")], `${RUN}0`);
    expect(again).toEqual([{ stack: "production", action: "updated", issue: issue.number }]);
    expect(gh.issues).toHaveLength(1);
    expect(gh.issues[0].body).toContain(`${RUN}0`);

    const clean = results({ "production.exit": "0" });
    expect(await reportDrift(api(), REPO, [readDriftResult(clean, "production")], RUN)).toEqual([
      { stack: "production", action: "closed", issue: issue.number },
    ]);
    expect(gh.issues[0].state).toBe("closed");
    expect(gh.comments.map((c) => [c.issue, c.body.startsWith("No drift in stack `production`")])).toEqual([
      [issue.number, true],
    ]);
  });

  it("never takes over an issue someone else opened with the same title and label", async () => {
    gh.issues.push({
      number: 5,
      title: issueTitle("staging"),
      body: "mine",
      state: "open",
      labels: ["drift"],
      user: { login: "mallory", type: "User" },
    });
    const dir = results({ "staging.exit": "255", "staging.txt": DRIFTED });
    const [action] = await reportDrift(api(), REPO, [readDriftResult(dir, "staging")], RUN);
    expect(action.action).toBe("opened");
    expect(gh.issues.find((i) => i.number === 5)).toMatchObject({ body: "mine", state: "open" });
    expect(gh.issues.filter((i) => i.user.login === BOT.login)).toHaveLength(1);
  });

  it("leaves the issue alone when the check produced no result", async () => {
    const [action] = await reportDrift(api(), REPO, [readDriftResult(results({}), "staging")], RUN);
    expect(action).toEqual({ stack: "staging", action: "none", issue: undefined });
    expect(gh.requests.filter((r) => !r.startsWith("GET"))).toEqual([]);
  });
});
