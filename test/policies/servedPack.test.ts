/**
 * The packed pack, served as the Pulumi CLI serves it, answers over the analyzer gRPC protocol
 * exactly as the offline evaluator does: on every resource of both stacks' plans and on one break
 * per rule. The requests carry what the CLI sends: real URNs, secrets marked, options, parent,
 * dependencies and provider; Configure carries policies/config/<stack>.json reconciled as the CLI
 * reconciles it against GetAnalyzerInfo.
 */
import * as fs from "fs";
import * as path from "path";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { planStack } from "../../tools/engine/engine";
import { stackPolicyConfig, toEvaluated } from "../../tools/engine/policyRun";
import { evaluatePolicies, type EvaluatedResource, type Violation } from "../../policies/lib/evaluate";
import {
  parsePackConfigFile,
  policyInfos,
  reconcilePackConfig,
  type PolicyInfo,
} from "../../policies/lib/packConfig";
import { PACK_NAME } from "../../policies/lib/pack";
import { allPolicies } from "../../policies/rules";
import { bootstrappedProduction, MUTATIONS } from "./mutations";
import {
  analyze,
  analyzeRequest,
  analyzeStack,
  analyzeStackRequest,
  configure as configureOverGrpc,
  configureRequest,
  getAnalyzerInfo,
  installPackedPack,
  levelOf,
  startPack,
  violationsOf,
  type RunningPack,
} from "../../tools/policy/analyzerWire";
import type { AnalyzerInfo } from "@pulumi/pulumi/proto/analyzer_pb";

jest.setTimeout(900_000);

let pack: RunningPack;
let info: AnalyzerInfo;

/** What the CLI learns from GetAnalyzerInfo, in the shape it reconciles config against. */
function infosFromWire(analyzerInfo: AnalyzerInfo): PolicyInfo[] {
  return analyzerInfo.getPoliciesList().map((p) => {
    const schema = p.getConfigschema();
    const configSchema = schema
      ? { properties: schema.getProperties()?.toJavaScript() ?? {}, required: schema.getRequiredList() }
      : undefined;
    return { name: p.getName(), enforcementLevel: levelOf(p.getEnforcementlevel()), configSchema };
  });
}

async function configure(stack: string) {
  const file = parsePackConfigFile(stackPolicyConfig(stack));
  const config = reconcilePackConfig(infosFromWire(info), file);
  await configureOverGrpc(pack.client, configureRequest(config));
}

async function analyzeOverGrpc(resources: EvaluatedResource[], only?: Set<string>): Promise<Violation[]> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const found: Violation[] = [];
  for (const r of resources) {
    if (only && !only.has(r.urn)) continue;
    const res = await analyze(pack.client, analyzeRequest(r, byUrn));
    found.push(...violationsOf(res, r.urn));
  }
  const stack = await analyzeStack(pack.client, analyzeStackRequest(resources));
  return [...found, ...violationsOf(stack)];
}

/**
 * A violation as @pulumi/policy's analyzer server sends it: a rule that reports a string gets the
 * policy's description, a newline, then that string as the diagnostic's message.
 */
const asServed = (v: Violation): Violation => ({
  ...v,
  message: v.message ? `${v.description}\n${v.message}` : v.description,
});

const key = (v: Violation) => `${v.policy} ${v.enforcementLevel} ${v.urn ?? "(stack)"} ${v.message}`;
const sorted = (vs: Violation[]) => vs.map(key).sort();

/** The wire is JSON: what both sides see once undefined members are gone. */
const asSent = (resources: EvaluatedResource[]): EvaluatedResource[] => JSON.parse(JSON.stringify(resources));

beforeAll(async () => {
  const dir = installPackedPack();
  expect(fs.existsSync(path.join(dir, "PulumiPolicy.yaml"))).toBe(true);
  expect(fs.existsSync(path.join(dir, "bin", "index.js"))).toBe(true);
  pack = await startPack(dir);
  info = await getAnalyzerInfo(pack.client);
});

afterAll(() => {
  pack?.client.close();
  pack?.process.kill();
});

describe("the packed pack served as the CLI serves it", () => {
  it("lists every policy with its enforcement level and config schema", () => {
    expect(info.getName()).toBe(PACK_NAME);
    expect(info.getSupportsconfig()).toBe(true);
    const listed = infosFromWire(info);
    expect(listed.map((p) => p.name)).toEqual(allPolicies.map((p) => p.name));
    for (const p of policyInfos(allPolicies)) {
      const wire = listed.find((l) => l.name === p.name);
      expect(wire?.enforcementLevel).toBe(p.enforcementLevel);
      expect(wire?.configSchema?.properties).toEqual(
        p.configSchema
          ? Struct.fromJavaScript(JSON.parse(JSON.stringify(p.configSchema.properties))).toJavaScript()
          : undefined,
      );
    }
  });

  describe.each(["staging", "production"])("on the %s plan", (stack) => {
    it("reports exactly what the offline evaluator reports, on every resource and the stack", async () => {
      await configure(stack);
      const resources = asSent(toEvaluated(await planStack({ stack })));
      const offline = await evaluatePolicies(allPolicies, resources, stackPolicyConfig(stack));
      const served = await analyzeOverGrpc(resources);
      expect(sorted(served)).toEqual(sorted(offline.map(asServed)));
      process.stdout.write(
        `${stack}: ${resources.length} resources analyzed over gRPC, ${served.length} violation(s) on both sides\n`,
      );
    });
  });

  it("reports every break of the mutation test exactly as the offline evaluator does", async () => {
    await configure("production");
    const config = stackPolicyConfig("production");
    const bootstrapped = await planStack({ stack: "production", mutateConfig: bootstrappedProduction() });
    const base = asSent(toEvaluated(bootstrapped));
    expect(await analyzeOverGrpc(base)).toEqual([]);
    const before = new Map(base.map((r) => [r.urn, JSON.stringify(r)]));

    const caught = new Set<string>();
    for (const m of MUTATIONS) {
      const resources = structuredClone(base);
      m.mutate(resources);
      // Only changed resources can have new resource violations (the base has none); the stack
      // policies see the whole mutated stack.
      const changed = new Set(
        resources.filter((r) => before.get(r.urn) !== JSON.stringify(r)).map((r) => r.urn),
      );
      const offline = await evaluatePolicies(allPolicies, resources, config);
      const served = await analyzeOverGrpc(resources, changed);
      // A break the wire cannot carry reaches the served pack as no violation of its rule.
      const expected = m.offlineOnly ? offline.filter((v) => v.policy !== m.policy) : offline;
      expect({ mutation: m.what, violations: sorted(served) }).toEqual({
        mutation: m.what,
        violations: sorted(expected.map(asServed)),
      });
      if (served.some((v) => v.policy === m.policy && v.enforcementLevel === "mandatory"))
        caught.add(m.policy);
    }
    const servable = allPolicies.filter((p) => !MUTATIONS.some((m) => m.policy === p.name && m.offlineOnly));
    expect([...caught].sort()).toEqual(servable.map((p) => p.name).sort());
  });
});
