import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { platformRelease } from "../helm/helmRelease";
import { servicePeer, servicesUsing, type DataPlacement } from "./dataNetwork";
import { tcp } from "../kubernetes/networkPolicy";
import type { ContainerResources } from "../kubernetes/resources";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";

/** The stack's Valkey settings (prism:data.valkey). */
export interface ValkeyConfig {
  /** Whether the data survives a restart (a volume and append-only file). */
  persistence: boolean;
  storageGiB: number;
  /** The server container's requests and limits. */
  resources: ContainerResources;
  /** Valkey's `maxmemory` (e.g. "512mb"): below the memory limit, leaving room for forks and buffers. */
  maxmemory: string;
}

export interface ValkeyArgs {
  config: ValkeyConfig;
  /** With persistence, Pulumi refuses to delete the release, which owns the volume's claim. */
  protect: boolean;
  /** With persistence, the volume's StorageClass; DOKS's default when undefined. */
  storageClass?: string;
  /** namespaces.name("data") */
  namespace: pulumi.Input<string>;
  /** namespaces.name("prism"): where the services that use Valkey read `valkey-auth`. */
  clientNamespace: pulumi.Input<string>;
  placement: DataPlacement;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
}

/** Release and chart share the name, so every object (Deployment, Service, PVC) is called `valkey`. */
const RELEASE = "valkey";
export const VALKEY_PORT = 6379;
/** The Secret the services read in `prism`: host, port, username, password, url. */
export const VALKEY_CLIENT_SECRET = "valkey-auth";
/** The server's user passwords in `data` (key = password key of the ACL user). */
const USERS_SECRET = "valkey-users";
const PASSWORD_KEY = "password";
const SECRET_MOUNT = "/valkey-users";
const POD_LABELS = { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": RELEASE };

/**
 * Valkey (standalone) in `data`: ACL auth with a generated password for the `default` user, the
 * stack's persistence choice (append-only file on a volume, or a pure cache), and a NetworkPolicy
 * that admits only the services whose catalog entry uses Valkey. Those services read the
 * connection details from `valkey-auth` in `prism`.
 */
export class Valkey extends pulumi.ComponentResource {
  readonly host: pulumi.Output<string>;

  constructor(name: string, args: ValkeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:data:Valkey", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const { persistence, storageGiB, resources, maxmemory } = args.config;

    const rotation = rotationSchedule(`${name}-password`, args.credentialRotation, this);
    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 40, special: false, keepers: rotation.keepers },
      { parent: this, ...rotation.options },
    );
    const users = new k8s.core.v1.Secret(
      `${name}-users`,
      {
        metadata: { name: USERS_SECRET, namespace: args.namespace, labels: POD_LABELS },
        type: "Opaque",
        stringData: { [PASSWORD_KEY]: password.result },
      },
      k8sOpts,
    );

    this.host = pulumi.interpolate`${RELEASE}.${args.namespace}.svc.cluster.local`;
    new k8s.core.v1.Secret(
      `${name}-client`,
      {
        metadata: {
          name: VALKEY_CLIENT_SECRET,
          namespace: args.clientNamespace,
          labels: { "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: {
          host: this.host,
          port: String(VALKEY_PORT),
          username: "default",
          password: password.result,
          url: pulumi.secret(
            pulumi.interpolate`redis://default:${password.result}@${this.host}:${VALKEY_PORT}`,
          ),
        },
      },
      k8sOpts,
    );

    const clients = servicesUsing("valkey");
    const networkPolicy = new k8s.networking.v1.NetworkPolicy(
      `${name}-clients`,
      {
        metadata: { name: "valkey-clients", namespace: args.namespace },
        spec: {
          podSelector: { matchLabels: POD_LABELS },
          policyTypes: ["Ingress"],
          ingress: [{ from: clients.map(servicePeer), ports: tcp(VALKEY_PORT) }],
        },
      },
      k8sOpts,
    );

    // The probes must authenticate: an unauthenticated PING is refused once ACLs are on.
    const authenticatedPing = {
      exec: {
        command: [
          "sh",
          "-c",
          `valkey-cli --no-auth-warning -a "$(cat ${SECRET_MOUNT}/${PASSWORD_KEY})" ping | grep -q PONG`,
        ],
      },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    };
    const alive = {
      tcpSocket: { port: VALKEY_PORT },
      periodSeconds: 10,
      timeoutSeconds: 3,
      failureThreshold: 3,
    };

    const valkeyConfig = [
      `maxmemory ${maxmemory}`,
      // The services use Valkey as a cache (services/catalog.ts): evict the coldest keys when full.
      "maxmemory-policy allkeys-lru",
      // Persistence keeps the cache warm across restarts (append-only file on the volume).
      persistence ? "appendonly yes" : "appendonly no",
      persistence ? "appendfsync everysec" : 'save ""',
    ].join("\n");

    platformRelease(RELEASE, {
      chart: "valkey",
      namespace: args.namespace,
      values: {
        auth: {
          enabled: true,
          usersExistingSecret: users.metadata.name,
          aclUsers: { default: { permissions: "~* &* +@all", passwordKey: PASSWORD_KEY } },
        },
        extraValkeySecrets: [{ name: USERS_SECRET, mountPath: SECRET_MOUNT }],
        valkeyConfig,
        dataStorage: persistence
          ? {
              enabled: true,
              requestedSize: `${storageGiB}Gi`,
              keepPvc: true,
              ...(args.storageClass ? { className: args.storageClass } : {}),
            }
          : { enabled: false },
        // A ReadWriteOnce volume cannot be mounted by the next pod before the old one is gone.
        deploymentStrategy: persistence ? "Recreate" : "RollingUpdate",
        resources,
        initResources: {
          requests: { cpu: "10m", memory: "16Mi" },
          limits: { cpu: "100m", memory: "64Mi" },
        },
        serviceAccount: { create: true, automount: false },
        podSecurityContext: {
          fsGroup: 1000,
          runAsUser: 1000,
          runAsGroup: 1000,
          seccompProfile: { type: "RuntimeDefault" },
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 1000,
        },
        startupProbe: { enabled: true, customProbe: { ...alive, failureThreshold: 30 } },
        livenessProbe: { enabled: true, customProbe: alive },
        readinessProbe: { enabled: true, customProbe: authenticatedPing },
        nodeSelector: args.placement.nodeSelector,
        tolerations: args.placement.tolerations,
      },
      provider: args.provider,
      parent: this,
      dependsOn: [networkPolicy],
      // With persistence, the release owns the volume's claim.
      protect: persistence && args.protect,
    });

    this.registerOutputs({ host: this.host });
  }
}
