/**
 * The Markdown of the plan comment, written by the trusted comment job. The verdict at the top is
 * decided here — from the plan run's conclusion, which GitHub reports, and the statuses in the
 * data — and every string from the data enters the Markdown escaped (tools/analysis/markdown.ts).
 */
import { renderDiffMarkdown } from "../analysis/planDiff";
import { mdCode, mdText } from "../analysis/markdown";
import type { ReadResult, SideStatus, StackCommentData } from "./commentData";

/** The first line of every comment this job writes; it is only trusted on the bot's own comments. */
export const MARKER = "<!-- prism-offline-plan -->";
/** GitHub's limit is 65,536 characters. */
export const MAX_BODY = 60000;
const MAX_LISTED_VIOLATIONS = 20;

export interface CommentRun {
  headSha: string;
  conclusion: string;
  url: string;
}

function fenced(raw: string, max = 1500): string {
  const text = raw.length > max ? `${raw.slice(0, max - 1)}…` : raw;
  // Rendered as text: a fence longer than any backtick run inside cannot be closed by it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${text.replace(/\r\n?/g, "\n")}\n${fence}`;
}

function sideProblem(label: string, s: SideStatus): string | undefined {
  if (s.status === "ok") return undefined;
  const what = {
    failed: "the plan failed",
    install: "`npm ci` failed",
    missing: "the plan did not run",
  }[s.status];
  return `${label}: ${what}`;
}

function stackVerdict(s: StackCommentData): { failing: boolean; lines: string[] } {
  const lines: string[] = [];
  const name = mdCode(s.stack);
  const head = sideProblem("head", s.head);
  const base = sideProblem("base", s.base);
  const mandatory = s.headMandatory.length;
  if (head) lines.push(`- ❌ ${name} ${head}${s.head.reason ? `:\n\n${indent(fenced(s.head.reason))}` : ""}`);
  if (mandatory) {
    lines.push(`- ❌ ${name} head has ${mandatory} mandatory policy violation(s):`);
    for (const v of s.headMandatory.slice(0, MAX_LISTED_VIOLATIONS))
      lines.push(`  - ${mdCode(v.policy)}: ${mdText(v.message, 300)}`);
    if (mandatory > MAX_LISTED_VIOLATIONS) lines.push(`  - … ${mandatory - MAX_LISTED_VIOLATIONS} more`);
  }
  if (base)
    lines.push(
      `- ⚠️ ${name} ${base}, so there is no diff${s.base.reason ? `:\n\n${indent(fenced(s.base.reason))}` : ""}`,
    );
  if (!head && !mandatory) lines.push(`- ✅ ${name} head plans and passes the policy pack`);
  return { failing: Boolean(head) || mandatory > 0, lines };
}

function indent(block: string): string {
  return block
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}

export function renderCommentBody(run: CommentRun, data: ReadResult): string {
  const short = mdCode(run.headSha.slice(0, 12));
  const runLink = `[the plan run](${encodeURI(run.url)})`;
  const lines: string[] = [];
  let failing = run.conclusion !== "success";
  const verdicts: string[] = [];
  if (!data.ok) {
    failing = true;
    verdicts.push(`- ❌ no plan to show: ${mdText(data.problem, 300)}`);
  } else {
    for (const s of data.data.stacks) {
      const v = stackVerdict(s);
      failing ||= v.failing;
      verdicts.push(...v.lines);
    }
  }
  if (run.conclusion !== "success")
    verdicts.unshift(
      `- ❌ ${runLink} concluded ${mdCode(run.conclusion)} (tests, workflow lint or a plan failed)`,
    );
  lines.push(
    MARKER,
    failing ? `## ❌ Offline plan: failing for ${short}` : `## ✅ Offline plan: passing for ${short}`,
    "",
    ...verdicts,
    "",
    `Details, plans and component graphs: ${runLink} (artifact \`offline-plans\`).`,
  );
  const head = lines.join("\n") + "\n";
  if (!data.ok) return head;
  let body = head;
  for (const s of data.data.stacks) {
    if (!s.diff) continue;
    const d = renderDiffMarkdown(s.diff, s.stack);
    if (body.length + d.length + 2 > MAX_BODY) {
      body += `\n*(the rest of the diff is over GitHub's comment size: see ${runLink})*\n`;
      break;
    }
    body += `\n${d}`;
  }
  return body.length > MAX_BODY
    ? `${body.slice(0, MAX_BODY - 100)}\n\n*(truncated: see ${runLink})*\n`
    : body;
}
