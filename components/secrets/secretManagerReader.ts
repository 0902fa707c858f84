/**
 * External Secrets' keyless identity in Google Secret Manager: a service account that may read the
 * project's secrets, impersonated through workload identity federation by the store's Kubernetes
 * service account (ExternalSecrets, SECRET_MANAGER_READER_SA). Replaces the key the operator would
 * otherwise create and set as externalSecretsGcpCredentials.
 */
import * as projects from "@pulumi/gcp/projects";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { enableGcpApis } from "../gcp/projectApis";
import { FEDERATION_APIS, federateServiceAccount, type KubernetesIssuer } from "../gcp/workloadIdentity";
import { SECRET_MANAGER_READER_SA, type SecretManagerFederation } from "./externalSecrets";

export interface SecretManagerReaderArgs {
  stack: string;
  /** config.externalSecrets.gcpProject: where the services' secrets live. */
  gcpProject: string;
  /** The cluster's service-account token issuer (DoksCluster.serviceAccountIssuer()). */
  issuer: pulumi.Input<KubernetesIssuer>;
  /** External Secrets' namespace: namespaces.name("external-secrets"). */
  namespace: pulumi.Input<string>;
}

export class SecretManagerReader extends pulumi.ComponentResource {
  /** What ExternalSecrets' store federates with (its gcpFederation). */
  readonly federation: SecretManagerFederation;

  constructor(name: string, args: SecretManagerReaderArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:secrets:SecretManagerReader", name, {}, opts);
    const { gcpProject: project, stack } = args;
    const provider = new GcpProvider(
      `${name}-gcp`,
      { project, defaultLabels: { "managed-by": "pulumi", "prism-stack": stack } },
      { parent: this },
    );
    const apis = enableGcpApis(
      name,
      project,
      [...FEDERATION_APIS, "secretmanager.googleapis.com", "cloudresourcemanager.googleapis.com"],
      { parent: this, provider },
    );
    const g = { parent: this, provider, dependsOn: apis };

    const account = new serviceaccount.Account(
      `${name}-sa`,
      {
        project,
        accountId: `prism-${stack}-secrets`.slice(0, 30),
        displayName: `External Secrets reader (${stack})`,
        description: "Impersonated by External Secrets on the cluster to read the services' secrets.",
      },
      g,
    );
    // Read-only, on the project whose Secret Manager holds only the platform's secrets.
    new projects.IAMMember(
      `${name}-accessor`,
      { project, role: "roles/secretmanager.secretAccessor", member: account.member },
      g,
    );
    const federation = federateServiceAccount(
      name,
      {
        project,
        poolId: `prism-${stack}-secrets`,
        displayName: `External Secrets (${stack})`,
        issuer: args.issuer,
        namespace: args.namespace,
        serviceAccount: SECRET_MANAGER_READER_SA,
        impersonate: account,
      },
      g,
    );
    this.federation = { stsAudience: federation.stsAudience, serviceAccountEmail: account.email };
    this.registerOutputs({});
  }
}
