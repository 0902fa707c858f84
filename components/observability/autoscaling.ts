import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease, type HelmValues } from "../helm/helmRelease";
import { kubeApiPolicy } from "./network";
import type { ClusterNetwork } from "../kubernetes/networkPolicy";
import { tokenNeeded } from "../kubernetes/podSecurity";

export const VPA_RECOMMENDER_POD_LABELS = {
  "app.kubernetes.io/name": "vpa",
  "app.kubernetes.io/component": "recommender",
} as const;

export interface AutoscalingArgs {
  /** Namespace monitoring. */
  namespace: pulumi.Input<string>;
  /** The cluster's address plan, which locates the Kubernetes API the recommender reads. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

const restrictedContainer = {
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
};
const restrictedPod = { runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: "RuntimeDefault" } };

/**
 * The Vertical Pod Autoscaler's recommender (and its CRDs), for the services the catalog marks
 * `vpa: true`: their VerticalPodAutoscalers run in recommendation mode (updateMode "Off"), so
 * something must compute the recommendations, and nothing may act on them. The updater (which
 * evicts pods to resize them) and the admission controller (a mutating webhook on every pod
 * creation) are therefore not installed: less to run, no pod evictions the rollouts do not control,
 * and no cluster-wide webhook in the pod-creation path.
 *
 * It runs in namespace monitoring, beside the metrics it is about, rather than kube-system, which
 * this program does not manage (no Pod Security labels or default-deny policies of ours there).
 *
 * metrics-server, which the recommender reads (through the API server's metrics.k8s.io), is not
 * installed here: DOKS runs it as a managed cluster component. The vpa chart's bundled
 * metrics-server stays disabled, and test/observability.test.ts asserts no release installs it.
 */
export class Autoscaling extends pulumi.ComponentResource {
  constructor(name: string, args: AutoscalingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:Autoscaling", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    // The recommender reads pods, VPAs and metrics.k8s.io, and writes VPA status and checkpoints.
    const api = kubeApiPolicy(
      `${name}-api`,
      { name: "allow-vpa-recommender-kube-api", namespace: args.namespace },
      { ...VPA_RECOMMENDER_POD_LABELS },
      args.clusterNetwork,
      k8sOpts,
    );

    const values: HelmValues = {
      recommender: {
        enabled: true,
        replicaCount: 1,
        extraArgs: { v: "2" },
        podAnnotations: tokenNeeded("watches pods and writes VerticalPodAutoscaler recommendations"),
        image: { pullPolicy: "IfNotPresent" },
        podSecurityContext: restrictedPod,
        securityContext: restrictedContainer,
        resources: { requests: { cpu: "50m", memory: "256Mi" }, limits: { cpu: "500m", memory: "1Gi" } },
      },
      updater: { enabled: false },
      admissionController: { enabled: false },
      "metrics-server": { enabled: false },
      // It needs its token to watch pods and write recommendations.
      serviceAccount: { create: true, automountServiceAccountToken: true },
    };

    platformRelease("vpa", {
      chart: "vpa",
      namespace: args.namespace,
      values,
      provider: args.provider,
      parent: this,
      dependsOn: [api],
    });
    this.registerOutputs({});
  }
}
