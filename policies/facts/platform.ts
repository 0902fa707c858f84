/** Where the confidential VMs' agents reach the platform: the one name and port they dial. */

/** The port Traefik exposes to the CVM agents (attested mTLS, TCP pass-through). */
export const AGENTS_PORT = 7018;

/** The one hostname every CVM dials; DNS serves exactly this name. */
export function agentsHostname(baseDomain: string): string {
  return `agents.${baseDomain}`;
}

/** The hostname:port the Cocos manager in a CVM dials. */
export function agentsEndpoint(baseDomain: string): string {
  return `${agentsHostname(baseDomain)}:${AGENTS_PORT}`;
}

/** Every hostname the tunnel routes: the one list DNS, tunnel ingress, Access and Traefik are built from. */
export const PLATFORM_HOSTS = [
  { label: "ui", serves: "Prism web UI", namespace: "prism", operatorUi: false },
  { label: "api", serves: "Prism API", namespace: "prism", operatorUi: false },
  { label: "grafana", serves: "Grafana", namespace: "monitoring", operatorUi: true },
  { label: "argocd", serves: "Argo CD", namespace: "argocd", operatorUi: true },
  { label: "logs", serves: "OpenSearch Dashboards", namespace: "logging", operatorUi: true },
] as const satisfies readonly PlatformHost[];

export interface PlatformHost {
  /** First DNS label; the hostname is `<label>.<baseDomain>`. */
  label: string;
  /** What answers there. */
  serves: string;
  /** Namespace of the workload Traefik routes the host to. */
  namespace: string;
  /** Operator UIs sit behind Cloudflare Access; public hosts do their own authentication. */
  operatorUi: boolean;
}

export type PlatformHostLabel = (typeof PLATFORM_HOSTS)[number]["label"];

export function platformHostname(label: PlatformHostLabel, baseDomain: string): string {
  return `${label}.${baseDomain}`;
}

/**
 * The tunnel's origin is Traefik, whose certificate chains to a CA of our own: cloudflared mounts
 * it from a ConfigMap under this directory, and the tunnel's caPool names the file.
 */
export const ORIGIN_CA_DIR = "/etc/cloudflared/origin-ca";
/** The key of the origin CA in its ConfigMap, and the file name under ORIGIN_CA_DIR. */
export const ORIGIN_CA_KEY = "ca.crt";

/** Labels of the cloudflared pods, for the NetworkPolicies that let them reach Traefik. */
export const CLOUDFLARED_POD_LABELS = {
  "app.kubernetes.io/name": "cloudflared",
  "app.kubernetes.io/component": "tunnel-connector",
  "app.kubernetes.io/part-of": "prism",
} as const;

/** Traefik's release name; the chart's instance label is `<release>-<namespace>`. */
export const TRAEFIK_RELEASE = "traefik";

/**
 * The Traefik chart's pod selector labels (it runs in namespace edge). Workloads Traefik routes to
 * allow ingress from pods with these labels.
 */
export const TRAEFIK_POD_LABELS = {
  "app.kubernetes.io/name": "traefik",
  "app.kubernetes.io/instance": `${TRAEFIK_RELEASE}-edge`,
} as const;

/** The environments a stack can be; each stack's YAML names one. */
export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
