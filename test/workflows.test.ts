import * as fs from "fs";
import * as path from "path";
import { CHARTS, IMAGES } from "../components/helm/catalog";
import { PROJECT_ROOT } from "../tools/engine/engine";
import {
  actionlint,
  runBlocks,
  shellcheck,
  shellcheckAvailable,
  workflowFiles,
} from "../tools/ci/workflowLint";
import {
  actionName,
  doctlProblems,
  environmentOf,
  parseWorkflow,
  pinProblems,
  runsPulumiOnStack,
  secretProblems,
  triggers,
  type Workflow,
} from "./workflowModel";

/**
 * The inputs each action accepts, from its action.yml at the major version used. A workflow that
 * passes anything else is wrong (GitHub only warns), so the test fails instead. A new major (the
 * "# vX" comment Renovate writes) needs its inputs checked and listed here.
 */
const ACTION_INPUTS: Record<string, string[]> = {
  "actions/checkout@v7": [
    "repository",
    "ref",
    "token",
    "path",
    "fetch-depth",
    "persist-credentials",
    "clean",
    "sparse-checkout",
    "allow-unsafe-pr-checkout",
  ],
  "actions/setup-node@v7": [
    "node-version",
    "node-version-file",
    "cache",
    "cache-dependency-path",
    "registry-url",
    "package-manager-cache",
  ],
  "actions/upload-artifact@v7": [
    "name",
    "path",
    "retention-days",
    "if-no-files-found",
    "compression-level",
    "overwrite",
    "include-hidden-files",
    "archive",
  ],
  "actions/download-artifact@v8": [
    "name",
    "artifact-ids",
    "path",
    "pattern",
    "merge-multiple",
    "github-token",
    "repository",
    "run-id",
  ],
  "pulumi/actions@v7": [
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
    "pulumi-version",
    "pulumi-version-file",
    "always-include-summary",
  ],
  "digitalocean/action-doctl@v2": ["version", "no_auth", "token"],
  "pulumi/auth-actions@v2": [
    "organization",
    "requested-token-type",
    "scope",
    "token-expiration",
    "export-environment-variables",
    "cloud-url",
  ],
  "google-github-actions/auth@v3": [
    "project_id",
    "workload_identity_provider",
    "service_account",
    "audience",
    "export_environment_variables",
    "create_credentials_file",
    "token_format",
    "access_token_lifetime",
  ],
  "aws-actions/configure-aws-credentials@v6": [
    "aws-region",
    "role-to-assume",
    "role-session-name",
    "role-duration-seconds",
    "audience",
    "output-credentials",
    "output-env-credentials",
    "mask-aws-account-id",
  ],
};

/** Active LTS on 2026-12-01 (Node.js 26 "Lithium", Active LTS since 2026-10-28). */
const NODE_LTS_MAJOR = "26";

const files = workflowFiles(PROJECT_ROOT);
const rel = (f: string) => path.relative(PROJECT_ROOT, f);
const read = (f: string) => fs.readFileSync(f, "utf8");
const workflows: [string, Workflow, string][] = files.map((f) => [rel(f), parseWorkflow(read(f)), read(f)]);
const byName = (file: string) => {
  const found = workflows.find(([f]) => f === `.github/workflows/${file}`);
  if (!found) throw new Error(`no workflow ${file}`);
  return found[1];
};

/** Every `uses:` with its version comment: [file, job, step uses, "owner/repo@vMAJOR"]. */
function actionUses(): {
  file: string;
  job: string;
  uses: string;
  major: string;
  version: string;
  with: Record<string, unknown>;
}[] {
  const out = [];
  for (const [file, wf, text] of workflows)
    for (const [job, spec] of Object.entries(wf.jobs))
      for (const step of spec.steps ?? []) {
        if (!step.uses || step.uses.startsWith("./")) continue;
        const line = text.split("\n").find((l) => l.includes(`uses: ${step.uses}`)) ?? "";
        const version = /#\s+(v\d+(?:\.\d+){0,2})/.exec(line)?.[1] ?? "";
        out.push({
          file,
          job,
          uses: step.uses,
          major: `${actionName(step.uses)}@${version.split(".")[0]}`,
          version,
          with: step.with ?? {},
        });
      }
  return out;
}

