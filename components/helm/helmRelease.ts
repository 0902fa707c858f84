import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, type ChartName } from "./catalog";

/** Helm values as plain data (Outputs allowed), so they can be checked against the upstream chart. */
export type HelmValues = { [key: string]: pulumi.Input<unknown> };

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
 * The one way the platform installs a Helm chart: the pinned version and repository from the
 * catalog, a stable release name (the chart's), atomic installs that roll back and clean up on
 * failure, a bounded history, and an explicit Kubernetes provider.
 */
export function platformRelease(name: string, args: PlatformReleaseArgs): k8s.helm.v3.Release {
  const pin = CHARTS[args.chart];
  return new k8s.helm.v3.Release(
    name,
    {
      name,
      chart: pin.chart,
      version: pin.version,
      repositoryOpts: { repo: pin.repo },
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
