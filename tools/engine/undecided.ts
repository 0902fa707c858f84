/**
 * The policies a preview could not run, and on what: each read a value still unknown (on a first
 * preview, whatever a provider computes). CrossGuard reports them advisory, so none of them can
 * block a pull request; the plan lists them so that what must block is seen to be decidable.
 */
import type { Violation } from "../../policies/lib/evaluate";

export interface Undecided {
  policy: string;
  /** The resource (absent for a stack policy, which stops at the first unknown it reads). */
  urn?: string;
  /** The property path the policy read, from the props it sees (inputs; outputs for a stack policy). */
  path: string;
}

export function undecidedOf(violations: Violation[]): Undecided[] {
  return violations.flatMap((v) =>
    v.undecided === undefined ? [] : [{ policy: v.policy, urn: v.urn, path: v.undecided }],
  );
}

/** The findings that were decided: everything but the undecided reports. */
export function decided(violations: Violation[]): Violation[] {
  return violations.filter((v) => v.undecided === undefined);
}

/** The list as the plan prints it, grouped by policy. */
export function renderUndecided(undecided: Undecided[]): string {
  if (undecided.length === 0) return "Undecidable on a first preview: none (every policy decided)";
  const byPolicy = new Map<string, Undecided[]>();
  for (const u of undecided) byPolicy.set(u.policy, [...(byPolicy.get(u.policy) ?? []), u]);
  const lines = [
    `Undecidable on a first preview: ${undecided.length} check(s) of ${byPolicy.size} policy(ies) read a value not yet known (advisory under CrossGuard: they cannot block)`,
  ];
  for (const [policy, list] of [...byPolicy.entries()].sort()) {
    lines.push(`  ${policy}`);
    for (const u of list) lines.push(`      ${u.urn ?? "(stack)"}\n        ${u.path} is unknown`);
  }
  return lines.join("\n");
}
