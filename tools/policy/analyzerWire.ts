/**
 * The Pulumi CLI's side of the analyzer protocol, for the tests and the benchmark: packs policies/
 * with npm, installs the tarball in a temporary folder, starts it as the CLI starts a Node.js policy pack, and turns the
 * offline plan's resources into the requests the CLI sends (AnalyzeRequest, AnalyzeStackRequest),
 * secrets marked with the secret signature as the CLI marshals them (KeepSecrets).
 */
import { spawn, execFileSync, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/analyzer_pb";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";
import type { EnforcementLevel } from "@pulumi/policy";
import type { EvaluatedResource, Violation } from "../../policies/lib/evaluate";
import type { ReconciledConfig } from "../../policies/lib/packConfig";

const ROOT = path.resolve(__dirname, "..", "..");

/** `npm pack` of policies/ (its prepack builds bin/), unpacked as `<dir>/package` with the root's node_modules linked in. */
export function installPackedPack(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-pack-"));
  execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: path.join(ROOT, "policies"),
    stdio: ["ignore", "ignore", "inherit"],
  });
  const tarball = fs.readdirSync(dir).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack left no tarball in ${dir}`);
  execFileSync("tar", ["-xzf", path.join(dir, tarball), "-C", dir]);
  const pack = path.join(dir, "package");
  // Offline and CI-safe: the dependencies are the root's, which the pack declares at the same versions.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(pack, "node_modules"), "dir");
  return pack;
}

export interface RunningPack {
  client: AnalyzerClient;
  process: ChildProcess;
  /** Milliseconds from spawn to the port on stdout. */
  portAfterMs: number;
  stderr: () => string;
}

/**
 * As the nodejs language host's RunPlugin does for kind=analyzer: `node <run-policy-pack resolved
 * from the pack> <engine address> <pack directory>`, working directory the pack; the pack prints
 * its port. run-policy-pack drops the engine address (policies log to stderr), so any address does.
 */
export function startPack(packDir: string, timeoutMs = 120_000): Promise<RunningPack> {
  const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
  const started = Date.now();
  const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", packDir], {
    cwd: packDir,
    // A copy unpacked outside the repository is told where the vendored charts are.
    env: { ...process.env, PRISM_PROJECT_ROOT: ROOT },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no port within ${timeoutMs} ms; stderr: ${err}`)),
      timeoutMs,
    );
    child.on("exit", (code) => reject(new Error(`the pack exited (${code}) before serving; stderr: ${err}`)));
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const port = /^(\d+)\s*$/m.exec(out)?.[1];
      if (!port) return;
      clearTimeout(timer);
      const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": 400 * 1024 * 1024,
      });
      resolve({ client, process: child, portAfterMs: Date.now() - started, stderr: () => err });
    });
  });
}

function reply<T>(resolve: (r: T) => void, reject: (e: Error) => void) {
  return (e: grpc.ServiceError | null, r: T) => (e ? reject(e) : resolve(r));
}

export function getAnalyzerInfo(client: AnalyzerClient): Promise<proto.AnalyzerInfo> {
  return new Promise((resolve, reject) => client.getAnalyzerInfo(new Empty(), reply(resolve, reject)));
}

export function configure(client: AnalyzerClient, req: proto.ConfigureAnalyzerRequest): Promise<Empty> {
  return new Promise((resolve, reject) => client.configure(req, reply(resolve, reject)));
}

export function analyze(client: AnalyzerClient, req: proto.AnalyzeRequest): Promise<proto.AnalyzeResponse> {
  return new Promise((resolve, reject) => client.analyze(req, reply(resolve, reject)));
}

export function analyzeStack(
  client: AnalyzerClient,
  req: proto.AnalyzeStackRequest,
): Promise<proto.AnalyzeResponse> {
  return new Promise((resolve, reject) => client.analyzeStack(req, reply(resolve, reject)));
}

const LEVEL_TO_PROTO: Record<EnforcementLevel, proto.EnforcementLevel> = {
  advisory: proto.EnforcementLevel.ADVISORY,
  mandatory: proto.EnforcementLevel.MANDATORY,
  disabled: proto.EnforcementLevel.DISABLED,
  remediate: proto.EnforcementLevel.REMEDIATE,
};
export function levelOf(level: proto.EnforcementLevel): EnforcementLevel {
  const levels: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"];
  const found = levels.find((k) => LEVEL_TO_PROTO[k] === level);
  if (!found) throw new Error(`unknown enforcement level ${level}`);
  return found;
}

