/**
 * The identities the ci-trust bootstrap creates, as the simulated cloud answers them: GCP workload
 * identity pools and providers, the AWS OIDC provider and roles, Pulumi Cloud teams, with the
 * resource names and ARNs the real APIs return.
 */
import { stableHex, str, type ResourceOutputs } from "./common";
import { AWS_ACCOUNT } from "./aws";

/** What a project number looks like; derived from the project id so plans are stable. */
function projectNumber(project: string): string {
  return (
    (BigInt(`0x${stableHex(12, "gcp-project-number", project)}`) % 900000000000n) +
    100000000000n
  ).toString();
}

export const ciTrustOutputs: Record<string, ResourceOutputs> = {
  "gcp:iam/workloadIdentityPool:WorkloadIdentityPool": (name, inputs) => {
    const pool = `projects/${projectNumber(str(inputs.project, "project"))}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId, name)}`;
    return { ...inputs, id: pool, name: pool, state: "ACTIVE" };
  },
  "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider": (name, inputs) => {
    const provider = `projects/${projectNumber(str(inputs.project, "project"))}/locations/global/workloadIdentityPools/${str(inputs.workloadIdentityPoolId, "pool")}/providers/${str(inputs.workloadIdentityPoolProviderId, name)}`;
    return { ...inputs, id: provider, name: provider, state: "ACTIVE" };
  },
  "aws:iam/openIdConnectProvider:OpenIdConnectProvider": (_name, inputs) => {
    const host = str(inputs.url, "https://oidc.example").replace(/^https:\/\//, "");
    const arn = `arn:aws:iam::${AWS_ACCOUNT}:oidc-provider/${host}`;
    return { ...inputs, id: arn, arn };
  },
  "aws:iam/role:Role": (name, inputs) => {
    const role = str(inputs.name, name);
    return {
      ...inputs,
      id: role,
      name: role,
      arn: `arn:aws:iam::${AWS_ACCOUNT}:role/${role}`,
      uniqueId: `AROA${stableHex(17, "aws-role", role).toUpperCase()}`,
    };
  },
  "pulumiservice:index:Team": (name, inputs) => ({
    ...inputs,
    id: `${str(inputs.organizationName, "org")}/${str(inputs.name, name)}`,
  }),
};
