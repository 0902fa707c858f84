/**
 * Typed helper for the External Secrets ExternalSecret (external-secrets.io/v1, CRD from the
 * external-secrets chart) delivery creates for registry credentials.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { EXTERNAL_SECRETS_API_VERSION } from "../secrets/externalSecrets";

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
