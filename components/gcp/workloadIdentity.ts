/**
 * Keyless GCP identity for a workload on the cluster: GCP workload identity federation trusting the
 * cluster's service-account token issuer. The workload presents a short-lived, audience-bound
 * Kubernetes token (a projected volume the kubelet rotates); Google's STS exchanges it for a token
 * of the GCP service account it may impersonate. No key exists, so the org policy
 * iam.disableServiceAccountKeyCreation does not matter, and nothing long-lived can leak.
 *
 * One pool per workload, with one provider whose attribute condition admits exactly that
 * namespace/service account: a pool's principals are never shared, so no binding elsewhere can
 * reach this workload's identity by accident.
 */
import * as gcpIam from "@pulumi/gcp/iam";
import type { Provider as GcpProvider } from "@pulumi/gcp/provider";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";

/** The cluster's token issuer (its tokens' `iss`) and its JWKS as GCP accepts it inline. */
export interface KubernetesIssuer {
  issuer: string;
  jwksJson: string;
}

/** How the cluster's workloads authenticate to GCP (config gcpServiceAccountKeys). */
export type GcpWorkloadIdentity =
  | { mode: "keyless"; issuer: pulumi.Input<KubernetesIssuer> }
  /** Service-account keys, for organisations that allow them. */
  | { mode: "key" };

/** The APIs federation uses: pools and providers (IAM), the exchange (STS), impersonation (IAM Credentials). */
export const FEDERATION_APIS = [
  "iam.googleapis.com",
  "sts.googleapis.com",
  "iamcredentials.googleapis.com",
] as const;

/**
 * The `aud` of the projected tokens and the one audience every provider here accepts. A fixed
 * value, so a chart can request the token without knowing the provider's resource name; the
 * kube-apiserver never accepts a token of this audience, and only this cluster's keys sign one.
 */
export const GCP_TOKEN_AUDIENCE = "prism-gcp-workload-identity";

/** Lifetime of the projected token; the kubelet renews it at 80%, the client library rereads the file. */
export const GCP_TOKEN_EXPIRATION_SECONDS = 3600;

/** The file the projected token is read from, inside the mount of its volume. */
export const GCP_TOKEN_FILE = "token";

export interface FederationArgs {
  project: string;
  /** Pool id: 4-32 lowercase letters, digits and hyphens, unique in the project. */
  poolId: string;
  displayName: string;
  issuer: pulumi.Input<KubernetesIssuer>;
  /** The one Kubernetes service account admitted. */
  namespace: pulumi.Input<string>;
  serviceAccount: string;
  /** The GCP service account the workload acts as (gets roles/iam.workloadIdentityUser for it). */
  impersonate: serviceaccount.Account;
}

export interface Federation {
  /** What the STS exchange names: the provider's full resource name. */
  stsAudience: pulumi.Output<string>;
  /** The external_account credential configuration, for a workload whose token is at `tokenPath`. */
  credentialConfig(tokenPath: string): pulumi.Output<string>;
}

const POOL_ID = /^[a-z][a-z0-9-]{2,30}[a-z0-9]$/;

/**
 * The pool, its OIDC provider and the impersonation binding for one Kubernetes service account.
 * `opts` carries the component's parent, its GCP provider and the enabled FEDERATION_APIS.
 */
export function federateServiceAccount(
  name: string,
  args: FederationArgs,
  opts: { parent: pulumi.Resource; provider: GcpProvider; dependsOn: pulumi.Resource[] },
): Federation {
  const { project } = args;
  if (!POOL_ID.test(args.poolId) || args.poolId.startsWith("gcp-"))
    throw new pulumi.ResourceError(
      `workload identity pool id "${args.poolId}" is not 4-32 lowercase letters, digits and hyphens`,
      opts.parent,
    );
  const issuer = pulumi.output(args.issuer).apply((i) => {
    if (!/^https:\/\/[^/]/.test(i.issuer))
      throw new pulumi.ResourceError(
        `the cluster's service-account issuer is "${i.issuer}", but GCP workload identity federation needs an https issuer; ` +
          `set prism:gcpServiceAccountKeys to "allowed" to use service-account keys instead ` +
          `(the org policy iam.disableServiceAccountKeyCreation must then not be enforced)`,
        opts.parent,
      );
    return i;
  });
  const subject = pulumi.interpolate`system:serviceaccount:${args.namespace}:${args.serviceAccount}`;

  // A deleted pool stays reserved for 30 days: the id cannot be reused sooner.
  const pool = new gcpIam.WorkloadIdentityPool(
    `${name}-pool`,
    {
      project,
      workloadIdentityPoolId: args.poolId,
      displayName: args.displayName.slice(0, 32),
      description: `Tokens of ${args.namespace}/${args.serviceAccount} on the cluster`,
    },
    opts,
  );
  const provider = new gcpIam.WorkloadIdentityPoolProvider(
    `${name}-oidc`,
    {
      project,
      workloadIdentityPoolId: pool.workloadIdentityPoolId,
      workloadIdentityPoolProviderId: "kubernetes",
      displayName: "Cluster service accounts",
      attributeMapping: { "google.subject": "assertion.sub" },
      // The pool admits this one service account; every other token of the cluster is refused.
      attributeCondition: pulumi.interpolate`assertion.sub == "${subject}"`,
      oidc: {
        issuerUri: issuer.issuer,
        // Inline: GCP cannot reach the cluster's discovery endpoints (components/cluster/serviceAccountIssuer.ts).
        jwksJson: issuer.jwksJson,
        allowedAudiences: [GCP_TOKEN_AUDIENCE],
      },
    },
    opts,
  );
  const principal = pulumi.interpolate`principal://iam.googleapis.com/${pool.name}/subject/${subject}`;
  const binding = new serviceaccount.IAMMember(
    `${name}-wif`,
    { serviceAccountId: args.impersonate.name, role: "roles/iam.workloadIdentityUser", member: principal },
    opts,
  );
  // Through the binding: whatever hands the workload its configuration waits until it may be used.
  const stsAudience = pulumi
    .all([provider.name, binding.id])
    .apply(([providerName]) => `//iam.googleapis.com/${providerName}`);
  return {
    stsAudience,
    credentialConfig: (tokenPath) =>
      pulumi.all([stsAudience, args.impersonate.email]).apply(([audience, email]) =>
        JSON.stringify(
          {
            type: "external_account",
            audience,
            subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
            token_url: "https://sts.googleapis.com/v1/token",
            service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${email}:generateAccessToken`,
            credential_source: { file: tokenPath, format: { type: "text" } },
            universe_domain: "googleapis.com",
          },
          null,
          2,
        ),
      ),
  };
}
