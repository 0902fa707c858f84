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

/** One line per DOKS cluster with the settings a reviewer checks first. */
export function clusterHighlights(plan: Plan): string[] {
  return plan.resources
    .filter((r) => r.type === "digitalocean:index/kubernetesCluster:KubernetesCluster")
    .map((r) => {
      const i = r.inputs as {
        name?: string;
        region?: string;
        version?: string;
        ha?: boolean;
        surgeUpgrade?: boolean;
        controlPlaneFirewall?: { enabled?: boolean; allowedAddresses?: string[] };
        maintenancePolicy?: { day?: string; startTime?: string };
      };
      const fw = i.controlPlaneFirewall?.enabled
        ? `control-plane firewall (${i.controlPlaneFirewall.allowedAddresses?.length ?? 0} CIDRs)`
        : "no control-plane firewall";
      return [
        `DOKS ${i.name} in ${i.region} on ${i.version}: ${i.ha ? "HA control plane" : "single control plane"}`,
        fw,
        i.surgeUpgrade ? "surge upgrades" : "no surge upgrades",
        `maintenance ${i.maintenancePolicy?.day} ${i.maintenancePolicy?.startTime} UTC`,
        r.options.protect ? "protected" : "not protected",
      ].join(", ");
    });
}
