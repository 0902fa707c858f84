/**
 * `npm run ci:drift-issue -- <results dir> <stack>...`: the report job of drift.yml. For each stack,
 * `<stack>.exit` and `<stack>.txt` are the exit status and output of `pulumi refresh --run-program
 * --preview-only` and `pulumi preview`, both `--expect-no-changes --diff`; this keeps one issue per stack, labelled
 * `drift`, written by the job's own bot: opened or updated with the diff when the stack drifted or
 * the check failed, closed with a note when the stack is clean again.
 */
import * as fs from "fs";
import * as path from "path";
import type { GitHubApi } from "./githubApi";
import { ACTIONS_BOT } from "./prComment";
import {
  botIssues,
  closeStackIssue,
  runStackIssueJob,
  writeStackIssue,
  type StackIssueAction,
} from "./stackIssues";

export const DRIFT_LABEL = "drift";
const MAX_OUTPUT = 60000;

/** Newer CLIs exit 7 when --expect-no-changes finds changes; all print this message. */
const DRIFT_EXIT = 7;
const DRIFT_MESSAGE = /no changes were expected but changes (were proposed|occurred)/;

// eslint-disable-next-line no-control-regex -- terminal escape sequences start with ESC
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export type DriftResult =
  | { stack: string; kind: "clean" }
  | { stack: string; kind: "drift" | "error"; output: string }
  | { stack: string; kind: "missing" };

export function readDriftResult(dir: string, stack: string): DriftResult {
  const exitFile = path.join(dir, `${stack}.exit`);
  if (!fs.existsSync(exitFile)) return { stack, kind: "missing" };
  const exit = Number(fs.readFileSync(exitFile, "utf8").trim());
  if (exit === 0) return { stack, kind: "clean" };
  const outFile = path.join(dir, `${stack}.txt`);
  const output = (fs.existsSync(outFile) ? fs.readFileSync(outFile, "utf8") : "").replace(ANSI, "");
  return { stack, kind: exit === DRIFT_EXIT || DRIFT_MESSAGE.test(output) ? "drift" : "error", output };
}

export const issueTitle = (stack: string) => `Drift detected in stack ${stack}`;

function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return "`".repeat(longest + 1);
}

/** The preview's diff as a `diff` block: Pulumi marks lines with +, - and ~ (shown as !). */
export function issueBody(
  result: { stack: string; kind: "drift" | "error"; output: string },
  runUrl: string,
): string {
  const clipped =
    result.output.length > MAX_OUTPUT
      ? `${result.output.slice(0, MAX_OUTPUT)}\n… (output clipped; see the run)`
      : result.output;
  const lines = clipped.split("\n").map((l) => l.replace(/^(\s*)~/, "$1!"));
  const f = fence(clipped);
  const what =
    result.kind === "drift"
      ? `\`pulumi refresh --run-program --preview-only\` and \`pulumi preview\` (both \`--expect-no-changes\`) found changes between the stack's state and its resources: something was changed outside Pulumi, or the last \`pulumi up\` did not finish. Review the diff, then either run \`pulumi up\` to put the resources back, or \`pulumi refresh --run-program\` to accept them.`
      : `The drift check could not complete, so whether the stack drifted is unknown. The output says why.`;
  return [
    `Stack \`${result.stack}\` — ${what}`,
    "",
    `Latest check: ${runUrl}`,
    "",
    `${f}diff`,
    ...lines,
    f,
    "",
  ].join("\n");
}

export async function reportDrift(
  api: GitHubApi,
  repository: string,
  results: DriftResult[],
  runUrl: string,
  bot = ACTIONS_BOT,
): Promise<StackIssueAction[]> {
  const open = await botIssues(api, repository, DRIFT_LABEL, bot);
  const actions: StackIssueAction[] = [];
  for (const r of results) {
    const existing = open.find((i) => i.title === issueTitle(r.stack));
    if (r.kind === "missing") {
      // The detect job did not get as far as the preview (a credential failure shows in its log).
      actions.push({ stack: r.stack, action: "none", issue: existing?.number });
    } else if (r.kind === "clean") {
      actions.push(
        await closeStackIssue(
          api,
          repository,
          r.stack,
          existing,
          `No drift in stack \`${r.stack}\` as of ${runUrl}; closing.`,
        ),
      );
    } else {
      actions.push(
        await writeStackIssue(api, repository, r.stack, existing, {
          title: issueTitle(r.stack),
          label: DRIFT_LABEL,
          body: issueBody(r, runUrl),
        }),
      );
    }
  }
  return actions;
}

function main(argv: string[]): Promise<number> {
  return runStackIssueJob(argv, {
    usage: "npm run ci:drift-issue -- <results dir> <stack>...",
    read: readDriftResult,
    report: reportDrift,
    // A check that could not run is a failure of this workflow, so someone looks at it.
    failed: (results) => results.some((r) => r.kind === "missing" || r.kind === "error"),
  });
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
