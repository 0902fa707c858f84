import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  AGENTS_PORT,
  CLOUDFLARED_POD_LABELS,
  ORIGIN_CA_KEY,
  PLATFORM_HOSTS,
  platformHostname,
  TRAEFIK_POD_LABELS,
  TRAEFIK_RELEASE,
} from "../../policies/facts/platform";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { platformRelease, type HelmValues } from "../helm/helmRelease";
import type { TunnelOrigin } from "./cloudflared";
import { clusterTls } from "../tls/clusterTls";
import { customResourceKind } from "../kubernetes/customResource";
import { tokenNeeded } from "../kubernetes/podSecurity";
import { kubernetesApiEgress, namespacePeer, tcp, type ClusterNetwork } from "../kubernetes/networkPolicy";

/** Helm release name; the chart names its Service and pods after it. */
const RELEASE = TRAEFIK_RELEASE;

/** Container ports of the entry points (the Service maps 80 → web, 443 → websecure). */
export const TRAEFIK_PORTS = { web: 8000, websecure: 8443, traefik: 8080, metrics: 9100 } as const;

const CVM_AGENTS_ENTRY_POINT = "cvm-agents";

export interface TraefikIngressArgs {
  /** Physical names that must be unique (the DigitalOcean load balancer) carry the stack. */
  stack: string;
  replicas: number;
  /**
   * Traefik's dashboard on the `traefik` entry point, which is never exposed and has no route: a
   * port-forward is the only way to it. Without it that entry point answers the kubelet's /ping only.
   */
  dashboard: boolean;
  /** Namespace edge. */
  namespace: pulumi.Input<string>;
  /** Namespace prism, where the Backends service and its 7018 route live. */
  backendsNamespace: pulumi.Input<string>;
  /** The only sources allowed to reach 7018: the confidential-VM networks' egress ranges. */
  agentSourceRanges: pulumi.Input<pulumi.Input<string>[]>;
  /** The cluster's pod CIDR: X-Forwarded-* headers are trusted from cloudflared, nobody else. */
  podCidr: string;
  /** The zone of the platform hostnames, which Traefik's origin certificate covers. */
  baseDomain: string;
  /** The cluster's address plan, which locates the Kubernetes API for the egress policy. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

/** Secret with Traefik's default certificate, and ConfigMap with the CA it chains to. */
const ORIGIN_TLS_SECRET = "traefik-origin-tls";
const ORIGIN_CA_CONFIGMAP = "traefik-origin-ca";

/** Traefik's TCP route: the subset of the IngressRouteTCP CRD (traefik.io/v1alpha1) the platform uses. */
export interface IngressRouteTcpSpec {
  entryPoints: string[];
  routes: { match: string; services: { name: string; port: number; namespace?: string }[] }[];
  tls?: { passthrough: boolean };
}

export const ingressRouteTcp = customResourceKind<
  IngressRouteTcpSpec,
  { name: string; namespace: pulumi.Input<string>; labels?: Record<string, string> }
>("traefik.io/v1alpha1", "IngressRouteTCP");

/** Traefik's HTTP route: the subset of the IngressRoute CRD (traefik.io/v1alpha1) the platform uses. */
export interface IngressRouteSpec {
  entryPoints: string[];
  routes: {
    match: string;
    kind: "Rule";
    services: { name: string; port: number; scheme?: "http" | "https" | "h2c" }[];
  }[];
  /** `{}`: TLS with Traefik's default certificate (Cloudflare terminates the public TLS). */
  tls?: Record<string, never>;
}

export const ingressRoute = customResourceKind<
  IngressRouteSpec,
  { name: string; namespace: pulumi.Input<string>; labels?: Record<string, string> }
>("traefik.io/v1alpha1", "IngressRoute");

/**
 * A route for one UI behind the tunnel: its hostname on the TLS entry point, to one Service in
 * the route's own namespace (Traefik resolves no cross-namespace services here).
 */
export function hostRoute(hostname: string, service: { name: string; port: number }): IngressRouteSpec {
  return {
    entryPoints: ["websecure"],
    routes: [{ match: `Host(\`${hostname}\`)`, kind: "Rule", services: [service] }],
    tls: {},
  };
}

/**
 * Traefik, the platform's only ingress. HTTP(S) arrives solely through the Cloudflare tunnel, so
 * its Service is ClusterIP; 80 redirects to 443; the dashboard, where a stack has it, is never
 * exposed. The CVM agents' 7018 is the one public entry: a dedicated DigitalOcean load balancer
 * restricted to the confidential-VM networks, passing TLS through to the Backends service.
 */
export class TraefikIngress extends pulumi.ComponentResource {
  /** Where cloudflared sends traffic: Traefik's Service, TLS entry point. */
  readonly originUrl: pulumi.Output<string>;
  /** The 7018 load balancer Service; its status carries the public address. */
  readonly cvmAgentsService: k8s.core.v1.Service;
  /** Traefik's pod labels and the container ports cloudflared may reach. */
  readonly origin: TunnelOrigin;
  /** The Helm release: it installs the IngressRoute and IngressRouteTCP CRDs. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: TraefikIngressArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:edge:TraefikIngress", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const podLabels = { ...TRAEFIK_POD_LABELS };

    // Traefik's default certificate, from a CA of its own, so cloudflared verifies the in-cluster
    // hop: it covers every platform hostname (cloudflared sends SNI = the public hostname).
    const originCert = clusterTls(
      `${name}-origin`,
      {
        caCommonName: `Prism Traefik origin CA (${args.stack})`,
        serverCommonName: `${RELEASE}.edge.svc.cluster.local`,
        dnsNames: [
          ...PLATFORM_HOSTS.map((h) => platformHostname(h.label, args.baseDomain)),
          RELEASE,
          `${RELEASE}.edge`,
          `${RELEASE}.edge.svc`,
          `${RELEASE}.edge.svc.cluster.local`,
        ],
      },
      this,
    );
    const originTls = new k8s.core.v1.Secret(
      `${name}-origin-tls`,
      {
        metadata: { name: ORIGIN_TLS_SECRET, namespace: args.namespace },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": originCert.certPem, "tls.key": originCert.keyPem },
      },
      k8sOpts,
    );
    const originCa = new k8s.core.v1.ConfigMap(
      `${name}-origin-ca`,
      {
        metadata: { name: ORIGIN_CA_CONFIGMAP, namespace: args.namespace },
        data: { [ORIGIN_CA_KEY]: originCert.caCertPem },
      },
      k8sOpts,
    );

    const values: HelmValues = {
      // Every TLS router without its own certificate serves the origin certificate.
      tlsStore: { default: { defaultCertificate: { secretName: ORIGIN_TLS_SECRET } } },
      deployment: {
        replicas: args.replicas,
        terminationGracePeriodSeconds: 60,
        podAnnotations: tokenNeeded(
          "watches IngressRoutes, Services and EndpointSlices for its routing table",
        ),
      },
      // With one replica a budget would block every node drain.
      podDisruptionBudget: { enabled: args.replicas > 1, minAvailable: 1 },
      core: { strictTLSOptions: true },
      global: { checkNewVersion: false, sendAnonymousUsage: false },
      // The dashboard on the `traefik` entry point (8080), reachable by port-forward only.
      api: { dashboard: args.dashboard },
      ingressRoute: { dashboard: { enabled: false } },
      providers: { kubernetesCRD: { allowCrossNamespace: false, allowExternalNameServices: false } },
      ports: {
        traefik: { expose: { default: false } },
        web: {
          http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
          forwardedHeaders: { trustedIPs: [args.podCidr] },
        },
        websecure: {
          http: { tls: { enabled: true } },
          forwardedHeaders: { trustedIPs: [args.podCidr] },
        },
        metrics: { expose: { default: false } },
        // Not exposed on the chart's Service: its own load balancer below carries 7018. Agents hold
        // long-lived gRPC streams, so the pass-through has no read deadline.
        [CVM_AGENTS_ENTRY_POINT]: {
          port: AGENTS_PORT,
          exposedPort: AGENTS_PORT,
          protocol: "TCP",
          expose: { default: false },
          transport: { respondingTimeouts: { readTimeout: "0s" } },
        },
      },
      // Traffic comes in through the tunnel, never a public load balancer.
      service: { spec: { type: "ClusterIP" } },
      log: { format: "json", level: "INFO" },
      accessLog: { enabled: true, format: "json" },
      resources: {
        requests: { cpu: "100m", memory: "128Mi" },
        limits: { cpu: "1", memory: "512Mi" },
      },
      readinessProbe: { failureThreshold: 1, initialDelaySeconds: 2, periodSeconds: 10, timeoutSeconds: 2 },
      livenessProbe: { failureThreshold: 3, initialDelaySeconds: 2, periodSeconds: 10, timeoutSeconds: 2 },
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "kubernetes.io/hostname",
          whenUnsatisfiable: "ScheduleAnyway",
          labelSelector: { matchLabels: podLabels },
        },
      ],
      // PSA restricted: non-root, no escalation, no capabilities, RuntimeDefault seccomp.
      podSecurityContext: {
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        seccompProfile: { type: "RuntimeDefault" },
      },
      securityContext: {
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        readOnlyRootFilesystem: true,
      },
    };

    const release = (this.release = platformRelease(RELEASE, {
      chart: "traefik",
      namespace: args.namespace,
      values,
      provider: args.provider,
      parent: this,
      dependsOn: [originTls],
    }));

    // The chart's Service is named after the release (it contains the chart name).
    this.originUrl = pulumi.interpolate`https://${release.name}.${release.namespace}.svc.cluster.local:443`;

    this.cvmAgentsService = new k8s.core.v1.Service(
      `${name}-cvm-agents`,
      {
        metadata: {
          name: "traefik-cvm-agents",
          namespace: args.namespace,
          labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/component": "cvm-agents" },
          annotations: {
            "service.beta.kubernetes.io/do-loadbalancer-name": `prism-${args.stack}-cvm-agents`,
            "service.beta.kubernetes.io/do-loadbalancer-protocol": "tcp",
          },
        },
        spec: {
          type: "LoadBalancer",
          selector: podLabels,
          ports: [{ name: "cvm-agents", port: AGENTS_PORT, targetPort: AGENTS_PORT, protocol: "TCP" }],
          loadBalancerSourceRanges: args.agentSourceRanges,
          // Only nodes running Traefik take traffic, with no second kube-proxy hop between nodes.
          externalTrafficPolicy: "Local",
        },
      },
      // No dependsOn on the release: the load balancer provisions while Traefik rolls out, and
      // Pulumi's readiness wait for the Service covers the endpoints appearing (the plan's critical
      // path flagged the serialisation: 33 s on a cold deploy).
      k8sOpts,
    );

    // Next to the Service it routes to, so Traefik needs no cross-namespace references.
    ingressRouteTcp(
      `${name}-cvm-agents-route`,
      { name: "backends-cvm-agents", namespace: args.backendsNamespace },
      {
        entryPoints: [CVM_AGENTS_ENTRY_POINT],
        routes: [{ match: "HostSNI(`*`)", services: [{ name: "backends", port: AGENTS_PORT }] }],
        tls: { passthrough: true },
      },
      { ...k8sOpts, dependsOn: [release] }, // the chart installs the CRD
    );

    this.networkPolicies(name, args, podLabels, k8sOpts);

    this.origin = {
      podLabels,
      ports: [TRAEFIK_PORTS.websecure, TRAEFIK_PORTS.web],
      ca: { configMapName: originCa.metadata.name, key: ORIGIN_CA_KEY },
    };
    this.registerOutputs({
      originUrl: this.originUrl,
      cvmAgentsService: this.cvmAgentsService.metadata.name,
    });
  }

  private networkPolicies(
    name: string,
    args: TraefikIngressArgs,
    podLabels: Record<string, string>,
    k8sOpts: pulumi.CustomResourceOptions,
  ): void {
    const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: { name: `traefik-${suffix}`, namespace: args.namespace }, spec },
        k8sOpts,
      );

    policy("from-cloudflared", {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [{ podSelector: { matchLabels: { ...CLOUDFLARED_POD_LABELS } } }],
          ports: tcp(TRAEFIK_PORTS.websecure, TRAEFIK_PORTS.web),
        },
      ],
    });
    // Any source here: the load balancer's loadBalancerSourceRanges do the restricting.
    policy("cvm-agents-from-lb", {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(AGENTS_PORT) }],
    });
    policy("metrics-from-monitoring", {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Ingress"],
      ingress: [{ from: [namespacePeer("monitoring")], ports: tcp(TRAEFIK_PORTS.metrics) }],
    });

    // Traefik reaches the namespaces it routes to, and the Kubernetes API it watches routes on.
    const upstreams = [...new Set<PlatformNamespace>(["prism", ...PLATFORM_HOSTS.map((h) => h.namespace)])];
    policy("egress", {
      podSelector: { matchLabels: podLabels },
      policyTypes: ["Egress"],
      egress: [{ to: upstreams.map((ns) => namespacePeer(ns)) }, kubernetesApiEgress(args.clusterNetwork)],
    });
  }
}
