import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildCommentData, failureReason } from "../tools/ci/planCommentData";
import { CommentData } from "../tools/ci/commentData";

const NS = "kubernetes:core/v1:Namespace";
function plan(stack: string, labels: Record<string, string>, violations: object[] = []) {
  return {
    project: "prism",
    stack,
    outputs: {},
    policy: { violations },
    resources: [
      {
        urn: `urn:pulumi:${stack}::prism::${NS}::apps`,
        type: NS,
        name: "apps",
        custom: true,
        inputs: { metadata: { labels } },
        secretPaths: [],
        dependencies: [],
        options: {},
      },
    ],
  };
}

function recorded(files: Record<string, string | object>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plans-"));
  for (const [name, content] of Object.entries(files))
    fs.writeFileSync(path.join(dir, name), typeof content === "string" ? content : JSON.stringify(content));
  return dir;
}

describe("the PR plan job's comment data", () => {
  it("carries the diff, the head's mandatory violations (kept although the plan exited 1) and the reasons", () => {
    const privileged = {
      policy: "k8s-no-privileged",
      enforcementLevel: "mandatory",
      message: "privileged",
      urn: "urn:x",
    };
    const advisory = {
      policy: "k8s-image-tag-pinned",
      enforcementLevel: "advisory",
      message: "latest",
      urn: "urn:y",
    };
    const dir = recorded({
      "base-staging.status": "ok\n",
      "base-staging.json": plan("staging", { a: "1" }),
      "head-staging.status": "failed\n",
      "head-staging.log":
        "Offline plan of stack prism/staging\n...\nerror: 1 mandatory policy violation(s): k8s-no-privileged\n",
      "head-staging.json": plan("staging", { a: "2" }, [privileged, advisory]),
      "base-production.status": "install\n",
      "base-production.log":
        "npm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree\nnpm error A complete log of this run can be found in: /x\n",
      "head-production.status": "ok\n",
      "head-production.json": plan("production", { a: "1" }),
    });
    const data = buildCommentData(dir);
    expect(CommentData.safeParse(JSON.parse(JSON.stringify(data))).success).toBe(true);
    const [staging, production] = data.stacks;
    expect(staging.head).toEqual({
      status: "failed",
      reason: "error: 1 mandatory policy violation(s): k8s-no-privileged",
    });
    expect(staging.headMandatory).toEqual([privileged]);
    expect(staging.diff?.resources.map((r) => [r.kind, r.name, r.changes.map((c) => c.path)])).toEqual([
      ["update", "apps", ["metadata.labels.a"]],
    ]);
    expect(production.base).toEqual({
      status: "install",
      reason: "npm error ERESOLVE unable to resolve dependency tree",
    });
    expect(production.diff).toBeUndefined();
  });

  it("says a side that never ran is missing", () => {
    const data = buildCommentData(recorded({}), ["staging"]);
    expect(data.stacks[0].head).toEqual({ status: "missing", reason: "the plan did not run" });
  });

  it("keeps only the lines that say why, without colour codes, bounded", () => {
    expect(failureReason("\u001b[31mnoise\u001b[0m\nerror: bad config\n  at key prism:x\n")).toBe(
      "error: bad config\n  at key prism:x",
    );
    expect(failureReason("x".repeat(5000)).length).toBe(3000);
  });
});
