/**
 * The Prometheus operator's CRDs that other releases and resources create objects of
 * (ServiceMonitor, PodMonitor, PrometheusRule), installed on their own from the vendored
 * kube-prometheus-stack archive ahead of any release. Fluent Bit's ServiceMonitor and the
 * platform's rules then wait seconds for a CRD, not minutes for the whole Prometheus stack.
 * The chart's other CRDs stay with the chart: Helm installs the CRDs of its crds/ folder that do
 * not exist yet and skips these. Pulumi, unlike Helm, also updates them when the chart is bumped.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { chartArchiveFile } from "../helm/chartArchive";

/** The CRD files (kube-prometheus-stack/charts/crds/crds/crd-<name>.yaml) installed ahead. */
export const EARLY_PROMETHEUS_CRDS = ["servicemonitors", "podmonitors", "prometheusrules"] as const;

export interface PrometheusCrdsArgs {
  provider: k8s.Provider;
}

export class PrometheusCrds extends pulumi.ComponentResource {
  /** The CRD resources: what a ServiceMonitor, PodMonitor or PrometheusRule waits for. */
  readonly crds: k8s.apiextensions.v1.CustomResourceDefinition[];

  constructor(name: string, args: PrometheusCrdsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:PrometheusCrds", name, {}, opts);
    this.crds = EARLY_PROMETHEUS_CRDS.map((crd) => {
      const file = `kube-prometheus-stack/charts/crds/crds/crd-${crd}.yaml`;
      const doc: unknown = parse(chartArchiveFile("kube-prometheus-stack", file));
      if (!isCrd(doc))
        throw new Error(`${file} in the kube-prometheus-stack archive is not a CustomResourceDefinition`);
      return new k8s.apiextensions.v1.CustomResourceDefinition(
        `${name}-${crd}`,
        { metadata: doc.metadata, spec: doc.spec },
        // Deleting a CRD deletes every object of its kind, cluster-wide: never as a side effect.
        { parent: this, provider: args.provider, retainOnDelete: true },
      );
    });
    this.registerOutputs({});
  }
}

interface CrdDocument {
  kind: "CustomResourceDefinition";
  metadata: k8s.types.input.meta.v1.ObjectMeta;
  spec: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec;
}

function isCrd(doc: unknown): doc is CrdDocument {
  return (
    typeof doc === "object" &&
    doc !== null &&
    "kind" in doc &&
    doc.kind === "CustomResourceDefinition" &&
    "metadata" in doc &&
    typeof doc.metadata === "object" &&
    "spec" in doc &&
    typeof doc.spec === "object"
  );
}
