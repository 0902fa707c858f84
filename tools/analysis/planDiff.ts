/**
 * The difference between two JSON plans, and the Markdown of one pull-request comment for it:
 * a summary line, a table of resources with their property-level changes (secrets stay masked),
 * policy changes (new and fixed violations) and the cost change.
 */
import { SECRET_MASK, STACK_TYPE, type JsonResource, type PlanJson } from "../engine/plan";
import { dangerLabel, findDangers, type Danger } from "./dangers";
import { mdCode, mdText } from "./markdown";
import { forcesReplacement, REPLACEMENT_TRIGGER_PATH } from "./replacement";
import { costDiff, renderCostChanges, type CostChange } from "./costDiff";

export interface PropertyChange {
  path: string;
  before: unknown;
  after: unknown;
  replaces: boolean;
}

export interface ResourceChange {
  kind: "add" | "delete" | "update" | "replace";
  urn: string;
  type: string;
  name: string;
  changes: PropertyChange[];
}

type ViolationKey = { policy: string; enforcementLevel: string; message: string; urn?: string };

export interface PlanDiff {
  base: string;
  head: string;
  resources: ResourceChange[];
  newViolations: ViolationKey[];
  fixedViolations: ViolationKey[];
  cost?: CostChange;
  /** Everything in the change that can lose data or identity (tools/analysis/dangers.ts). */
  dangers: Danger[];
}

