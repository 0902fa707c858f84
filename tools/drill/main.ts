/**
 * `npm run drill:restore -- --stack <stack> --facts <restoreDrill output, JSON> --run-id <id> --out <dir>`:
 * the restore-drill workflow's drill step. KUBECONFIG is the drill ServiceAccount's kubeconfig.
 * `--cleanup` only deletes what that run made (after a cancelled drill); `--velero-version` prints
 * the Velero version the platform deploys, for the CLI the workflow installs.
 * Writes `<out>/<stack>.json` (the report the issue job reads) and the job summary; exits 1 when
 * the drill failed.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { DrillFactsSchema } from "../../components/backup/restoreDrill";
import { CHARTS } from "../../components/helm/catalog";
import { cleanupDrill, drillSummary, runRestoreDrill, type Runner } from "./restoreDrill";

const run: Runner = (command, args, input) =>
  new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (err) => resolve({ code: 127, stdout, stderr: err.message }));
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      stack: { type: "string" },
      facts: { type: "string" },
      "run-id": { type: "string" },
      out: { type: "string" },
      namespace: { type: "string" },
      cleanup: { type: "boolean" },
      "velero-version": { type: "boolean" },
    },
  });
  if (values["velero-version"]) {
    process.stdout.write(`v${CHARTS.velero.appVersion}\n`);
    return 0;
  }
  const { stack, facts, out } = values;
  const runId = values["run-id"];
  if (!stack || !facts || !runId || (!out && !values.cleanup)) {
    process.stderr.write(
      "usage: npm run drill:restore -- --stack <stack> --facts <file> --run-id <id> --out <dir>\n",
    );
    return 2;
  }
  const drillFacts = DrillFactsSchema.parse(JSON.parse(fs.readFileSync(facts, "utf8")));
  if (values.cleanup) {
    const failures = await cleanupDrill(run, drillFacts, runId, "20m");
    for (const f of failures) process.stderr.write(`cleanup: ${f}\n`);
    return failures.length === 0 ? 0 : 1;
  }
  const report = await runRestoreDrill(run, drillFacts, {
    stack,
    runId,
    sourceNamespace: values.namespace || undefined,
  });
  const dir = out ?? ".";
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${stack}.json`), JSON.stringify(report, null, 2));
  const summary = drillSummary(report);
  if (process.env.GITHUB_STEP_SUMMARY) fs.appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary);
  process.stdout.write(summary);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
