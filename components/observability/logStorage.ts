import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { platformRelease } from "../helm/helmRelease";
import { hostRoute, ingressRoute } from "../edge/traefikIngress";
import { FLUENT_BIT_POD_LABELS } from "./logShipping";
import { LogRetention } from "./logRetention";
import { networkPolicy, sameNamespacePolicy } from "./network";
import { namespacePeer, tcp } from "../kubernetes/networkPolicy";
import {
  ADMIN_SECRET,
  DASHBOARDS_ACCOUNT_SECRET,
  DASHBOARDS_POD_LABELS,
  DASHBOARDS_SERVICE,
  dashboardsValues,
  OPENSEARCH_ADMIN_USER,
  OPENSEARCH_HTTP_PORT,
  OPENSEARCH_POD_LABELS,
  OPENSEARCH_SERVICE,
  OPENSEARCH_TIMEOUT_SECONDS,
  opensearchValues,
  type LogsConfig,
} from "./opensearchValues";
import { JAEGER_POD_LABELS } from "./tracing";
import { TRAEFIK_POD_LABELS, platformHostname } from "../../policies/facts/platform";

/** Where OpenSearch runs; clients in other namespaces address it by this name. */
const LOGGING: PlatformNamespace = "logging";

export interface LogStorageArgs {
  baseDomain: string;
  /** Pulumi refuses to delete the OpenSearch release, and with it the log history. */
  protect: boolean;
  /** The StorageClass of OpenSearch's volumes; DOKS's default when undefined. */
  storageClass?: string;
  config: LogsConfig;
  /** Namespace logging. */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
  /** The image the retention Job runs (curl, pinned). */
  retentionJobImage: string;
  /** What installs Traefik's IngressRoute CRD (the Traefik component); the route waits for it. */
  ingress?: pulumi.Resource;
}

/**
 * OpenSearch and OpenSearch Dashboards in namespace logging: replicas and storage per stack, a
 * generated admin password that never leaves Pulumi secrets and Kubernetes Secrets, the retention
 * policy for the log indices, and Dashboards reachable only through the `logs` Access hostname.
 */
export class LogStorage extends pulumi.ComponentResource {
  /** OpenSearch's HTTP API inside the cluster. */
  readonly url: string;
  readonly adminUser = OPENSEARCH_ADMIN_USER;
  /** The admin password (a Pulumi secret), for the log shipper and Jaeger. */
  readonly adminPassword: pulumi.Output<string>;
  /** Replicas per index shard: 0 on a single node, else 1. */
  readonly indexReplicas: number;
  readonly logsHostname: string;
  /** The OpenSearch release: clients wait for it. */
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: LogStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:LogStorage", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const { namespace, config } = args;
    this.url = `https://${OPENSEARCH_SERVICE}.${LOGGING}.svc:${OPENSEARCH_HTTP_PORT}`;
    this.indexReplicas = config.opensearchReplicas > 1 ? 1 : 0;
    this.logsHostname = platformHostname("logs", args.baseDomain);

    // OpenSearch rejects weak admin passwords; only shell- and URL-safe specials, since curl and
    // Fluent Bit receive it through environment variables.
    const adminPassword = new random.RandomPassword(
      `${name}-admin`,
      { length: 32, minUpper: 2, minLower: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "-_+=" },
      { parent: this },
    );
    this.adminPassword = pulumi.secret(adminPassword.result);
    const cookieKey = new random.RandomPassword(
      `${name}-cookie`,
      { length: 32, special: false },
      { parent: this },
    );

    const labels = { "app.kubernetes.io/part-of": "prism" };
    const adminSecret = new k8s.core.v1.Secret(
      `${name}-admin`,
      {
        metadata: { name: ADMIN_SECRET.name, namespace, labels },
        type: "Opaque",
        stringData: { [ADMIN_SECRET.key]: this.adminPassword },
      },
      k8sOpts,
    );
    const accountSecret = new k8s.core.v1.Secret(
      `${name}-dashboards-account`,
      {
        metadata: { name: DASHBOARDS_ACCOUNT_SECRET, namespace, labels },
        type: "Opaque",
        stringData: {
          username: OPENSEARCH_ADMIN_USER,
          password: this.adminPassword,
          cookie: pulumi.secret(cookieKey.result),
        },
      },
      k8sOpts,
    );

    const policies = [
      sameNamespacePolicy(`${name}-same-namespace`, namespace, k8sOpts),
      networkPolicy(
        `${name}-opensearch-clients`,
        { name: "allow-opensearch-clients", namespace },
        {
          podSelector: { matchLabels: { ...OPENSEARCH_POD_LABELS } },
          policyTypes: ["Ingress"],
          ingress: [
            {
              // Fluent Bit ships the logs; Jaeger stores traces here when the stack says so.
              from: [
                namespacePeer("node-agents", { ...FLUENT_BIT_POD_LABELS }),
                namespacePeer("monitoring", { ...JAEGER_POD_LABELS }),
              ],
              ports: tcp(OPENSEARCH_HTTP_PORT),
            },
          ],
        },
        k8sOpts,
      ),
      networkPolicy(
        `${name}-dashboards-from-traefik`,
        { name: "allow-dashboards-from-traefik", namespace },
        {
          podSelector: { matchLabels: { ...DASHBOARDS_POD_LABELS } },
          policyTypes: ["Ingress"],
          ingress: [
            { from: [namespacePeer("edge", { ...TRAEFIK_POD_LABELS })], ports: tcp(DASHBOARDS_SERVICE.port) },
          ],
        },
        k8sOpts,
      ),
    ];

    this.release = platformRelease("opensearch", {
      chart: "opensearch",
      namespace,
      values: opensearchValues(config, adminSecret.metadata.name, args.storageClass),
      provider: args.provider,
      parent: this,
      // Three nodes with volumes and a security bootstrap take a while.
      timeoutSeconds: OPENSEARCH_TIMEOUT_SECONDS,
      dependsOn: [adminSecret, ...policies],
      // The log history is evidence after an incident: never delete it by accident.
      protect: args.protect,
    });

    const dashboards = platformRelease("opensearch-dashboards", {
      chart: "opensearch-dashboards",
      namespace,
      values: dashboardsValues(config, accountSecret.metadata.name),
      provider: args.provider,
      parent: this,
      // Installed alongside OpenSearch, not after it: Dashboards retries until OpenSearch answers,
      // and its release waits as long as OpenSearch's.
      timeoutSeconds: OPENSEARCH_TIMEOUT_SECONDS,
      dependsOn: [accountSecret],
    });

    // Dashboards' only way in: the Access-protected hostname, through Traefik.
    ingressRoute(
      `${name}-dashboards-route`,
      { name: "opensearch-dashboards", namespace },
      hostRoute(this.logsHostname, DASHBOARDS_SERVICE),
      { ...k8sOpts, dependsOn: args.ingress ? [dashboards, args.ingress] : [dashboards] },
    );

    new LogRetention(
      `${name}-retention`,
      {
        retentionDays: config.retentionDays,
        indexReplicas: this.indexReplicas,
        namespace,
        adminSecret: { name: adminSecret.metadata.name, key: ADMIN_SECRET.key },
        adminUser: OPENSEARCH_ADMIN_USER,
        image: args.retentionJobImage,
        provider: args.provider,
        dependsOn: [this.release],
      },
      { parent: this },
    );

    this.registerOutputs({ url: this.url, logsHostname: this.logsHostname });
  }
}
