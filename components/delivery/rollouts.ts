import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease } from "../helm/helmRelease";
import { PROMETHEUS_POD_LABELS, PROMETHEUS_SERVICE } from "../observability/prometheusValues";
import { networkPolicy } from "./networkPolicies";
import { namespacePeer, tcp, kubernetesApiEgress, type ClusterNetwork } from "../kubernetes/networkPolicy";
import { tokenNeeded } from "../kubernetes/podSecurity";

/** Helm release name; the chart's pods are `app.kubernetes.io/name: argo-rollouts`. */
const RELEASE = "argo-rollouts";
export const ARGO_ROLLOUTS_POD_LABELS = {
  "app.kubernetes.io/name": "argo-rollouts",
  "app.kubernetes.io/instance": RELEASE,
} as const;
const POD_LABELS = ARGO_ROLLOUTS_POD_LABELS;

/**
 * Traefik v3 serves its CRDs under traefik.io only; the pinned controller (v1.9.0) still defaults
 * to the Traefik v2 group traefik.containo.us and would find no TraefikService.
 */
export const TRAEFIK_API_ARGS = [
  "--traefik-api-group=traefik.io",
  "--traefik-api-version=traefik.io/v1alpha1",
];
const METRICS_PORT = 8090;

export interface ArgoRolloutsArgs {
  /** config.delivery.argocdHa: two controllers (leader election) with a budget. */
  ha: boolean;
  /** namespaces.name("argo-rollouts") */
  namespace: pulumi.Input<string>;
  /** The release that installs the Prometheus operator's CRDs, once the platform runs it. */
  prometheusOperator?: pulumi.Resource;
  /** The cluster's address plan, which locates the Kubernetes API for the egress policy. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

/**
 * Argo Rollouts: the controller behind the services' canaries (production) and rolling updates
 * (staging). It installs the Rollout and AnalysisTemplate CRDs the service chart uses, runs the
 * analyses against Prometheus and sets the canary weights on the services' TraefikServices. No
 * dashboard: rollouts are watched and promoted through ArgoCD's UI or `kubectl argo rollouts`.
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
          extraArgs: TRAEFIK_API_ARGS,
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
        // Traefik is the one traffic router (TraefikServices); no other provider's RBAC.
        providerRBAC: {
          enabled: true,
          providers: {
            istio: false,
            smi: false,
            ambassador: false,
            awsLoadBalancerController: false,
            awsAppMesh: false,
            traefik: true,
            apisix: false,
            contour: false,
            glooPlatform: false,
            gatewayAPI: false,
          },
        },
      },
      provider: args.provider,
      parent: this,
      dependsOn: args.prometheusOperator ? [args.prometheusOperator] : [],
    });

    const scope = { namespace: args.namespace, prefix: "argo-rollouts", opts: k8sOpts };
    networkPolicy(name, scope, "kubernetes-api", {
      podSelector: { matchLabels: POD_LABELS },
      policyTypes: ["Egress"],
      egress: [kubernetesApiEgress(args.clusterNetwork)],
    });
    // The canary analyses' queries (the monitoring namespace admits them: monitoringNetworkPolicies).
    networkPolicy(name, scope, "prometheus-queries", {
      podSelector: { matchLabels: POD_LABELS },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [namespacePeer("monitoring", { ...PROMETHEUS_POD_LABELS })],
          ports: tcp(PROMETHEUS_SERVICE.port),
        },
      ],
    });
    networkPolicy(name, scope, "metrics-from-monitoring", {
      podSelector: { matchLabels: POD_LABELS },
      policyTypes: ["Ingress"],
      ingress: [{ from: [namespacePeer("monitoring")], ports: tcp(METRICS_PORT) }],
    });

    this.registerOutputs({ release: this.release.name });
  }
}
