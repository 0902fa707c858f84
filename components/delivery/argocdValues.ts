/**
 * Values for the argo-cd chart (CHARTS["argo-cd"]); every key exists in the pinned chart's
 * values.yaml (test/upstreamCharts.ts checks). Part of ArgoCd.
 */
import type { HelmValues } from "../helm/helmRelease";
import { tokenNeeded } from "../kubernetes/podSecurity";
import type { ContainerResources } from "../kubernetes/resources";

/** Helm release name; with the chart's nameOverride "argocd" every object is `argocd-<component>`. */
export const ARGOCD_RELEASE = "argocd";

/** The server's Service (`<fullname>-server`) and its plain-HTTP port (server.insecure). */
export const ARGOCD_SERVER_SERVICE = { name: "argocd-server", port: 80, containerPort: 8080 } as const;

/** Pod names (`app.kubernetes.io/name`) of the components this installation runs. */
export const ARGOCD_COMPONENTS = {
  controller: "argocd-application-controller",
  server: "argocd-server",
  repoServer: "argocd-repo-server",
  applicationSet: "argocd-applicationset-controller",
  redis: "argocd-redis",
  redisSecretInit: "argocd-redis-secret-init",
} as const;

/**
 * Redis and HAProxy from the registry the upstream redis-ha chart names (public.ecr.aws, on the
 * allow-list); argo-cd's defaults point at an alias host for the same images. The tags stay the chart's.
 */
const REDIS_IMAGE = "public.ecr.aws/docker/library/redis";
const HAPROXY_IMAGE = "public.ecr.aws/docker/library/haproxy";

/** Container ports of the components' metrics endpoints. */
export const ARGOCD_METRICS_PORTS = { controller: 8082, server: 8083, repoServer: 8084 } as const;

export interface ArgoCdValuesArgs {
  /** Highly available: Redis HA (Sentinel + HAProxy) and replicated, disruption-budgeted components. */
  ha: boolean;
  /** The UI's hostname (argocd.<baseDomain>). */
  hostname: string;
  /** This repository; registered so ArgoCD fetches it without per-Application setup. */
  repoUrl: string;
  /** Whether the Prometheus operator's CRDs exist, so ServiceMonitors can be installed. */
  serviceMonitors: boolean;
}

const resources = (
  cpu: string,
  memory: string,
  cpuLimit: string,
  memoryLimit: string,
): ContainerResources => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

export function argoCdValues(args: ArgoCdValuesArgs): HelmValues {
  const { ha } = args;
  const replicas = ha ? 2 : 1;
  // A budget at one replica would block every node drain.
  const pdb = { enabled: ha, maxUnavailable: "1" };
  const metrics = (enabled: boolean) => ({
    enabled: true,
    serviceMonitor: { enabled: enabled && args.serviceMonitors },
  });

  return {
    global: {
      domain: args.hostname,
      logging: { format: "json", level: "info" },
      // The chart's own policies let anything reach the server; ArgoCd writes narrower ones.
      networkPolicy: { create: false },
      // Pod level; every component's containerSecurityContext already drops ALL, runs as
      // non-root with a read-only root filesystem and RuntimeDefault seccomp (chart defaults).
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      affinity: { podAntiAffinity: ha ? "hard" : "soft" },
    },
    configs: {
      // The external URL (for redirects and links) is https://<global.domain>.
      cm: {
        "admin.enabled": true,
        "exec.enabled": false,
        "statusbadge.enabled": false,
        "timeout.reconciliation": "180s",
      },
      rbac: { "policy.default": "role:readonly" },
      repositories: { "prism-platform": { url: args.repoUrl, name: "prism-platform", type: "git" } },
    },
    // No SSO connector (Cloudflare Access already authenticates operators); no notifications.
    dex: { enabled: false },
    notifications: { enabled: false },
    controller: {
      replicas,
      // Controllers shard by cluster and there is one cluster: a second replica only helps if it
      // takes the cluster over when the first one's heartbeat stops, which is what dynamic
      // cluster distribution does (upstream marks it alpha; see the delivery report).
      dynamicClusterDistribution: ha,
      pdb,
      podAnnotations: tokenNeeded("reconciles Applications against the cluster through the Kubernetes API"),
      resources: ha ? resources("500m", "1Gi", "2", "2Gi") : resources("250m", "512Mi", "1", "1Gi"),
      metrics: metrics(true),
    },
    server: {
      replicas,
      // TLS ends at Traefik (Cloudflare → cloudflared → Traefik); the server speaks plain HTTP
      // on the cluster network, where a NetworkPolicy admits Traefik's pods only.
      extraArgs: ["--insecure"],
      pdb,
      podAnnotations: tokenNeeded(
        "reads Applications, Projects and the cluster's live state for the UI and API",
      ),
      service: { type: "ClusterIP" },
      resources: resources("50m", "128Mi", "500m", "256Mi"),
      metrics: metrics(true),
    },
    repoServer: {
      replicas,
      pdb,
      // Renders manifests from Git; it never calls the Kubernetes API.
      automountServiceAccountToken: false,
      resources: resources("100m", "256Mi", "1", "1Gi"),
      metrics: metrics(true),
    },
    applicationSet: {
      replicas,
      pdb,
      resources: resources("50m", "64Mi", "250m", "256Mi"),
      podAnnotations: tokenNeeded("generates Applications from ApplicationSets through the Kubernetes API"),
      // TCP checks of its health port (the chart's only probe form for this controller).
      livenessProbe: { enabled: true },
      readinessProbe: { enabled: true },
    },
    // Single Redis (staging): a cache that never calls the Kubernetes API.
    redis: {
      image: { repository: REDIS_IMAGE },
      automountServiceAccountToken: false,
      resources: resources("50m", "64Mi", "250m", "256Mi"),
      livenessProbe: { enabled: true },
      readinessProbe: { enabled: true },
    },
    // Sentinel-managed Redis behind HAProxy in production (3 Redis pods, anti-affine). The
    // subchart has its own resource keys per container; `redis.resources` above does not reach it.
    "redis-ha": {
      enabled: ha,
      image: { repository: REDIS_IMAGE },
      redis: { resources: resources("50m", "64Mi", "250m", "256Mi") },
      sentinel: { resources: resources("20m", "32Mi", "100m", "64Mi") },
      splitBrainDetection: { resources: resources("10m", "16Mi", "50m", "32Mi") },
      init: { resources: resources("10m", "16Mi", "50m", "32Mi") },
      haproxy: {
        image: { repository: HAPROXY_IMAGE },
        resources: resources("50m", "64Mi", "250m", "128Mi"),
        init: { resources: resources("10m", "16Mi", "50m", "32Mi") },
        // HAProxy only forwards to the Redis master; it never calls the Kubernetes API.
        serviceAccount: { automountToken: false },
      },
    },
    redisSecretInit: {
      resources: resources("50m", "64Mi", "200m", "128Mi"),
      podAnnotations: tokenNeeded("creates the Redis password Secret on first install"),
    },
  };
}
