import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { image } from "../helm/catalog";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";
import { INTERNET_PEER, namespacePeer, tcp } from "../kubernetes/networkPolicy";
import { CLOUDFLARED_POD_LABELS, ORIGIN_CA_DIR } from "../../policies/facts/platform";

/** cloudflared's metrics server: /metrics, and /ready once it holds a connection to Cloudflare. */
export const CLOUDFLARED_METRICS_PORT = 2000;

/** Cloudflare's edge listens on 7844 (QUIC over UDP, HTTP/2 over TCP as the fallback). */
const EDGE_PORT = 7844;

/** What cloudflared needs to reach the origin (Traefik): its pods and ports, and the CA its certificate chains to. */
export interface TunnelOrigin {
  podLabels: Record<string, string>;
  ports: number[];
  /** ConfigMap (and key) holding the origin CA certificate cloudflared verifies the origin with. */
  ca: { configMapName: pulumi.Output<string>; key: string };
}

export interface CloudflaredArgs {
  namespace: pulumi.Input<string>;
  /** At least two, so draining a node never takes the tunnel down. */
  replicas: number;
  /** The Secret (and key) holding the tunnel's run token. */
  tokenSecret: { name: pulumi.Input<string>; key: string };
  /** Traefik's pods and ports cloudflared forwards to, and the CA it verifies Traefik with. */
  origin: TunnelOrigin;
  provider: k8s.Provider;
}

/**
 * The tunnel connector: cloudflared replicas running the remotely managed tunnel with the token
 * from a Secret, spread across nodes, with a PodDisruptionBudget, a readiness check that passes
 * only while connected to Cloudflare, and NetworkPolicies limiting it to Cloudflare's edge and
 * Traefik.
 */
export class Cloudflared extends pulumi.ComponentResource {
  readonly deploymentName: pulumi.Output<string>;

  constructor(name: string, args: CloudflaredArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:edge:Cloudflared", name, {}, opts);
    if (args.replicas < 2)
      throw new pulumi.ResourceError(`cloudflared needs at least 2 replicas, got ${args.replicas}`, this);
    const k8sOpts = { parent: this, provider: args.provider };
    const labels = { ...CLOUDFLARED_POD_LABELS };
    const metadata = { namespace: args.namespace, labels };

    const deployment = new k8s.apps.v1.Deployment(
      name,
      {
        metadata: { ...metadata, name: "cloudflared" },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: labels },
          // Never fewer connectors than asked for during a rollout.
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: { labels },
            spec: {
              // cloudflared never talks to the Kubernetes API.
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                seccompProfile: { type: "RuntimeDefault" },
              },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: "kubernetes.io/hostname",
                  whenUnsatisfiable: "DoNotSchedule",
                  // Tainted (data) nodes cannot take a connector, so they do not count as domains.
                  nodeTaintsPolicy: "Honor",
                  labelSelector: { matchLabels: labels },
                },
              ],
              terminationGracePeriodSeconds: 60,
              volumes: [{ name: "origin-ca", configMap: { name: args.origin.ca.configMapName } }],
              containers: [
                {
                  name: "cloudflared",
                  image: image("cloudflared"),
                  args: [
                    "tunnel",
                    "--no-autoupdate",
                    "--metrics",
                    `0.0.0.0:${CLOUDFLARED_METRICS_PORT}`,
                    "--loglevel",
                    "info",
                    "run",
                  ],
                  // `tunnel run` reads its token from TUNNEL_TOKEN.
                  env: [
                    {
                      name: "TUNNEL_TOKEN",
                      valueFrom: { secretKeyRef: { name: args.tokenSecret.name, key: args.tokenSecret.key } },
                    },
                  ],
                  ports: [{ name: "metrics", containerPort: CLOUDFLARED_METRICS_PORT, protocol: "TCP" }],
                  readinessProbe: {
                    httpGet: { path: "/ready", port: CLOUDFLARED_METRICS_PORT },
                    initialDelaySeconds: 5,
                    periodSeconds: 10,
                    failureThreshold: 3,
                  },
                  // A connector that cannot reach Cloudflare for a minute is restarted.
                  livenessProbe: {
                    httpGet: { path: "/ready", port: CLOUDFLARED_METRICS_PORT },
                    initialDelaySeconds: 30,
                    periodSeconds: 10,
                    failureThreshold: 6,
                  },
                  resources: {
                    requests: { cpu: "50m", memory: "64Mi" },
                    limits: { cpu: "500m", memory: "256Mi" },
                  },
                  volumeMounts: [{ name: "origin-ca", mountPath: ORIGIN_CA_DIR, readOnly: true }],
                  securityContext: RESTRICTED_CONTAINER,
                },
              ],
            },
          },
        },
      },
      k8sOpts,
    );

    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { ...metadata, name: "cloudflared" },
        spec: { minAvailable: 1, selector: { matchLabels: labels } },
      },
      k8sOpts,
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-egress`,
      {
        metadata: { ...metadata, name: "cloudflared-egress" },
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Egress"],
          egress: [
            {
              // Cloudflare's edge (tunnel connections) and API (443); never a private range, so a
              // connector cannot wander the VPC.
              to: [INTERNET_PEER],
              ports: [{ protocol: "UDP", port: EDGE_PORT }, ...tcp(EDGE_PORT, 443)],
            },
            {
              to: [{ podSelector: { matchLabels: args.origin.podLabels } }],
              ports: tcp(...args.origin.ports),
            },
          ],
        },
      },
      k8sOpts,
    );

    new k8s.networking.v1.NetworkPolicy(
      `${name}-metrics`,
      {
        metadata: { ...metadata, name: "cloudflared-metrics-from-monitoring" },
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ["Ingress"],
          ingress: [
            {
              from: [namespacePeer("monitoring")],
              ports: tcp(CLOUDFLARED_METRICS_PORT),
            },
          ],
        },
      },
      k8sOpts,
    );

    this.deploymentName = deployment.metadata.name;
    this.registerOutputs({ deploymentName: this.deploymentName });
  }
}
