/**
 * `npm run drill:issue -- <reports dir> <stack>...`: the report job of restore-drill.yml. For each
 * stack, `<stack>.json` is the drill's report (tools/drill/main.ts). A failed drill, or one that left
 * no report, opens (or updates) one issue per stack labelled `restore-drill`; a passing drill closes
 * it with a note.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import type { GitHubApi } from "../ci/githubApi";
import { ACTIONS_BOT } from "../ci/prComment";
import {
  botIssues,
  closeStackIssue,
  runStackIssueJob,
  writeStackIssue,
  type StackIssueAction,
} from "../ci/stackIssues";
import { drillSummary, type DrillReport } from "./restoreDrill";

export const DRILL_ISSUE_LABEL = "restore-drill";
export const drillIssueTitle = (stack: string) => `Restore drill failed in stack ${stack}`;

const Report = z.object({
  stack: z.string(),
  ok: z.boolean(),
  backup: z.string().optional(),
  restore: z.string().optional(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string() })),
  cleanupFailures: z.array(z.string()),
});

export type DrillOutcome = { stack: string; report?: DrillReport };

export function readDrillReport(dir: string, stack: string): DrillOutcome {
  const file = path.join(dir, `${stack}.json`);
  if (!fs.existsSync(file)) return { stack };
  return { stack, report: Report.parse(JSON.parse(fs.readFileSync(file, "utf8"))) };
}

export async function reportDrills(
  api: GitHubApi,
  repository: string,
  outcomes: DrillOutcome[],
  runUrl: string,
  bot = ACTIONS_BOT,
): Promise<StackIssueAction[]> {
  const open = await botIssues(api, repository, DRILL_ISSUE_LABEL, bot);
  const actions: StackIssueAction[] = [];
  for (const { stack, report } of outcomes) {
    const existing = open.find((i) => i.title === drillIssueTitle(stack));
    if (report?.ok) {
      actions.push(
        await closeStackIssue(
          api,
          repository,
          stack,
          existing,
          `The restore drill of stack \`${stack}\` passed in ${runUrl}; closing.`,
        ),
      );
      continue;
    }
    const body = [
      report
        ? drillSummary(report)
        : `## Restore drill: ${stack} FAILED\n\nThe drill job left no report: it stopped before the drill ran (see the run's log for the step that failed).\n`,
      `Run: ${runUrl}`,
      "",
      "A backup counts only once a restore from it works: until a drill passes, treat this stack's backups as unproven (docs/backup-restore.md).",
      "",
    ].join("\n");
    actions.push(
      await writeStackIssue(api, repository, stack, existing, {
        title: drillIssueTitle(stack),
        label: DRILL_ISSUE_LABEL,
        body,
      }),
    );
  }
  return actions;
}

function main(argv: string[]): Promise<number> {
  return runStackIssueJob(argv, {
    usage: "npm run drill:issue -- <reports dir> <stack>...",
    read: readDrillReport,
    report: reportDrills,
    failed: (outcomes) => !outcomes.every((o) => o.report?.ok),
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
