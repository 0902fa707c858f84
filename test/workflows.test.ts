import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { CHARTS, IMAGES } from "../components/helm/catalog";
import { PROJECT_ROOT } from "../tools/engine/engine";

/**
 * The inputs each action accepts, from its action.yml at the major version used. A workflow that
 * passes anything else is wrong (GitHub only warns), so the test fails instead.
 */
const ACTION_INPUTS: Record<string, string[]> = {
  "actions/checkout@v4": [
    "repository",
    "ref",
    "token",
    "path",
    "fetch-depth",
    "persist-credentials",
    "clean",
    "sparse-checkout",
  ],
  "actions/setup-node@v4": [
    "node-version",
    "node-version-file",
    "cache",
    "cache-dependency-path",
    "registry-url",
  ],
  "actions/upload-artifact@v4": [
    "name",
    "path",
    "retention-days",
    "if-no-files-found",
    "compression-level",
    "overwrite",
  ],
  "actions/download-artifact@v4": [
    "name",
    "path",
    "pattern",
    "merge-multiple",
    "github-token",
    "repository",
    "run-id",
  ],
  "actions/github-script@v7": [
    "script",
    "github-token",
    "debug",
    "user-agent",
    "previews",
    "result-encoding",
    "retries",
  ],
  "pulumi/actions@v6": [
    "command",
    "stack-name",
    "work-dir",
    "cloud-url",
    "comment-on-pr",
    "comment-on-summary",
    "edit-pr-comment",
    "github-token",
    "policyPacks",
    "policyPackConfigs",
    "diff",
    "refresh",
    "upsert",
    "expect-no-changes",
    "message",
    "parallel",
    "secrets-provider",
  ],
};

/** Actions pinned by full commit SHA, and the release each SHA is (looked up in the action's repository). */
const PINNED: Record<string, string> = {
  "actions/checkout@11d5960a326750d5838078e36cf38b85af677262": "actions/checkout@v4",
  "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020": "actions/setup-node@v4",
};

const dir = path.join(PROJECT_ROOT, ".github", "workflows");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".yml"));

type Step = { uses?: string; with?: Record<string, unknown>; run?: string };
type Workflow = { name: string; on: unknown; jobs: Record<string, { steps: Step[] }> };

describe("GitHub workflows", () => {
  it("cover pull requests, fork comments, previews and deploys", () => {
    expect(files.sort()).toEqual([
      "deploy.yml",
      "pr-comment.yml",
      "pr-plan.yml",
      "pr-preview.yml",
      "promote.yml",
    ]);
  });

  it.each(files)("%s is valid YAML whose steps use known actions with their real inputs", (file) => {
    const wf = parseYaml(fs.readFileSync(path.join(dir, file), "utf8")) as Workflow;
    expect(typeof wf.name).toBe("string");
    for (const [job, { steps }] of Object.entries(wf.jobs)) {
      for (const step of steps) {
        if (!step.uses) {
          expect(typeof step.run).toBe("string");
          continue;
        }
        const known = ACTION_INPUTS[PINNED[step.uses] ?? step.uses];
        expect({ job, uses: step.uses, known: known !== undefined }).toEqual({
          job,
          uses: step.uses,
          known: true,
        });
        for (const input of Object.keys(step.with ?? {}))
          expect({ uses: step.uses, input, ok: known.includes(input) }).toEqual({
            uses: step.uses,
            input,
            ok: true,
          });
      }
    }
  });

  it("deploys staging from main and production from production, with the policy pack", () => {
    const text = fs.readFileSync(path.join(dir, "deploy.yml"), "utf8");
    const wf = parseYaml(text) as { on: { push: { branches: string[] } } };
    expect(wf.on.push.branches).toEqual(["main", "production"]);
    expect(text).toContain("policyPacks: policies");
    expect(text).toContain("github.ref_name == 'production' && 'production' || 'staging'");
  });

  it("never interpolates secrets into the fork-facing plan workflow", () => {
    expect(fs.readFileSync(path.join(dir, "pr-plan.yml"), "utf8")).not.toContain("secrets.");
  });
});

describe("Renovate", () => {
  const config = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "renovate.json"), "utf8")) as {
    customManagers: { matchStrings: string[]; datasourceTemplate: string }[];
  };
  const catalog = fs.readFileSync(path.join(PROJECT_ROOT, "components", "helm", "catalog.ts"), "utf8");

  it("finds every chart and image of the catalog", () => {
    const matches = (datasource: string) => {
      const manager = config.customManagers.find((m) => m.datasourceTemplate === datasource)!;
      const re = new RegExp(manager.matchStrings[0], "g");
      return [...catalog.matchAll(re)].map((m) => m.groups ?? {});
    };
    expect(matches("helm").map((g) => [g.depName, g.registryUrl, g.currentValue])).toEqual(
      Object.values(CHARTS).map((c) => [c.chart, c.repo, c.version]),
    );
    expect(matches("docker").map((g) => [g.depName, g.currentValue])).toEqual(
      Object.values(IMAGES).map((i) => [i.repository, i.tag]),
    );
  });
});
