import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease } from "../helm/helmRelease";
import { inNamespace, KUBERNETES_API_EGRESS, networkPolicy, tcp } from "./networkPolicies";
import { tokenNeeded } from "../kubernetes/podSecurity";

/** Helm release name; the chart's pods are `app.kubernetes.io/name: argo-rollouts`. */
const RELEASE = "argo-rollouts";
const POD_LABELS = { "app.kubernetes.io/name": "argo-rollouts", "app.kubernetes.io/instance": RELEASE };
const METRICS_PORT = 8090;

export interface ArgoRolloutsArgs {
  /** config.delivery.argocdHa: two controllers (leader election) with a budget. */
  ha: boolean;
  /** namespaces.name("argo-rollouts") */
  namespace: pulumi.Input<string>;
  /** The release that installs the Prometheus operator's CRDs, once the platform runs it. */
  prometheusOperator?: pulumi.Resource;
  provider: k8s.Provider;
}

/**
 * Argo Rollouts: the controller behind the services' canaries (production) and rolling updates
 * (staging). It installs the Rollout CRD the service chart uses. No dashboard: rollouts are
 * watched and promoted through ArgoCD's UI or `kubectl argo rollouts`.
 */
export class ArgoRollouts extends pulumi.ComponentResource {
  /** The Helm release: it installs the Rollout CRD. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: ArgoRolloutsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:delivery:ArgoRollouts", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    this.release = platformRelease(RELEASE, {
      chart: "argo-rollouts",
      namespace: args.namespace,
      values: {
        installCRDs: true,
        keepCRDs: true,
        controller: {
          replicas: args.ha ? 2 : 1,
          // A budget at one replica would block every node drain.
          pdb: { enabled: args.ha, maxUnavailable: 1 },
          logging: { format: "json" },
          podAnnotations: tokenNeeded("reconciles Rollouts and their ReplicaSets through the Kubernetes API"),
          resources: {
            requests: { cpu: "50m", memory: "128Mi" },
            limits: { cpu: "500m", memory: "512Mi" },
          },
          metrics: {
            enabled: true,
            serviceMonitor: { enabled: args.prometheusOperator !== undefined },
          },
        },
        // Only the controller runs here; the chart's defaults already run it non-root with no
        // escalation, ALL capabilities dropped, a read-only root and RuntimeDefault seccomp.
        dashboard: { enabled: false },
        // No traffic router: canary weights come from ReplicaSet sizes, so no mesh RBAC.
        providerRBAC: { enabled: false },
      },
      provider: args.provider,
      parent: this,
      dependsOn: args.prometheusOperator ? [args.prometheusOperator] : [],
    });

    const scope = { namespace: args.namespace, prefix: "argo-rollouts", opts: k8sOpts };
    networkPolicy(name, scope, "kubernetes-api", {
      podSelector: { matchLabels: POD_LABELS },
      policyTypes: ["Egress"],
      egress: [KUBERNETES_API_EGRESS],
    });
    networkPolicy(name, scope, "metrics-from-monitoring", {
      podSelector: { matchLabels: POD_LABELS },
      policyTypes: ["Ingress"],
      ingress: [{ from: [inNamespace("monitoring")], ports: [tcp(METRICS_PORT)] }],
    });

    this.registerOutputs({ release: this.release.name });
  }
}
