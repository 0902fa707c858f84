/**
 * `npm run plan:comment-data -- <plans dir> <out.json>`: gathers what the PR plan job recorded
 * (per side and stack: <side>-<stack>.status, .log and .json) into the comment data the comment
 * job renders: statuses with the reason a plan failed, the head's mandatory violations, the diff.
 */
import * as fs from "fs";
import * as path from "path";
import { diffPlans } from "../analysis/planDiff";
import { parsePlanJson, type PlanJson } from "../engine/plan";
import { CommentData, type SideStatus, type StackCommentData } from "./commentData";

const STACKS = ["staging", "production"];

/** The lines of a log that say why it failed, without npm's noise; bounded. */
export function failureReason(log: string, max = 3000): string {
  const lines = log
    // eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .filter(
      (l) =>
        l.trim() &&
        !/^npm (error|ERR!) (A complete log|Lifecycle|code|path|command|workspace|location)/.test(l),
    );
  const errorAt = lines.findIndex((l) => /^(error|npm error|npm ERR!)/i.test(l.trim()));
  const relevant = (errorAt >= 0 ? lines.slice(errorAt) : lines.slice(-20)).join("\n");
  return relevant.length > max ? `${relevant.slice(0, max - 1)}…` : relevant;
}

function read(file: string): string | undefined {
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}

function side(dir: string, name: string): { status: SideStatus; plan?: PlanJson } {
  const status = read(path.join(dir, `${name}.status`))?.trim();
  const log = read(path.join(dir, `${name}.log`)) ?? "";
  if (status === "ok") {
    const json = read(path.join(dir, `${name}.json`));
    if (json === undefined) return { status: { status: "failed", reason: "the plan wrote no JSON" } };
    return { status: { status: "ok" }, plan: parsePlanJson(json, `${name}.json`) };
  }
  if (status === "failed" || status === "install") {
    // A plan that stopped on mandatory violations still wrote its JSON: keep it for the diff.
    const json = read(path.join(dir, `${name}.json`));
    return {
      status: { status, reason: failureReason(log) || "no output" },
      plan: json === undefined ? undefined : parsePlanJson(json, `${name}.json`),
    };
  }
  return { status: { status: "missing", reason: "the plan did not run" } };
}

export function buildCommentData(dir: string, stacks = STACKS): CommentData {
  const data = {
    schema: 1 as const,
    stacks: stacks.map((stack): StackCommentData => {
      const base = side(dir, `base-${stack}`);
      const head = side(dir, `head-${stack}`);
      return {
        stack,
        base: base.status,
        head: head.status,
        headMandatory: (head.plan?.policy?.violations ?? [])
          .filter((v) => v.enforcementLevel === "mandatory")
          .map(({ policy, enforcementLevel, message, urn }) => ({ policy, enforcementLevel, message, urn })),
        diff: base.plan && head.plan ? diffPlans(base.plan, head.plan) : undefined,
      };
    }),
  };
  // The comment job validates the same schema; failing here names the field in the plan job's log.
  return CommentData.parse(data);
}

function main(argv: string[]): number {
  const [dir, out] = argv;
  if (!dir || !out || argv.length > 2) {
    process.stderr.write("usage: npm run plan:comment-data -- <plans dir> <out.json>\n");
    return 2;
  }
  fs.writeFileSync(out, `${JSON.stringify(buildCommentData(dir))}\n`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
