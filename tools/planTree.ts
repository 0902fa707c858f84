/** Renders a plan as `pulumi preview` does: a tree of type and name, nested under parents. */
import type { Plan, PlannedResource } from "./engine/plan";

function flags(r: PlannedResource): string {
  const out: string[] = [];
  if (r.options.protect) out.push("protected");
  if (r.options.retainOnDelete) out.push("retain-on-delete");
  return out.length ? ` [${out.join(", ")}]` : "";
}

export function renderTree(plan: Plan): string {
  const children = new Map<string | undefined, PlannedResource[]>();
  for (const r of plan.resources) {
    const list = children.get(r.parent) ?? [];
    list.push(r);
    children.set(r.parent, list);
  }
  const rows: [string, string][] = [];
  const walk = (r: PlannedResource, prefix: string, branch: string) => {
    rows.push([`${prefix}${branch}${r.type}`, `${r.name}${flags(r)}`]);
    const kids = children.get(r.urn) ?? [];
    const nextPrefix = prefix + (branch === "" ? "" : branch === "└─ " ? "   " : "│  ");
    kids.forEach((k, i) => walk(k, nextPrefix, i === kids.length - 1 ? "└─ " : "├─ "));
  };
  for (const root of children.get(undefined) ?? []) walk(root, "", "");
  const width = Math.max(4, ...rows.map(([t]) => t.length)) + 2;
  const lines = [`     ${"Type".padEnd(width)}Name`];
  for (const [type, name] of rows) lines.push(` +   ${type.padEnd(width)}${name}`);
  return lines.join("\n");
}

export function countByType(plan: Plan): [string, number][] {
  const counts = new Map<string, number>();
  for (const r of plan.resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
