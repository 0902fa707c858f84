import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease } from "../helm/helmRelease";
import {
  ARGOCD_COMPONENTS,
  ARGOCD_METRICS_PORTS,
  ARGOCD_RELEASE,
  ARGOCD_SERVER_SERVICE,
  argoCdValues,
} from "./argocdValues";

import { INTERNET_HTTPS_EGRESS, networkPolicy, podsNamed, type PolicyScope } from "./networkPolicies";
import { namespacePeer, tcp, kubernetesApiEgress, type ClusterNetwork } from "../kubernetes/networkPolicy";
import { hostRoute, ingressRoute } from "../edge/traefikIngress";
import { TRAEFIK_POD_LABELS, platformHostname } from "../../policies/facts/platform";

export interface ArgoCdArgs {
  /** config.delivery.argocdHa: Redis HA and replicated components. */
  ha: boolean;
  /** config.baseDomain; the UI answers at argocd.<baseDomain>, behind Cloudflare Access. */
  baseDomain: string;
  /** config.delivery.repoUrl: the repository ArgoCD deploys from. */
  repoUrl: string;
  /** namespaces.name("argocd") */
  namespace: pulumi.Input<string>;
  /**
   * The release that installs the Prometheus operator's CRDs, once the platform runs it: ArgoCD's
   * ServiceMonitors are created only then (metrics Services exist either way).
   */
  prometheusOperator?: pulumi.Resource;
  /** The release that installs Traefik's IngressRoute CRD (TraefikIngress.release): the UI route waits for it. */
  ingressController: pulumi.Resource;
  /** The cluster's address plan, which locates the Kubernetes API for the egress policy. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

/**
 * Argo CD: the GitOps engine for the Prism services. Its UI is reachable only through the Cloudflare
 * tunnel at argocd.<baseDomain> (Access in front, then Traefik); nothing exposes it otherwise. TLS
 * ends at Traefik and the server runs with server.insecure on the cluster network, where only
 * Traefik's pods may reach it. In production Redis runs as Sentinel HA behind HAProxy and the
 * controller, repo-server, server and ApplicationSet controller run replicated with budgets.
 */
export class ArgoCd extends pulumi.ComponentResource {
  /** The Helm release: it installs the Application and AppProject CRDs. */
  readonly release: k8s.helm.v3.Release;
  /** The namespace Applications and AppProjects live in. */
  readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: ArgoCdArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:delivery:ArgoCd", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const hostname = platformHostname("argocd", args.baseDomain);

    this.release = platformRelease(ARGOCD_RELEASE, {
      chart: "argo-cd",
      namespace: args.namespace,
      values: argoCdValues({
        ha: args.ha,
        hostname,
        repoUrl: args.repoUrl,
        serviceMonitors: args.prometheusOperator !== undefined,
      }),
      provider: args.provider,
      parent: this,
      dependsOn: args.prometheusOperator ? [args.prometheusOperator] : [],
    });
    // The namespace itself, not the release's output: what lives there waits for the release only
    // when it needs the release (the Application CRD), not for its name.
    this.namespace = pulumi.output(args.namespace);

    // Beside the Service it routes to (Traefik resolves no cross-namespace services).
    ingressRoute(
      `${name}-ui`,
      { name: "argocd-server", namespace: args.namespace },
      hostRoute(hostname, { name: ARGOCD_SERVER_SERVICE.name, port: ARGOCD_SERVER_SERVICE.port }),
      { ...k8sOpts, dependsOn: [this.release, args.ingressController] },
    );

    this.networkPolicies(
      name,
      { namespace: args.namespace, prefix: "argocd", opts: k8sOpts },
      args.clusterNetwork,
    );
    this.registerOutputs({ release: this.release.name, namespace: this.namespace });
  }

  private networkPolicies(name: string, scope: PolicyScope, clusterNetwork: ClusterNetwork): void {
    const c = ARGOCD_COMPONENTS;
    // The components talk to each other (server and controller to repo-server and Redis, Redis
    // HA's Sentinels and HAProxy among themselves); all of it stays inside the namespace.
    networkPolicy(name, scope, "internal", {
      podSelector: {},
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: {} }] }],
      egress: [{ to: [{ podSelector: {} }] }],
    });
    // The UI and API, from Traefik only (which Cloudflare Access fronts).
    networkPolicy(name, scope, "server-from-traefik", {
      podSelector: { matchLabels: { "app.kubernetes.io/name": c.server } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [namespacePeer("edge", { ...TRAEFIK_POD_LABELS })],
          ports: tcp(ARGOCD_SERVER_SERVICE.containerPort),
        },
      ],
    });
    networkPolicy(name, scope, "metrics-from-monitoring", {
      podSelector: podsNamed([c.controller, c.server, c.repoServer]),
      policyTypes: ["Ingress"],
      ingress: [{ from: [namespacePeer("monitoring")], ports: tcp(...Object.values(ARGOCD_METRICS_PORTS)) }],
    });
    // Everything that watches or changes cluster state, including the job that creates Redis's
    // password Secret. The controller applies the services' manifests through the API server too.
    networkPolicy(name, scope, "kubernetes-api", {
      podSelector: podsNamed([c.controller, c.server, c.applicationSet, c.redisSecretInit]),
      policyTypes: ["Egress"],
      egress: [kubernetesApiEgress(clusterNetwork)],
    });
    // Git over HTTPS: the repo-server clones this repository; ApplicationSet generators may list it.
    networkPolicy(name, scope, "git", {
      podSelector: podsNamed([c.repoServer, c.applicationSet]),
      policyTypes: ["Egress"],
      egress: [INTERNET_HTTPS_EGRESS],
    });
  }
}
