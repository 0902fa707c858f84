/**
 * Two stacks of the project must not share a base domain or a Cloudflare tunnel name: their DNS
 * records and tunnels would overwrite each other. The other stacks' settings are read from their
 * stack files beside Pulumi.yaml, the files `pulumi up` would use for them.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export interface StackIdentity {
  stack: string;
  baseDomain?: string;
  tunnelName?: string;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** What each other stack file says; a file that cannot be read is that stack's own problem. */
export function siblingStacks(root: string, project: string, own: string): StackIdentity[] {
  const out: StackIdentity[] = [];
  const files = fs.existsSync(root) ? fs.readdirSync(root) : [];
  for (const file of files.sort()) {
    const match = /^Pulumi\.(.+)\.ya?ml$/.exec(file);
    if (!match || match[1] === own) continue;
    let config: Record<string, unknown> | undefined;
    try {
      config = record(record(parseYaml(fs.readFileSync(path.join(root, file), "utf8")))?.config);
    } catch {
      continue;
    }
    if (!config) continue;
    const pick = (key: string) => config[`${project}:${key}`] ?? config[key];
    const tunnel = record(pick("cloudflare"))?.tunnelName;
    const domain = pick("baseDomain");
    out.push({
      stack: match[1],
      baseDomain: typeof domain === "string" ? domain : undefined,
      tunnelName: typeof tunnel === "string" ? tunnel : undefined,
    });
  }
  return out;
}

/** Problems (one line each, key first) when this stack shares a base domain or tunnel name. */
export function sharedIdentityProblems(
  project: string,
  own: StackIdentity,
  others: StackIdentity[],
): string[] {
  const problems: string[] = [];
  for (const other of others) {
    if (own.baseDomain && own.baseDomain === other.baseDomain) {
      problems.push(
        `${project}:baseDomain: ${JSON.stringify(own.baseDomain)} is also stack "${other.stack}"'s base domain; ` +
          "each stack needs its own (e.g. staging.<domain> for staging)",
      );
    }
    if (own.tunnelName && own.tunnelName === other.tunnelName) {
      problems.push(
        `${project}:cloudflare.tunnelName: ${JSON.stringify(own.tunnelName)} is also stack "${other.stack}"'s tunnel; ` +
          "each stack needs its own tunnel name (e.g. prism-<stack>)",
      );
    }
  }
  return problems;
}
