/**
 * Typed helpers for the non-Argo custom resources delivery creates: a Traefik IngressRoute
 * (traefik.io/v1alpha1, CRD from the traefik chart) and an External Secrets ExternalSecret
 * (external-secrets.io/v1, CRD from the external-secrets chart) for registry credentials.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EXTERNAL_SECRETS_API_VERSION } from "../secrets/externalSecrets";
import type { ObjectMeta } from "./argoResources";

/** Traefik's HTTP route: the subset of the IngressRoute CRD the platform uses. */
export interface IngressRouteSpec {
  entryPoints: string[];
  routes: {
    match: string;
    kind: "Rule";
    services: { name: string; port: number; scheme?: "http" | "https" | "h2c" }[];
  }[];
  /** `{}`: TLS with Traefik's default certificate (Cloudflare terminates the public TLS). */
  tls: Record<string, never>;
}

export function ingressRoute(
  name: string,
  metadata: ObjectMeta,
  spec: IngressRouteSpec,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    name,
    { apiVersion: "traefik.io/v1alpha1", kind: "IngressRoute", metadata, spec },
    opts,
  );
}

export interface RegistryPullSecretArgs {
  /** The Secret's name (and the ExternalSecret's). */
  secretName: string;
  /** ClusterSecretStore backed by Google Secret Manager (ExternalSecrets.storeName, so this waits for it). */
  storeName: pulumi.Input<string>;
  /** Secret Manager key holding a complete dockerconfigjson for the registry. */
  remoteKey: string;
}

/**
 * A kubernetes.io/dockerconfigjson Secret kept in sync from Secret Manager by External Secrets:
 * the registry credential never passes through Pulumi or its state.
 */
export function registryPullSecret(
  name: string,
  namespace: pulumi.Input<string>,
  args: RegistryPullSecretArgs,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(
    name,
    {
      apiVersion: EXTERNAL_SECRETS_API_VERSION,
      kind: "ExternalSecret",
      metadata: { name: args.secretName, namespace },
      spec: {
        refreshInterval: "1h",
        secretStoreRef: { kind: "ClusterSecretStore", name: args.storeName },
        target: {
          name: args.secretName,
          creationPolicy: "Owner",
          template: {
            type: "kubernetes.io/dockerconfigjson",
            data: { ".dockerconfigjson": "{{ .dockerconfigjson }}" },
          },
        },
        data: [{ secretKey: "dockerconfigjson", remoteRef: { key: args.remoteKey } }],
      },
    },
    opts,
  );
}
