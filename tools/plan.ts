/**
 * The offline plan: `npm run plan -- --stack <name> [--json <file>]`.
 * Runs the real program for the stack under the mock engine and the simulated cloud, prints the
 * resource tree and a count per type, and optionally writes the plan as stable JSON.
 * Needs no credentials and no Pulumi CLI. Exits non-zero on any error.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { planStack, PlanError } from "./engine/engine";
import { planToJson, programResources } from "./engine/plan";
import type { PolicyPackConfig } from "@pulumi/policy";
import { checkPlanAndRendered, mandatory, renderViolations, stackPolicyConfig } from "./engine/policyRun";
import { renderedObjects, renderPlanServices, type RenderedService } from "./engine/renderServices";
import { renderPlanReleases, type RenderedRelease } from "./engine/renderReleases";
import { renderExemptions } from "./engine/exemptions";
import {
  customResourceReport,
  renderCustomResources,
  type CustomResourceReport,
} from "./engine/customResources";
import { decided, renderUndecided, undecidedOf } from "./engine/undecided";
import { componentGraph, toDot, toMermaid } from "./analysis/graph";
import { analysePlan, renderCost, renderCriticalPath } from "./planReport";
import { releaseRenders, serviceRenders } from "./cost/renders";
import type { SourcedManifest } from "../policies/cost/quantities";
import { clusterHighlights, countByType, renderTree } from "./planTree";

const USAGE =
  "usage: npm run plan -- --stack <staging|production|...> [--json <file>] [--graph <prefix>] [--policy-config <file>] [--first-preview]\n" +
  "  --json           write the plan as JSON (stable ordering, secrets masked)\n" +
  "  --graph          write the component graph to <prefix>.mmd (Mermaid) and <prefix>.dot (DOT)\n" +
  "  --policy-config  CrossGuard pack config to use instead of policies/config/<stack>.json\n" +
  "  --first-preview  plan as the first `pulumi preview` of a new stack: values providers compute are\n" +
  "                   unknown; lists the policies that could not decide and on what";

async function main(argv: string[]): Promise<number> {
  let values: {
    stack?: string;
    json?: string;
    graph?: string;
    "policy-config"?: string;
    "first-preview"?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        stack: { type: "string" },
        json: { type: "string" },
        graph: { type: "string" },
        "policy-config": { type: "string" },
        "first-preview": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (!values.stack) {
    process.stderr.write(`--stack is required\n${USAGE}\n`);
    return 2;
  }

  let plan;
  let violations;
  let services: RenderedService[];
  let releases: RenderedRelease[];
  let config: PolicyPackConfig;
  let rendered: SourcedManifest[];
  let customResources: CustomResourceReport;
  try {
    plan = await planStack({ stack: values.stack, firstPreview: values["first-preview"] === true });
    const policyConfigFile = values["policy-config"];
    config = policyConfigFile
      ? (JSON.parse(fs.readFileSync(policyConfigFile, "utf8")) as PolicyPackConfig)
      : stackPolicyConfig(plan.stack);
    // ArgoCD-managed workloads never pass through CrossGuard: render what each Application of the
    // service chart deploys and hold it to the pack's Kubernetes rules, in the same report. What
    // each Helm Release installs the pack renders and checks itself, as under the Pulumi CLI.
    [services, releases] = await Promise.all([renderPlanServices(plan), renderPlanReleases(plan)]);
    violations = await checkPlanAndRendered(plan, renderedObjects(plan.stack, services), config);
    // What the API server would refuse to create: custom resources their CRDs reject.
    customResources = await customResourceReport(plan, releases, services);
    // The volumes and load balancers the charts ask for are part of the bill.
    rendered = [...serviceRenders(plan.resources, services), ...releaseRenders(plan.resources, releases)];
  } catch (err) {
    const registered = err instanceof PlanError ? programResources(err.plan).length : 0;
    process.stderr.write(
      `error: the plan of stack "${values.stack}" failed:\n${(err as Error).message}\n` +
        `(${registered} resources were registered before the failure)\n`,
    );
    return 1;
  }

  const resources = programResources(plan);
  process.stdout.write(
    `Offline plan of stack ${plan.project}/${plan.stack} (simulated cloud, no credentials${values["first-preview"] ? "; first preview: provider-computed values unknown" : ""})\n\n`,
  );
  process.stdout.write(`${renderTree(plan)}\n\nResources by type:\n`);
  for (const [type, count] of countByType({ ...plan, resources })) {
    process.stdout.write(`    ${String(count).padStart(4)}  ${type}\n`);
  }
  process.stdout.write(`\nResources:\n    + ${resources.length} to create\n`);
  for (const line of clusterHighlights(plan)) process.stdout.write(`\n${line}\n`);
  const renderedCount = services.reduce((n, s) => n + s.manifests.length, 0);
  process.stdout.write(
    `\nRendered by ArgoCD (policy-checked): ${renderedCount} objects from ${services.length} service Applications\n`,
  );
  const releaseCount = releases.reduce((n, r) => n + r.manifests.length, 0);
  process.stdout.write(
    `Rendered by Helm (policy-checked): ${releaseCount} objects from ${releases.length} Releases (test hooks left out)\n`,
  );
  process.stdout.write(`${renderCustomResources(customResources)}\n`);
  const findings = analysePlan(plan, rendered);
  process.stdout.write(`\n${renderCost(findings.cost)}\n\n${renderCriticalPath(findings.criticalPath)}\n`);
  if (values.json) {
    const policy = {
      violations: violations.map(({ policy, enforcementLevel, message, urn }) => ({
        policy,
        enforcementLevel,
        message,
        urn,
      })),
    };
    fs.writeFileSync(values.json, planToJson(plan, { policy, ...findings }));
    process.stdout.write(`\nPlan written to ${values.json}\n`);
  }
  if (values.graph) {
    const graph = componentGraph(plan.resources);
    fs.writeFileSync(`${values.graph}.mmd`, `${toMermaid(graph)}\n`);
    fs.writeFileSync(`${values.graph}.dot`, `${toDot(graph)}\n`);
    process.stdout.write(`Component graph written to ${values.graph}.mmd and ${values.graph}.dot\n`);
  }
  process.stdout.write(`\n${renderExemptions(config)}\n`);
  process.stdout.write(`\n${renderViolations(decided(violations))}\n`);
  if (values["first-preview"]) process.stdout.write(`\n${renderUndecided(undecidedOf(violations))}\n`);
  const invalid = customResources.invalid.length;
  if (invalid > 0) {
    process.stderr.write(`error: ${invalid} custom resource(s) their CRDs reject (listed above)\n`);
  }
  const blocking = mandatory(violations);
  if (blocking.length > 0) {
    process.stderr.write(
      `error: ${blocking.length} mandatory policy violation(s): ${[...new Set(blocking.map((v) => v.policy))].join(", ")}\n`,
    );
  }
  if (invalid > 0 || blocking.length > 0) return 1;
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