/** Flattens a value into path → leaf, so two resources compare property by property. */
function flatten(value: unknown, prefix: string, out: Map<string, unknown>): Map<string, unknown> {
  if (Array.isArray(value)) {
    if (value.length === 0) out.set(prefix, []);
    value.forEach((v, i) => flatten(v, `${prefix}[${i}]`, out));
  } else if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

function propertyChanges(before: JsonResource, after: JsonResource): PropertyChange[] {
  const options = (r: JsonResource) => ({
    "(protect)": r.options.protect ?? false,
    "(retainOnDelete)": r.options.retainOnDelete ?? false,
    [REPLACEMENT_TRIGGER_PATH]: r.options.replacementTrigger,
  });
  const a = flatten({ ...before.inputs, ...options(before) }, "", new Map());
  const b = flatten({ ...after.inputs, ...options(after) }, "", new Map());
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: PropertyChange[] = [];
  for (const path of paths) {
    const x = a.get(path);
    const y = b.get(path);
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    changes.push({
      path,
      before: x,
      after: y,
      replaces: forcesReplacement(after.type, path, after.options.replaceOnChanges, x, y),
    });
  }
  return changes;
}

function violationId(v: ViolationKey): string {
  return `${v.policy}\0${stackless(v.urn ?? "")}\0${v.message}`;
}

function totalCost(plan: PlanJson): number | undefined {
  const cost = plan.cost as { monthlyUsd?: number } | undefined;
  return cost?.monthlyUsd;
}

/** A URN without its stack, so the same resource of two stacks (staging vs production) pairs up. */
function stackless(urn: string): string {
  return urn.replace(/^urn:pulumi:[^:]*::/, "urn:pulumi:*::");
}

export function diffPlans(base: PlanJson, head: PlanJson): PlanDiff {
  // The root stack resource carries no settings; its name differs between stacks.
  const keyed = (plan: PlanJson) =>
    new Map(plan.resources.filter((r) => r.type !== STACK_TYPE).map((r) => [stackless(r.urn), r]));
  const before = keyed(base);
  const after = keyed(head);
  // A resource whose `aliases` name a URN of the base plan is that resource, renamed.
  const renamedFrom = new Map<string, string>();
  for (const [urn, r] of after) {
    const alias = (r.options.aliases ?? []).map(stackless).find((a) => before.has(a) && !after.has(a));
    if (alias && !before.has(urn)) renamedFrom.set(urn, alias);
  }
  const resources: ResourceChange[] = [];
  for (const [urn, r] of after) {
    const old = before.get(renamedFrom.get(urn) ?? urn);
    if (!old) {
      resources.push({ kind: "add", urn: r.urn, type: r.type, name: r.name, changes: [] });
      continue;
    }
    const changes = propertyChanges(old, r);
    if (changes.length) {
      const kind = changes.some((c) => c.replaces) ? "replace" : "update";
      resources.push({ kind, urn: r.urn, type: r.type, name: r.name, changes });
    }
  }
  const renamed = new Set(renamedFrom.values());
  for (const [urn, r] of before) {
    if (!after.has(urn) && !renamed.has(urn))
      resources.push({ kind: "delete", urn: r.urn, type: r.type, name: r.name, changes: [] });
  }
  const { dangers, recreated } = findDangers([...before.values()], [...after.values()], resources);
  // What a replaced cluster or provider takes with it is replaced too, though none of its own
  // properties change.
  const listed = new Set(resources.map((r) => r.urn));
  for (const [urn, cause] of recreated) {
    const r = after.get(stackless(urn));
    const root = after.get(stackless(cause));
    if (!r || !root || listed.has(urn)) continue;
    resources.push({
      kind: "replace",
      urn,
      type: r.type,
      name: r.name,
      changes: [{ path: "(recreated with)", before: undefined, after: root.name, replaces: true }],
    });
  }
  const baseViolations = new Map((base.policy?.violations ?? []).map((v) => [violationId(v), v]));
  const headViolations = new Map((head.policy?.violations ?? []).map((v) => [violationId(v), v]));
  const costBefore = totalCost(base);
  const costAfter = totalCost(head);
  return {
    base: base.stack,
    head: head.stack,
    resources,
    newViolations: [...headViolations].filter(([id]) => !baseViolations.has(id)).map(([, v]) => v),
    fixedViolations: [...baseViolations].filter(([id]) => !headViolations.has(id)).map(([, v]) => v),
    cost: costBefore !== undefined && costAfter !== undefined ? costDiff(base, head) : undefined,
    dangers,
  };
}

const SYMBOL: Record<ResourceChange["kind"], string> = { add: "+", delete: "-", update: "~", replace: "+-" };

function show(value: unknown): string {
  if (value === undefined) return "∅";
  if (value === SECRET_MASK) return "[secret]";
  const text = JSON.stringify(value) ?? String(value);
  return mdCode(text.length > 60 ? `${text.slice(0, 57)}...` : text);
}

export function usd(n: number): string {
  return `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function renderDiffMarkdown(diff: PlanDiff, title = "Offline plan"): string {
  const count = (k: ResourceChange["kind"]) => diff.resources.filter((r) => r.kind === k).length;
  const replacements = count("replace");
  const mandatoryNew = diff.newViolations.filter((v) => v.enforcementLevel === "mandatory").length;
  const stacks = diff.base === diff.head ? mdCode(diff.head) : `${mdCode(diff.base)} → ${mdCode(diff.head)}`;
  const summary = [
    `**${count("add")} to add, ${count("update") + replacements} to change${replacements ? ` (${replacements} replacement${replacements > 1 ? "s" : ""} ⚠️)` : ""}, ${count("delete")} to delete**`,
    `policy: ${diff.newViolations.length} new violation(s)${mandatoryNew ? ` (${mandatoryNew} mandatory ❌)` : ""}, ${diff.fixedViolations.length} fixed`,
  ];
  if (diff.dangers.length) {
    const kinds = [...new Set(diff.dangers.map((d) => dangerLabel(d.kind)))];
    summary.push(
      `⛔ ${diff.dangers.length} danger${diff.dangers.length === 1 ? "" : "s"} (${kinds.join(", ")})`,
    );
  }
  if (diff.cost) {
    const delta = diff.cost.after - diff.cost.before;
    summary.push(
      `cost: ${usd(diff.cost.before)} → ${usd(diff.cost.after)} /month (${delta >= 0 ? "+" : "−"}${usd(Math.abs(delta))})`,
    );
  }
  const lines = [`### ${mdText(title, 100)}: ${stacks}`, "", summary.join(" · "), ""];
  if (diff.resources.length === 0) {
    lines.push("No resource changes.");
  } else {
    lines.push("| | resource | type | changes |", "|---|---|---|---|");
    const dangerous = new Set(diff.dangers.map((d) => d.urn));
    const order = { replace: 0, delete: 1, update: 2, add: 3 };
    for (const r of [...diff.resources].sort(
      (a, b) => order[a.kind] - order[b.kind] || a.urn.localeCompare(b.urn),
    )) {
      const changes = r.changes
        .slice(0, 8)
        .map((c) => `${c.replaces ? "⚠️ " : ""}${mdCode(c.path)}: ${show(c.before)} → ${show(c.after)}`)
        .join("<br>");
      const more = r.changes.length > 8 ? `<br>… ${r.changes.length - 8} more` : "";
      const mark = dangerous.has(r.urn) ? " ⛔" : "";
      lines.push(`| ${SYMBOL[r.kind]}${mark} | ${mdCode(r.name)} | ${mdCode(r.type)} | ${changes}${more} |`);
    }
  }
  if (diff.dangers.length) {
    lines.push("", "#### ⛔ Dangers");
    for (const d of diff.dangers) {
      lines.push(`- **${dangerLabel(d.kind)}** ${mdCode(d.name)} (${mdCode(d.type)}): ${mdText(d.message)}`);
    }
  }
  if (diff.newViolations.length || diff.fixedViolations.length) {
    lines.push("", "#### Policy");
    for (const v of diff.newViolations)
      lines.push(`- ❌ new [${mdText(v.enforcementLevel, 20)}] ${mdCode(v.policy)}: ${mdText(v.message)}`);
    for (const v of diff.fixedViolations) lines.push(`- ✅ fixed ${mdCode(v.policy)}: ${mdText(v.message)}`);
  }
  lines.push(...renderCostChanges(diff.cost));
  return lines.join("\n") + "\n";
}