/** The Configure request of a reconciled config (analyzer.Configure in the CLI). */
export function configureRequest(config: ReconciledConfig): proto.ConfigureAnalyzerRequest {
  const req = new proto.ConfigureAnalyzerRequest();
  for (const [name, entry] of Object.entries(config)) {
    const pc = new proto.PolicyConfig();
    if (entry.enforcementLevel) pc.setEnforcementlevel(LEVEL_TO_PROTO[entry.enforcementLevel]);
    pc.setProperties(Struct.fromJavaScript(toJsonValue(entry.properties)));
    req.getPolicyconfigMap().set(name, pc);
  }
  return req;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON value; `undefined` members dropped, as protobuf Structs carry none. */
function toJsonValue(value: unknown): { [key: string]: Json } {
  return JSON.parse(JSON.stringify(value ?? {}));
}

/** Props as the CLI marshals them: every recorded secret path wrapped in the secret signature. */
export function wireProps(props: Record<string, unknown>, secretPaths: readonly string[]): Struct {
  const secrets = new Set(secretPaths);
  const wrap = (value: unknown, at: string): unknown => {
    const inner = Array.isArray(value)
      ? value.map((v, i) => wrap(v, `${at}[${i}]`))
      : typeof value === "object" && value !== null
        ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrap(v, at ? `${at}.${k}` : k)]))
        : value;
    return secrets.has(at) && at !== "" ? { [specialSigKey]: specialSecretSig, value: inner } : inner;
  };
  return Struct.fromJavaScript(toJsonValue(wrap(props, "")));
}

function optionsOf(r: EvaluatedResource): proto.AnalyzerResourceOptions {
  const o = new proto.AnalyzerResourceOptions();
  o.setProtect(r.protect);
  o.setIgnorechangesList(r.ignoreChanges);
  o.setDeletebeforereplace(r.deleteBeforeReplace ?? false);
  o.setDeletebeforereplacedefined(r.deleteBeforeReplace !== undefined);
  o.setAdditionalsecretoutputsList(r.additionalSecretOutputs ?? []);
  o.setAliasesList([]);
  const t = new proto.AnalyzerResourceOptions.CustomTimeouts();
  t.setCreate(r.customTimeouts?.createSeconds ?? 0);
  t.setUpdate(r.customTimeouts?.updateSeconds ?? 0);
  t.setDelete(r.customTimeouts?.deleteSeconds ?? 0);
  o.setCustomtimeouts(t);
  o.setParent(r.parent ?? "");
  return o;
}

/** The provider as the engine sends it: its URN, type, name and inputs. */
function providerOf(r: EvaluatedResource, byUrn: Map<string, EvaluatedResource>) {
  const urn = r.provider ?? r.defaultProvider;
  if (!urn) return undefined;
  const p = r.provider ? byUrn.get(r.provider) : undefined;
  const prov = new proto.AnalyzerProviderResource();
  prov.setUrn(urn);
  prov.setType(p?.type ?? urn.split("::")[2]);
  prov.setName(urn.split("::").pop() ?? "");
  prov.setProperties(wireProps(p?.inputs ?? {}, p?.secretPaths ?? []));
  return prov;
}

export function analyzeRequest(
  r: EvaluatedResource,
  byUrn: Map<string, EvaluatedResource>,
): proto.AnalyzeRequest {
  const req = new proto.AnalyzeRequest();
  req.setUrn(r.urn);
  req.setType(r.type);
  req.setName(r.name);
  req.setProperties(wireProps(r.inputs, r.secretPaths));
  req.setOptions(optionsOf(r));
  const provider = providerOf(r, byUrn);
  if (provider) req.setProvider(provider);
  return req;
}

export function analyzeStackRequest(resources: EvaluatedResource[]): proto.AnalyzeStackRequest {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const req = new proto.AnalyzeStackRequest();
  req.setResourcesList(
    resources.map((r) => {
      const ar = new proto.AnalyzerResource();
      ar.setUrn(r.urn);
      ar.setType(r.type);
      ar.setName(r.name);
      // AnalyzeStack sees outputs (the engine's final state); secret inputs stay secret in them.
      ar.setProperties(wireProps(r.outputs, r.secretPaths));
      ar.setOptions(optionsOf(r));
      const provider = providerOf(r, byUrn);
      if (provider) ar.setProvider(provider);
      ar.setParent(r.parent ?? "");
      ar.setDependenciesList(r.dependencies);
      for (const [key, urns] of Object.entries(r.propertyDependencies)) {
        if (urns.length === 0) continue; // the CLI skips properties without dependencies
        const deps = new proto.AnalyzerPropertyDependencies();
        deps.setUrnsList(urns);
        ar.getPropertydependenciesMap().set(key, deps);
      }
      return ar;
    }),
  );
  return req;
}

/** Diagnostics as the evaluator reports violations; a resource's own URN where the policy named none. */
export function violationsOf(res: proto.AnalyzeResponse, urn?: string): Violation[] {
  return res.getDiagnosticsList().map((d) => ({
    policy: d.getPolicyname(),
    description: d.getDescription(),
    enforcementLevel: levelOf(d.getEnforcementlevel()),
    message: d.getMessage(),
    urn: d.getUrn() || urn,
  }));
}
