/**
 * The promotion gate: the workflow that lets main into production only after staging passes the
 * Artillery smoke and load checks, and those checks themselves (targets from the catalog,
 * thresholds from the services' health limits).
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { SERVICE_HEALTH } from "../components/observability/serviceHealth";
import { SERVICE_NAMES, SERVICES } from "../services/catalog";
import { PROJECT_ROOT } from "../tools/engine/engine";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: { pull_request: { branches: string[] } };
  permissions: Record<string, string>;
  env: Record<string, string>;
  jobs: Record<string, { steps: Step[] }>;
}

const text = read(".github/workflows/promote.yml");
const workflow = parseYaml(text) as Workflow;
const steps = workflow.jobs["staging-check"].steps;

describe("the promotion workflow", () => {
  it("gates pull requests into production, read-only and without secrets", () => {
    expect(workflow.on.pull_request.branches).toEqual(["production"]);
    expect(workflow.permissions).toEqual({ contents: "read", actions: "read" });
    expect(text).not.toContain("secrets.");
    expect(Object.keys(workflow.jobs)).toEqual(["staging-check"]);
  });

  it("pins every action by full commit SHA", () => {
    const uses = steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
  });

  it("accepts main only, deployed to staging, then runs the smoke check before the load check", () => {
    const names = steps.map((s) => s.name ?? s.uses);
    const at = (re: RegExp) => names.findIndex((n) => re.test(n ?? ""));
    expect(steps[0].run).toMatch(/"\$HEAD_REF" != main/);
    expect(steps[1].run).toMatch(/gh run list .*--workflow deploy\.yml --branch main/s);
    expect(steps[1].run).toMatch(/--commit "\$HEAD_SHA"/);
    expect(at(/^Smoke/)).toBeGreaterThan(at(/^Staging runs this commit/));
    expect(at(/^Load/)).toBeGreaterThan(at(/^Smoke/));
    const artillery = steps.filter((s) => s.run?.includes("artillery"));
    expect(artillery.map((s) => /run -e (\w+)/.exec(s.run ?? "")?.[1])).toEqual(["smoke", "load"]);
    for (const s of artillery) {
      expect(s.run).toContain('"artillery@$ARTILLERY_VERSION"');
      expect(s.run).toContain("loadtest/staging.yml");
      expect(s.run).toContain('--target "https://api.$STAGING_DOMAIN"');
    }
    // An exact version, never a range or latest.
    expect(workflow.env.ARTILLERY_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    // The staging hosts come from staging's own stack file.
    expect(text).toContain(`yq '.config["prism:baseDomain"]' Pulumi.staging.yaml`);
    expect(
      (parseYaml(read("Pulumi.staging.yaml")) as { config: Record<string, string> }).config,
    ).toHaveProperty("prism:baseDomain");
  });
});

interface Phase {
  duration: number;
  arrivalRate?: number;
  arrivalCount?: number;
}
interface Ensure {
  thresholds?: Record<string, number>[];
  conditions?: { expression: string }[];
}
interface Script {
  config: { environments: Record<string, { phases: Phase[]; plugins: { ensure: Ensure } }> };
  scenarios: {
    flow: (
      | { get: { url: string; expect: { statusCode: number | number[] }[] } }
      | {
          loop: { get: { url: string; expect: { statusCode: number[] }[] } }[];
          over: string[];
        }
    )[];
  }[];
}

const script = parseYaml(read("loadtest/staging.yml")) as Script;

describe("the staging smoke and load checks", () => {
  it("request every public route of the catalog, the UI on its own host", () => {
    const [scenario] = script.scenarios;
    const loops = scenario.flow.flatMap((f) => ("loop" in f ? [f] : []));
    expect(loops).toHaveLength(1);
    const apiRoutes = SERVICE_NAMES.filter((s) => SERVICES[s].route?.host === "api").map((s) =>
      SERVICES[s].route?.pathPrefix?.slice(1),
    );
    expect(loops[0].over).toEqual(apiRoutes);
    expect(loops[0].loop[0].get.url).toBe("/{{ $loopElement }}/health");
    // Anything but a server error means a pod serves the route.
    for (const code of loops[0].loop[0].get.expect[0].statusCode) expect(code).toBeLessThan(500);
    const uiServices = SERVICE_NAMES.filter((s) => SERVICES[s].route?.host === "ui");
    expect(uiServices).toEqual(["ui"]);
    const gets = scenario.flow.flatMap((f) => ("get" in f ? [f.get] : []));
    expect(gets).toEqual([{ url: "https://{{ uiHost }}/", expect: [{ statusCode: 200 }] }]);
  });

  it("fail the smoke check on any failed request", () => {
    expect(script.config.environments.smoke.plugins.ensure).toEqual({
      conditions: [{ expression: "vusers.failed == 0" }],
    });
  });

  it("hold the load check to the services' health limits", () => {
    const ensure = script.config.environments.load.plugins.ensure;
    expect(ensure.thresholds).toEqual([
      { "http.response_time.p95": SERVICE_HEALTH.latencyP95Seconds * 1000 },
    ]);
    expect(ensure.conditions).toEqual([
      { expression: `vusers.failed <= ${SERVICE_HEALTH.errorRatioWarning} * vusers.created` },
    ]);
    const seconds = script.config.environments.load.phases.reduce((n, p) => n + p.duration, 0);
    expect(seconds).toBeGreaterThanOrEqual(300);
  });
});
