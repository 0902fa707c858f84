/**
 * Custom resources (Rollout-less CRDs: IngressRoute, Application, PrometheusRule, ExternalSecret,
 * SpiceDBCluster, …) are created through one typed constructor per kind, so a misspelt spec field is
 * a compile error rather than a key the operator silently ignores.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** The metadata the platform sets on custom resources; a kind may narrow it (e.g. require a namespace). */
export interface CustomResourceMeta {
  name: pulumi.Input<string>;
  namespace?: pulumi.Input<string>;
  labels?: Record<string, string>;
  annotations?: Record<string, pulumi.Input<string>>;
}

/** A typed constructor for the custom resource `apiVersion`/`kind` with spec type `Spec`. */
export function customResourceKind<Spec, Meta extends CustomResourceMeta = CustomResourceMeta>(
  apiVersion: string,
  kind: string,
) {
  return (
    name: string,
    metadata: Meta,
    spec: Spec,
    opts: pulumi.CustomResourceOptions,
  ): k8s.apiextensions.CustomResource =>
    new k8s.apiextensions.CustomResource(name, { apiVersion, kind, metadata, spec }, opts);
}
