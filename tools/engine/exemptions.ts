/** The workload exemptions a pack config grants, listed with their reasons beside the plan's report. */
import type { PolicyPackConfig } from "@pulumi/policy";
import type { WorkloadExemption } from "../../policies/lib/define";

export interface ListedExemption extends WorkloadExemption {
  policy: string;
}

/** Every `exemptions` entry of the config, by policy. */
export function configuredExemptions(config: PolicyPackConfig): ListedExemption[] {
  return Object.entries(config).flatMap(([policy, c]) => {
    const list = typeof c === "object" && c !== null ? (c as { exemptions?: unknown }).exemptions : undefined;
    return Array.isArray(list) ? (list as WorkloadExemption[]).map((e) => ({ policy, ...e })) : [];
  });
}

export function renderExemptions(config: PolicyPackConfig): string {
  const list = configuredExemptions(config);
  if (list.length === 0) return "Policy exemptions: none";
  const lines = [`Policy exemptions (${list.length}, from the pack config):`];
  for (const e of list) {
    const scope = [
      e.containers ? `containers ${e.containers.join(", ")}` : "all containers",
      e.finding ? `findings "${e.finding}"` : "",
    ]
      .filter(Boolean)
      .join(", ");
    lines.push(`  ${e.policy}: ${e.workload} (${scope})\n      ${e.reason}`);
  }
  return lines.join("\n");
}
