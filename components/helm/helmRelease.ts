import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, vendoredChartArchive, type ChartName } from "./catalog";

/** Helm values as plain data (Outputs allowed), so they can be checked against the upstream chart. */
export type HelmValues = { [key: string]: pulumi.Input<unknown> };

/** The project root (the folder holding Pulumi.yaml), from this file's place in it. */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The Pulumi CLI's working directory for this project, relative to the root. With `main: stacks/`
 * in Pulumi.yaml, the CLI runs the program and starts every provider plugin in `<root>/stacks`
 * (pulumi/pulumi pkg/engine/project.go: getPwdMain makes a directory `main` the plugins' pwd), and
 * the Kubernetes provider resolves a local chart path with os.Stat against its own working
 * directory (pulumi-kubernetes helm_release.go: locateChart → localChart). test/vendorCharts.test.ts
 * checks this matches Pulumi.yaml.
 */
export const PULUMI_WORKING_DIR = "stacks";

/**
 * The Release's `chart` input for a catalog chart: its vendored archive, relative to the Pulumi
 * working directory ("../charts/vendor/<chart>-<version>.tgz"). Relative because the input is
 * stored in state: an absolute path would differ between a laptop and a CI runner and turn every
 * run from another machine into an upgrade of every release. The offline plan records exactly
 * this string, so plans and real state agree.
 */
export function releaseChartPath(name: ChartName): string {
  return path.posix.relative(PULUMI_WORKING_DIR, vendoredChartArchive(name));
}

export interface PlatformReleaseArgs {
  chart: ChartName;
  namespace: pulumi.Input<string>;
  values: HelmValues;
  provider: k8s.Provider;
  parent: pulumi.Resource;
  /** Seconds Helm waits for the release's resources to become ready; 10 minutes by default. */
  timeoutSeconds?: number;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
  protect?: boolean;
}

/**
 * The one way the platform installs a Helm chart: the catalog's vendored archive of the pinned
 * version (no chart repository at deploy time; `version` is kept so the pin shows in state and the
 * policy pack can check the archive carries it), a stable release name (the chart's), atomic
 * installs that roll back and clean up on failure, a bounded history, and an explicit provider.
 */
export function platformRelease(name: string, args: PlatformReleaseArgs): k8s.helm.v3.Release {
  const pin = CHARTS[args.chart];
  const archive = path.join(PROJECT_ROOT, vendoredChartArchive(args.chart));
  if (!fs.existsSync(archive)) {
    throw new pulumi.ResourceError(
      `chart ${args.chart} ${pin.version}: vendored archive ${vendoredChartArchive(args.chart)} is missing; ` +
        "run `npm run charts:update`",
      args.parent,
    );
  }
  return new k8s.helm.v3.Release(
    name,
    {
      name,
      chart: releaseChartPath(args.chart),
      version: pin.version,
      namespace: args.namespace,
      createNamespace: false,
      values: args.values,
      atomic: true,
      cleanupOnFail: true,
      timeout: args.timeoutSeconds ?? 600,
      maxHistory: 10,
    },
    {
      parent: args.parent,
      provider: args.provider,
      dependsOn: args.dependsOn,
      // A protected release owns state (its volumes): removing it from the program leaves it installed.
      protect: args.protect,
      retainOnDelete: args.protect,
    },
  );
}
