/**
 * Program entry (Pulumi.yaml `main: stacks/`). Validates the stack's configuration before a single
 * resource is registered, then builds the platform. The offline plan runs this same function.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { ConfigError, parsePlatformConfig, SECRET_KEYS } from "./config";
import { buildPlatform } from "./platform";
import { readPreviousRun } from "./previousRun";
import { readSecrets } from "./secrets";
import { sharedIdentityProblems, siblingStacks } from "./validation/siblingStacks";

/** The runtime's own test for a secret config value (internal to the SDK's typings). */
function isSecretKey(key: string): boolean {
  const test: unknown = Reflect.get(runtimeConfig, "isConfigSecret");
  return typeof test === "function" && test(key) === true;
}

export = async () => {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const raw = pulumi.runtime.allConfig();
  const secret = SECRET_KEYS.map((k) => `${project}:${k}`).filter(isSecretKey);
  const config = parsePlatformConfig(project, stack, raw, secret);
  // The project directory: the runtime's, unless it does not hold Pulumi.yaml (the mock
  // engine's placeholder), then where the program runs.
  const root =
    [pulumi.runtime.getRootDirectory(), process.cwd()].find(
      (dir) => dir && fs.existsSync(path.join(dir, "Pulumi.yaml")),
    ) ?? process.cwd();
  const shared = sharedIdentityProblems(
    project,
    { stack, baseDomain: config.baseDomain, tunnelName: config.cloudflare.tunnelName },
    siblingStacks(root, project, stack),
  );
  if (shared.length > 0) throw new ConfigError(stack, shared);
  return buildPlatform(stack, config, readSecrets(), await readPreviousRun());
};
