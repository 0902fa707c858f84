/**
 * Program entry (Pulumi.yaml `main: stacks/`). Validates the stack's configuration before a single
 * resource is registered, then builds the platform. The offline plan runs this same function.
 */
import * as pulumi from "@pulumi/pulumi";
import { parsePlatformConfig } from "./config";
import { buildPlatform } from "./platform";

export = async () => {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const config = parsePlatformConfig(project, stack, pulumi.runtime.allConfig());
  const projectConfig = new pulumi.Config();
  return buildPlatform(stack, config, {
    digitaloceanToken: projectConfig.requireSecret("digitaloceanToken"),
  });
};
