/**
 * Program entry (Pulumi.yaml `main: stacks/`). Validates the stack's configuration before a single
 * resource is registered, then builds the platform. The offline plan runs this same function.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig } from "./config";
import { buildPlatform } from "./platform";
import { readPreviousRun } from "./previousRun";
import { readSecrets } from "./secrets";

export = async () => {
  const config = parsePlatformConfig(pulumi.getProject(), pulumi.getStack(), pulumi.runtime.allConfig());
  return buildPlatform(pulumi.getStack(), config, readSecrets(), await readPreviousRun());
};