describe("GitHub workflows", () => {
  it("include the plan, comment, preview, deploy and drift workflows", () => {
    expect(workflows.map(([f]) => f)).toEqual(
      expect.arrayContaining(
        ["deploy.yml", "drift.yml", "pr-comment.yml", "pr-plan.yml", "pr-preview.yml"].map(
          (f) => `.github/workflows/${f}`,
        ),
      ),
    );
  });

  it.each(files.map(rel))("%s passes actionlint", async (file) => {
    expect(await actionlint(file, read(path.join(PROJECT_ROOT, file)))).toEqual([]);
  });

  it("actionlint reports a broken workflow (the check can fail)", async () => {
    const broken =
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_thing }}\n";
    const findings = await actionlint("broken.yml", broken);
    expect(findings.map((f) => f.kind)).toEqual(["actionlint/expression"]);
  });

  const withShellcheck = shellcheckAvailable() ? it : it.skip;
  withShellcheck("shellcheck passes on every run block and CI script", () => {
    const blocks = files.flatMap((f) => runBlocks(rel(f), read(f)));
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.flatMap((b) => shellcheck(b))).toEqual([]);
    const scripts = fs.readdirSync(path.join(PROJECT_ROOT, "tools", "ci")).filter((f) => f.endsWith(".sh"));
    for (const s of scripts)
      expect(
        shellcheck({
          file: s,
          job: "-",
          step: s,
          shell: "bash",
          script: read(path.join(PROJECT_ROOT, "tools", "ci", s)),
        }),
      ).toEqual([]);
  });

  withShellcheck("shellcheck reports an unquoted expansion in a run block (the check can fail)", () => {
    const [block] = runBlocks(
      "x.yml",
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: rm -rf $DIR/${{ github.sha }}\n",
    );
    expect(shellcheck(block).map((f) => f.message.slice(0, 6))).toEqual(["SC2086"]);
  });

  it("pin every action by commit SHA with the version it is, one SHA per version across files", () => {
    expect(workflows.flatMap(([file, , text]) => pinProblems(file, text))).toEqual([]);
    const sha = new Map<string, Set<string>>();
    for (const u of actionUses()) {
      const key = `${actionName(u.uses)}@${u.version}`;
      sha.set(key, new Set([...(sha.get(key) ?? []), u.uses.split("@")[1]]));
    }
    expect([...sha].filter(([, s]) => s.size > 1)).toEqual([]);
  });

  it("the pin check refuses tags, branches and SHAs without their version", () => {
    const wf = [
      "      - uses: actions/checkout@v7",
      "      - uses: actions/checkout@main",
      "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      "      - uses: docker://alpine:3",
      "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
      "      - uses: ./.github/actions/local",
    ].join("\n");
    expect(pinProblems("x.yml", wf)).toHaveLength(4);
  });

  it("pass each action only the inputs its action.yml declares", () => {
    for (const u of actionUses()) {
      const known = ACTION_INPUTS[u.major];
      expect({ file: u.file, uses: u.major, known: known !== undefined }).toEqual({
        file: u.file,
        uses: u.major,
        known: true,
      });
      for (const input of Object.keys(u.with))
        expect({ uses: u.major, input, ok: known.includes(input) }).toEqual({
          uses: u.major,
          input,
          ok: true,
        });
    }
  });

  it("no job that checks out pull-request code can read a deploy secret; secrets only reach Pulumi steps", () => {
    expect(workflows.flatMap(([file, wf]) => secretProblems(file, wf))).toEqual([]);
  });

  it("the secret rules catch the unsafe patterns (the check can fail)", () => {
    const bad = parseWorkflow(`
name: bad
on:
  pull_request:
  workflow_run:
    workflows: [x]
    types: [completed]
env:
  TOKEN: \${{ secrets.PULUMI_ACCESS_TOKEN }}
jobs:
  preview:
    runs-on: ubuntu-latest
    env:
      DO: \${{ secrets.DIGITALOCEAN_TOKEN }}
    steps:
      - uses: actions/checkout@x
      - run: npm ci
        env:
          CF: \${{ secrets.CLOUDFLARE_API_TOKEN }}
  pwn:
    runs-on: ubuntu-latest
    environment: production
    steps:
      - uses: actions/checkout@x
        with:
          ref: \${{ github.event.workflow_run.head_sha }}
      - id: login
        uses: pulumi/auth-actions@x
        with:
          organization: o
      - run: npm test
        env:
          T: \${{ steps.login.outputs.pulumi-access-token }}
`);
    const problems = secretProblems("bad.yml", bad);
    for (const expected of [
      "bad.yml: workflow-level env reads secrets",
      "bad.yml/preview: job-level env reads secrets",
      "bad.yml/preview: reads DIGITALOCEAN_TOKEN, CLOUDFLARE_API_TOKEN without an environment",
      "bad.yml/preview: runs pull-request code and reads DIGITALOCEAN_TOKEN, CLOUDFLARE_API_TOKEN",
      'bad.yml/preview: step "npm ci" gets credentials but does not call Pulumi',
      "bad.yml/pwn: runs pull-request code in deploy environment production",
      'bad.yml/pwn: step "npm test" gets credentials but does not call Pulumi',
      "bad.yml/pwn: pulumi/auth-actions must set export-environment-variables: false",
    ])
      expect(problems.some((p) => p.startsWith(expected))).toBe(true);
  });

  it("every job that runs Pulumi against a stack installs doctl first and gives those steps its token", () => {
    const jobs = workflows.flatMap(([file, wf]) =>
      Object.entries(wf.jobs)
        .filter(([, job]) => (job.steps ?? []).some(runsPulumiOnStack))
        .map(([name]) => `${file}/${name}`),
    );
    expect(jobs).toEqual(
      expect.arrayContaining([
        ".github/workflows/deploy.yml/up",
        ".github/workflows/drift.yml/detect",
        ".github/workflows/pr-preview.yml/preview",
      ]),
    );
    expect(workflows.flatMap(([file, wf]) => doctlProblems(file, wf))).toEqual([]);
  });

  it("the doctl rule catches a missing install, a late one and a missing token (the check can fail)", () => {
    const bad = parseWorkflow(`
name: bad
on: push
jobs:
  late:
    steps:
      - uses: pulumi/actions@x
        with: { command: up }
        env: { DIGITALOCEAN_ACCESS_TOKEN: "\${{ secrets.DIGITALOCEAN_TOKEN }}" }
      - uses: digitalocean/action-doctl@x
        with: { no_auth: true }
  none:
    steps:
      - run: pulumi refresh --stack s --yes
  bare:
    steps:
      - run: pulumi up
`);
    expect(doctlProblems("bad.yml", bad)).toEqual([
      'bad.yml/late: step "pulumi/actions@x" runs Pulumi before doctl is installed',
      'bad.yml/none: step "pulumi refresh --stack s --yes" runs Pulumi before doctl is installed',
      'bad.yml/none: step "pulumi refresh --stack s --yes" runs Pulumi without DIGITALOCEAN_ACCESS_TOKEN: ${{ secrets.DIGITALOCEAN_TOKEN }}',
      'bad.yml/bare: step "pulumi up" runs Pulumi before doctl is installed',
      'bad.yml/bare: step "pulumi up" runs Pulumi without DIGITALOCEAN_ACCESS_TOKEN: ${{ secrets.DIGITALOCEAN_TOKEN }}',
    ]);
  });

  it("run on the current Node.js LTS from one .node-version file", () => {
    expect(read(path.join(PROJECT_ROOT, ".node-version")).trim()).toBe(NODE_LTS_MAJOR);
    const setups = actionUses().filter((u) => actionName(u.uses) === "actions/setup-node");
    expect(setups.length).toBeGreaterThan(0);
    for (const s of setups) {
      expect(s.with["node-version"]).toBeUndefined();
      expect(String(s.with["node-version-file"])).toMatch(/(^|\/)\.node-version$/);
    }
  });

  it("deploy: staging from main, production from production, in the stack's environment, one run per stack", () => {
    const wf = byName("deploy.yml");
    expect(wf.on).toEqual({ push: { branches: ["main", "production"] } });
    const job = wf.jobs.up;
    const stackExpr = "${{ github.ref_name == 'production' && 'production' || 'staging' }}";
    expect(environmentOf(job)).toBe(stackExpr);
    expect(job.concurrency).toEqual({ group: `pulumi-up-${stackExpr}`, "cancel-in-progress": false });
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    const up = job.steps!.find((s) => s.with?.command === "up")!;
    expect(up.with).toMatchObject({ policyPacks: "policies", "stack-name": "${{ env.STACK }}" });
  });

  it("deploy environments are used only by the deploy workflow, on pushes", () => {
    for (const [file, wf] of workflows)
      for (const job of Object.values(wf.jobs)) {
        const env = environmentOf(job) ?? "";
        if (/^(staging|production)$|'(staging|production)'/.test(env)) {
          expect(file).toBe(".github/workflows/deploy.yml");
          expect(triggers(wf)).toEqual(["push"]);
        }
      }
  });

  it("previews: branches of this repository only, each stack in its own read-only environment", () => {
    const job = byName("pr-preview.yml").jobs.preview;
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(environmentOf(job)).toBe("preview-${{ matrix.stack }}");
  });

  it("production's preview, drift check and restore drill run on the runner production's firewall admits; staging's on GitHub's", () => {
    const jobs = [
      byName("pr-preview.yml").jobs.preview,
      byName("drift.yml").jobs.detect,
      byName("restore-drill.yml").jobs.drill,
    ];
    for (const job of jobs) {
      expect(job["runs-on"]).toBe(
        "${{ matrix.stack == 'production' && vars.PRODUCTION_RUNNER || 'ubuntu-latest' }}",
      );
      expect((job.strategy as { matrix: { stack: string[] } }).matrix.stack).toEqual([
        "staging",
        "production",
      ]);
    }
  });

  it("the comment job never checks out the pull request and needs no secret", () => {
    const wf = byName("pr-comment.yml");
    expect(triggers(wf)).toEqual(["workflow_run"]);
    const job = wf.jobs.comment;
    const checkout = job.steps!.find((s) => s.uses?.startsWith("actions/checkout@"))!;
    expect(checkout.with).toMatchObject({
      ref: "${{ github.event.repository.default_branch }}",
      "persist-credentials": false,
    });
    expect(job.permissions).toEqual({ actions: "read", contents: "read", "pull-requests": "write" });
    expect(job.steps!.at(-1)!.run).toContain("ci:pr-comment");
  });

  it("the plan job uploads the comment data even when a plan fails, and never when cancelled", () => {
    const steps = byName("pr-plan.yml").jobs.plan.steps!;
    const upload = steps.find((s) => s.with?.name === "plan-comment")!;
    expect(upload.if).toBe("${{ !cancelled() }}");
    expect(steps.find((s) => String(s.run).includes("plan:comment-data"))!.if).toBe("${{ !cancelled() }}");
  });

  it("drift: daily per stack, refresh (running the program) and preview with --expect-no-changes; the issue job holds no cloud credential", () => {
    const wf = byName("drift.yml");
    expect(triggers(wf)).toEqual(["schedule", "workflow_dispatch"]);
    const detect = wf.jobs.detect;
    expect(environmentOf(detect)).toBe("drift-${{ matrix.stack }}");
    const check = detect.steps!.find((s) => /pulumi refresh /.test(s.run ?? ""))?.run ?? "";
    expect(check).toMatch(/pulumi refresh .*--run-program --preview-only --expect-no-changes/);
    expect(check).toMatch(/pulumi preview .*--expect-no-changes/);
    const report = wf.jobs.report;
    expect(report.environment).toBeUndefined();
    expect(report.permissions).toEqual({ contents: "read", issues: "write" });
  });
  it("restore drill: weekly per stack in its own environment; only the Pulumi step gets a credential; cleanup always runs", () => {
    const wf = byName("restore-drill.yml");
    expect(triggers(wf)).toEqual(["schedule", "workflow_dispatch"]);
    const drill = wf.jobs.drill;
    expect(environmentOf(drill)).toBe("restore-drill-${{ matrix.stack }}");
    expect(drill.permissions).toEqual({ contents: "read", "id-token": "write" });
    const steps = drill.steps ?? [];
    const withToken = steps.filter((s) => JSON.stringify(s.env ?? {}).includes("pulumi-login.outputs"));
    expect(withToken.map((s) => s.run?.match(/pulumi stack output \w+/g))).toEqual([
      ["pulumi stack output restoreDrillKubeconfig", "pulumi stack output restoreDrill"],
    ]);
    const drillStep = steps.findIndex((s) => String(s.run).includes("drill:restore -- --stack"));
    const cleanup = steps.find((s) => String(s.run).includes("--cleanup"));
    expect(drillStep).toBeGreaterThan(-1);
    expect(cleanup?.if).toBe("${{ always() }}");
    expect(steps.find((s) => String(s.run).includes("rm -f"))?.if).toBe("${{ always() }}");
    const report = wf.jobs.report;
    expect(report.environment).toBeUndefined();
    expect(report.permissions).toEqual({ contents: "read", issues: "write" });
    expect(report.steps?.at(-1)?.run).toContain("drill:issue");
  });
});

