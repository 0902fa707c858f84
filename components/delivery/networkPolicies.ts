/**
 * Small builders for the delivery namespaces' allow rules. Every platform namespace starts from a
 * default deny with DNS allowed (PlatformNamespaces); these add the narrow paths Argo CD, Image
 * Updater and Argo Rollouts need.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { internetEgress } from "../kubernetes/networkPolicy";

type Spec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** HTTPS to the internet (Git hosting, container registries), never into private ranges. */
export const INTERNET_HTTPS_EGRESS = internetEgress(443);

export interface PolicyScope {
  namespace: pulumi.Input<string>;
  /** Physical-name prefix (e.g. "argocd"): policies are `<prefix>-<suffix>`. */
  prefix: string;
  opts: pulumi.CustomResourceOptions;
}

/** One NetworkPolicy named `<prefix>-<suffix>` in the scope's namespace. */
export function networkPolicy(
  name: string,
  scope: PolicyScope,
  suffix: string,
  spec: Spec,
): k8s.networking.v1.NetworkPolicy {
  return new k8s.networking.v1.NetworkPolicy(
    `${name}-${suffix}`,
    {
      metadata: {
        name: `${scope.prefix}-${suffix}`,
        namespace: scope.namespace,
        labels: { "app.kubernetes.io/part-of": "prism-delivery" },
      },
      spec,
    },
    scope.opts,
  );
}

/** Pods whose `app.kubernetes.io/name` is one of `names`. */
export function podsNamed(names: string[]): k8s.types.input.meta.v1.LabelSelector {
  return { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: names }] };
}
