import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease } from "../helm/helmRelease";
import { servicePeer, servicesUsing, type DataPlacement } from "./dataNetwork";
import { tcp } from "../kubernetes/networkPolicy";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";
import type { ContainerResources } from "../kubernetes/resources";

/** The stack's NATS settings (prism:data.nats). */
export interface NatsConfig {
  /** JetStream servers: 1, or an odd number for a Raft quorum. */
  replicas: 1 | 3 | 5;
  storageGiB: number;
  /** Each server container's requests and limits. */
  resources: ContainerResources;
  /** The Go heap's soft limit (GOMEMLIMIT, e.g. "900MiB"): below the memory limit, so GC runs before the OOM killer. */
  goMemLimit: string;
}

export interface NatsArgs {
  config: NatsConfig;
  /** Pulumi refuses to delete the release, which owns the JetStream volumes' claims. */
  protect: boolean;
  /** The StorageClass of the JetStream volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** namespaces.name("data") */
  namespace: pulumi.Input<string>;
  placement: DataPlacement;
  provider: k8s.Provider;
}

const RELEASE = "nats";
export const NATS_PORTS = { client: 4222, cluster: 6222, monitor: 8222 } as const;
const POD_LABELS = {
  "app.kubernetes.io/name": "nats",
  "app.kubernetes.io/instance": RELEASE,
  "app.kubernetes.io/component": "nats",
};
/** The image's nats user is root; run as an unprivileged id and let the volume follow (fsGroup). */
const UID = 1000;

const containerSecurityContext = { ...RESTRICTED_CONTAINER, runAsUser: UID, runAsGroup: UID };

/**
 * NATS with JetStream on file storage in `data`: a clustered StatefulSet (routes between the
 * pods, spread over nodes, with a disruption budget) when the stack asks for more than one
 * replica, a single server otherwise. Only the services whose catalog entry uses NATS may connect.
 */
export class Nats extends pulumi.ComponentResource {
  /** nats://nats.data.svc.cluster.local:4222 */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: NatsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:data:Nats", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const { replicas, storageGiB, resources, goMemLimit } = args.config;
    const clustered = replicas > 1;
    const servers = { matchLabels: POD_LABELS };

    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-policy`,
      {
        metadata: { name: "nats", namespace: args.namespace },
        spec: {
          podSelector: servers,
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            { from: servicesUsing("nats").map(servicePeer), ports: tcp(NATS_PORTS.client) },
            // Cluster routes between the servers (JetStream replication and Raft).
            { from: [{ podSelector: servers }], ports: tcp(NATS_PORTS.cluster) },
          ],
          egress: [{ to: [{ podSelector: servers }], ports: tcp(NATS_PORTS.cluster) }],
        },
      },
      k8sOpts,
    );

    platformRelease(RELEASE, {
      chart: "nats",
      namespace: args.namespace,
      values: {
        config: {
          // The chart renders `replicas` pods only in cluster mode; one server otherwise.
          cluster: { enabled: clustered, replicas: clustered ? replicas : 1 },
          jetstream: {
            enabled: true,
            fileStore: {
              enabled: true,
              pvc: {
                enabled: true,
                size: `${storageGiB}Gi`,
                ...(args.storageClass ? { storageClassName: args.storageClass } : {}),
              },
            },
            memoryStore: { enabled: false },
          },
          // /healthz on 8222 backs the chart's startup, readiness and liveness probes.
          monitor: { enabled: true },
        },
        container: {
          resources,
          // Keep the Go heap under the container's limit.
          env: { GOMEMLIMIT: goMemLimit },
          merge: { securityContext: containerSecurityContext },
        },
        // The config reloader sidecar shares the pod's process namespace to signal the server, and
        // provides the writable pid directory the lame-duck shutdown uses.
        reloader: {
          enabled: true,
          merge: {
            securityContext: containerSecurityContext,
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "50m", memory: "64Mi" } },
            // It serves no port: live while its process runs (the shared process namespace shows
            // it), ready once the config it watches and the server's pid file it signals exist.
            livenessProbe: {
              exec: { command: ["pgrep", "-f", "nats-server-config-reloader"] },
              periodSeconds: 30,
            },
            readinessProbe: {
              exec: {
                command: ["sh", "-c", "test -r /etc/nats-config/nats.conf && test -s /var/run/nats/nats.pid"],
              },
              periodSeconds: 10,
            },
          },
        },
        podTemplate: {
          merge: {
            spec: {
              automountServiceAccountToken: false,
              ...args.placement,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: UID,
                runAsGroup: UID,
                fsGroup: UID,
                seccompProfile: { type: "RuntimeDefault" },
              },
            },
          },
          // One server per node, so a node loss costs JetStream at most one replica.
          topologySpreadConstraints: clustered
            ? { "kubernetes.io/hostname": { maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" } }
            : {},
        },
        // A budget over a single pod would block every node drain.
        podDisruptionBudget: { enabled: clustered },
        // The debugging box is not needed in the cluster; `kubectl run` one when it is.
        natsBox: { enabled: false },
      },
      provider: args.provider,
      parent: this,
      dependsOn: [networkPolicy],
      // The StatefulSet owns the JetStream volumes' claims.
      protect: args.protect,
    });

    this.url = pulumi.interpolate`nats://${RELEASE}.${args.namespace}.svc.cluster.local:${NATS_PORTS.client}`;
    this.registerOutputs({ url: this.url });
  }
}
