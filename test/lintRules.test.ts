/**
 * The dependency rules of eslint.config.mjs are live: an upward import or an import cycle fails
 * lint, and so does a test constructing a component the composition constructs. Each probe is linted as if it were a file of the repository (ESLint's --stdin-filename),
 * without writing one. ESLint runs in a child process: it loads its ESM config by dynamic import,
 * which Jest's module system does not offer.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");
const ESLINT = path.join(ROOT, "node_modules", "eslint", "bin", "eslint.js");

async function ruleIdsFor(file: string, code: string): Promise<(string | null)[]> {
  const run = spawnSync(process.execPath, [ESLINT, "--format", "json", "--stdin", "--stdin-filename", file], {
    cwd: ROOT,
    input: code,
    encoding: "utf8",
  });
  if (!run.stdout) throw new Error(`eslint printed nothing (status ${run.status}): ${run.stderr}`);
  const [result] = JSON.parse(run.stdout) as { messages: { ruleId: string | null }[] }[];
  return result.messages.map((m) => m.ruleId);
}

describe("the dependency rules", () => {
  it("fail a component that imports from stacks/", async () => {
    const code =
      'import type { PlatformConfig } from "../../stacks/config";\nexport type C = PlatformConfig;\n';
    expect(await ruleIdsFor("components/cluster/probe.ts", code)).toContain("import-x/no-restricted-paths");
  });

  it("fail the services' values importing from stacks/", async () => {
    const code = 'import type { PlatformConfig } from "../stacks/config";\nexport type C = PlatformConfig;\n';
    expect(await ruleIdsFor("services/values.ts", code)).toContain("import-x/no-restricted-paths");
  });

  it("pass the services' values as they are (components and the catalog, nothing from stacks/)", async () => {
    const file = "services/values.ts";
    expect(await ruleIdsFor(file, fs.readFileSync(path.join(ROOT, file), "utf8"))).toEqual([]);
  });

  it("fail the policy pack importing a component", async () => {
    const code =
      'import { tcp } from "../../components/kubernetes/networkPolicy";\nexport const p = tcp(443);\n';
    expect(await ruleIdsFor("policies/rules/probe.ts", code)).toContain("import-x/no-restricted-paths");
  });

  it("fail an import cycle", async () => {
    // The release helper importing Traefik's component, which imports the release helper.
    const file = "components/helm/helmRelease.ts";
    const code = `${fs.readFileSync(path.join(ROOT, file), "utf8")}\nexport { TraefikIngress } from "../edge/traefikIngress";\n`;
    expect(await ruleIdsFor(file, code)).toContain("import-x/no-cycle");
  });

  it("pass a component importing the network module and the shared facts", async () => {
    const code = [
      'import { tcp } from "../kubernetes/networkPolicy";',
      'import { AGENTS_PORT } from "../../policies/facts/platform";',
      "export const p = tcp(AGENTS_PORT);",
      "",
    ].join("\n");
    expect(await ruleIdsFor("components/cluster/probe.ts", code)).toEqual([]);
  });
});

describe("the composition rule for tests", () => {
  const PLATFORM = fs.readFileSync(path.join(ROOT, "stacks", "platform.ts"), "utf8");

  it("fails a test once for each component of stacks/platform.ts it constructs by hand", async () => {
    const composed = [
      "DoksCluster",
      "VeleroBackups",
      "DataServices",
      "ArgoCd",
      "OpenBaoPki",
      "TraefikIngress",
    ];
    for (const name of composed) expect(PLATFORM).toMatch(new RegExp(`\\bnew ${name}\\(`));
    const code = [
      'import { DoksCluster } from "../components/cluster/doksCluster";',
      'import { VeleroBackups } from "../components/backup/veleroBackups";',
      'import { DataServices } from "../components/data/dataServices";',
      'import { ArgoCd } from "../components/delivery/argocd";',
      'import { OpenBaoPki } from "../components/pki/openbaoPki";',
      'import { TraefikIngress } from "../components/edge/traefikIngress";',
      ...composed.map((name) => `export const make${name} = (args: never) => new ${name}("x", args);`),
      "",
    ].join("\n");
    const ids = await ruleIdsFor("test/probe.test.ts", code);
    expect(ids.filter((id) => id === "no-restricted-syntax")).toHaveLength(composed.length);
  });

  it("passes a test that runs the layer function, and one that constructs what the composition does not", async () => {
    const code = [
      'import { buildBackups } from "../stacks/platform";',
      'import { planWithFoundation } from "./harness";',
      'export const plan = planWithFoundation("staging", (ctx) => void buildBackups({ ...ctx, previous: {} }, ctx));',
      "export const ranges = new Set([1]);",
      "",
    ].join("\n");
    expect(await ruleIdsFor("test/probe.test.ts", code)).toEqual([]);
  });

  it("passes a policy test that feeds its rule one component", async () => {
    const code = [
      'import { CostBudget } from "../../components/cost/costBudget";',
      'export const make = (args: never) => new CostBudget("x", args);',
      "",
    ].join("\n");
    expect(await ruleIdsFor("test/policies/probe.test.ts", code)).toEqual([]);
  });
});