describe("Renovate", () => {
  const config = JSON.parse(read(path.join(PROJECT_ROOT, "renovate.json"))) as {
    extends: string[];
    customManagers: { matchStrings: string[]; datasourceTemplate: string }[];
  };
  const catalog = read(path.join(PROJECT_ROOT, "components", "helm", "catalog.ts"));

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

  it("keeps the action digests current (and pins any new action by digest)", () => {
    expect(config.extends).toContain("helpers:pinGitHubActionDigests");
  });
});

describe("stack secrets in CI", () => {
  const script = read(path.join(PROJECT_ROOT, "tools", "ci", "stack-secrets.sh"));
  const required = [...script.matchAll(/^set_secret (\w+) "\$\{(\w+):-\}" required$/gm)].map((m) => ({
    key: m[1],
    variable: m[2],
  }));

  it("reads the required secrets from the script itself", () => {
    expect(required.map((r) => r.key)).toEqual(
      expect.arrayContaining(["digitaloceanToken", "veleroDigitaloceanToken", "cloudflareApiToken"]),
    );
  });

  it("every step that runs stack-secrets.sh hands it each secret the script requires", () => {
    const runs = workflows.flatMap(([file, wf]) =>
      Object.entries(wf.jobs).flatMap(([jobName, job]) =>
        (job.steps ?? [])
          .filter((step) => (step.run ?? "").includes("tools/ci/stack-secrets.sh"))
          .map((step) => ({ at: `${path.basename(file)} ${jobName}`, step })),
      ),
    );
    expect(runs.length).toBeGreaterThan(0);
    const missing = runs.flatMap(({ at, step }) =>
      required
        .filter(({ variable }) => step.env?.[variable] !== `\${{ secrets.${variable} }}`)
        .map(({ key, variable }) => `${at}: ${variable} (prism:${key})`),
    );
    expect(missing).toEqual([]);
  });

  it("the README lists each of them among the environments' secrets", () => {
    const readme = read(path.join(PROJECT_ROOT, "README.md"));
    const listed = /\*\*Secrets\*\* per environment[\s\S]*?\n\n/.exec(readme)?.[0] ?? "";
    expect(required.map((r) => r.variable).filter((v) => !listed.includes(`\`${v}\``))).toEqual([]);
  });
});
