/** The stack's credentials, read as Pulumi secrets (declared in Pulumi.yaml, set with --secret). */
import * as pulumi from "@pulumi/pulumi";

export interface PlatformSecrets {
  digitaloceanToken: pulumi.Output<string>;
  /** Velero's DigitalOcean token: custom scopes for block storage and its snapshots only. */
  veleroDigitaloceanToken: pulumi.Output<string>;
  spacesAccessKeyId: pulumi.Output<string>;
  spacesSecretKey: pulumi.Output<string>;
  cloudflareApiToken: pulumi.Output<string>;
  /** Key of a service account that may read the services' secrets in Secret Manager (gcpServiceAccountKeys "allowed" only). */
  externalSecretsGcpCredentials?: pulumi.Output<string>;
  alertmanagerSlackWebhookUrl?: pulumi.Output<string>;
  /** Present once OpenBao has been initialised and a token for Pulumi created (README). */
  openbaoToken?: pulumi.Output<string>;
}

export function readSecrets(): PlatformSecrets {
  const config = new pulumi.Config();
  return {
    digitaloceanToken: config.requireSecret("digitaloceanToken"),
    veleroDigitaloceanToken: config.requireSecret("veleroDigitaloceanToken"),
    spacesAccessKeyId: config.requireSecret("spacesAccessKeyId"),
    spacesSecretKey: config.requireSecret("spacesSecretKey"),
    cloudflareApiToken: config.requireSecret("cloudflareApiToken"),
    externalSecretsGcpCredentials: config.getSecret("externalSecretsGcpCredentials"),
    alertmanagerSlackWebhookUrl: config.getSecret("alertmanagerSlackWebhookUrl"),
    openbaoToken: config.getSecret("openbaoToken"),
  };
}
