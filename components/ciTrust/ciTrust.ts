/**
 * The cloud side of keyless CI: for each stack's GitHub Environments, an identity in Pulumi Cloud,
 * GCP, AWS and Azure that only a job of this repository running in that environment can assume,
 * through GitHub's OIDC token. Deploy environments get write access, preview and drift
 * environments read access, so no long-lived cloud key is ever stored in GitHub.
 *
 * It runs once per organisation, by an administrator, as its own project (bootstrap/ciTrust), and
 * publishes the GitHub variables each environment needs.
 */
import * as aws from "@pulumi/aws";
import * as authorization from "@pulumi/azure-native/authorization";
import * as azuread from "@pulumi/azuread";
import * as gcpIam from "@pulumi/gcp/iam";
import * as projects from "@pulumi/gcp/projects";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { enableGcpApis } from "../gcp/projectApis";
import { FEDERATION_APIS } from "../gcp/workloadIdentity";
import {
  ciEnvironments,
  GITHUB_OIDC_ISSUER,
  oidcSubject,
  type CiAccess,
  type CiEnvironment,
} from "./environments";

/** Where one stack's clouds live; a cloud left out gets no trust for that stack. */
export interface StackTrust {
  stack: string;
  gcp?: { project: string };
  aws?: { region: string };
  azure?: { subscriptionId: string; tenantId: string };
}

/** Roles per access level, overridable; the defaults are what the program needs (write) or to read everything (read). */
export interface CiRoles {
  gcp: Record<CiAccess, string[]>;
  aws: Record<CiAccess, string[]>;
  /** Built-in Azure role definition ids. */
  azure: Record<CiAccess, string[]>;
}

export const DEFAULT_ROLES: CiRoles = {
  gcp: {
    // KMS keys, IAM custom roles and service accounts, Secret Manager, Compute for the CVMs, and
    // the workload identity pools of the cluster's keyless workloads.
    write: [
      "roles/editor",
      "roles/resourcemanager.projectIamAdmin",
      "roles/iam.roleAdmin",
      "roles/cloudkms.admin",
      "roles/iam.workloadIdentityPoolAdmin",
    ],
    read: ["roles/viewer", "roles/iam.securityReviewer", "roles/cloudkms.viewer"],
  },
  aws: {
    write: ["arn:aws:iam::aws:policy/PowerUserAccess", "arn:aws:iam::aws:policy/IAMFullAccess"],
    read: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
  },
  azure: {
    // Contributor and User Access Administrator (the landing zone assigns its own custom role); Reader.
    write: ["b24988ac-6180-42a0-ab88-20f7382dd24c", "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"],
    read: ["acdd72a7-3c48-4a20-9abf-8e6b4f5bfc4f"],
  },
};

export interface CiTrustArgs {
  /** `owner/name` of the GitHub repository whose workflows are trusted. */
  repository: string;
  pulumiOrganization: string;
  /** The Pulumi project the stacks belong to (Pulumi.yaml `name`). */
  pulumiProject: string;
  stacks: StackTrust[];
  roles?: CiRoles;
}

/** The GitHub Environment variables (not secrets: none of these grants anything by itself). */
export type EnvironmentVariables = Record<string, pulumi.Input<string>>;

const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
const STACK = /^[a-z][a-z0-9-]{0,30}$/;

export class CiTrust extends pulumi.ComponentResource {
  /** Environment name → the variables to set on it (`gh variable set --env <name>`). */
  readonly githubVariables: pulumi.Output<Record<string, Record<string, string>>>;

  constructor(name: string, args: CiTrustArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:ci:CiTrust", name, {}, opts);
    if (!REPOSITORY.test(args.repository))
      throw new pulumi.ResourceError(`repository "${args.repository}" is not owner/name`, this);
    for (const s of args.stacks)
      if (!STACK.test(s.stack))
        throw new pulumi.ResourceError(`stack name "${s.stack}" is not a stack name`, this);
    const roles = args.roles ?? DEFAULT_ROLES;
    const parent = { parent: this };
    const vars: Record<string, EnvironmentVariables> = {};
    const environments = args.stacks.flatMap((s) =>
      ciEnvironments(s.stack).map((e) => ({ env: e, trust: s })),
    );
    for (const { env } of environments)
      vars[env.name] = { PULUMI_ORGANIZATION: args.pulumiOrganization, PULUMI_TEAM: teamName(env) };

    // Pulumi Cloud: a team per stack and access level, and one issuer whose policies hand each
    // environment's jobs a token of exactly its team.
    const teams = new Map<string, pulumiservice.Team>();
    for (const { env } of environments) {
      const team = teamName(env);
      if (teams.has(team)) continue;
      const t = new pulumiservice.Team(
        team,
        {
          organizationName: args.pulumiOrganization,
          teamType: "pulumi",
          name: team,
          displayName: team,
          description: `CI (${env.access}) for stack ${env.stack}`,
        },
        parent,
      );
      teams.set(team, t);
      new pulumiservice.TeamStackPermission(
        team,
        {
          organization: args.pulumiOrganization,
          project: args.pulumiProject,
          stack: env.stack,
          team: t.name.apply((n) => n ?? team),
          permission: env.access === "write" ? 102 : 101,
        },
        parent,
      );
    }
    new pulumiservice.OidcIssuer(
      "github-actions",
      {
        organization: args.pulumiOrganization,
        name: "github-actions",
        url: GITHUB_OIDC_ISSUER,
        maxExpirationSeconds: 3600,
        policies: environments.map(({ env }) => ({
          decision: "allow",
          tokenType: "team",
          teamName: teamName(env),
          rules: { sub: oidcSubject(args.repository, env.name) },
        })),
      },
      parent,
    );

    // AWS: one GitHub OIDC provider per account (there can only be one per issuer URL).
    const awsStacks = environments.filter((e) => e.trust.aws);
    const awsOidc = awsStacks.length
      ? new aws.iam.OpenIdConnectProvider(
          "github-actions",
          { url: GITHUB_OIDC_ISSUER, clientIdLists: ["sts.amazonaws.com"] },
          parent,
        )
      : undefined;

    const pools = new Map<string, gcpIam.WorkloadIdentityPool>();
    const gcpApis = new Map<string, projects.Service[]>();
    for (const { env, trust } of environments) {
      const id = `${env.name}-ci`;
      const subject = oidcSubject(args.repository, env.name);

      if (trust.gcp) {
        const project = trust.gcp.project;
        let apis = gcpApis.get(project);
        if (!apis) {
          // A fresh project has none of these: the pool, its provider and the accounts (IAM), the
          // project bindings (Resource Manager), and at run time the token exchange (STS) and the
          // service account impersonation (IAM Credentials) a workflow's auth step performs.
          apis = enableGcpApis(
            `${trust.stack}-github`,
            project,
            ["cloudresourcemanager.googleapis.com", ...FEDERATION_APIS],
            { parent: this },
          );
          gcpApis.set(project, apis);
        }
        const gcpOpts = { parent: this, dependsOn: apis };
        let pool = pools.get(project);
        if (!pool) {
          pool = new gcpIam.WorkloadIdentityPool(
            `${trust.stack}-github`,
            {
              project,
              workloadIdentityPoolId: "github-actions",
              displayName: "GitHub Actions",
              description: `Jobs of ${args.repository}`,
            },
            gcpOpts,
          );
          pools.set(project, pool);
          // Only this repository's tokens are accepted at all; the bindings below narrow to one environment each.
          const provider = new gcpIam.WorkloadIdentityPoolProvider(
            `${trust.stack}-github`,
            {
              project,
              workloadIdentityPoolId: pool.workloadIdentityPoolId,
              workloadIdentityPoolProviderId: "github",
              attributeMapping: {
                "google.subject": "assertion.sub",
                "attribute.repository": "assertion.repository",
                "attribute.environment": "assertion.environment",
              },
              attributeCondition: `assertion.repository == "${args.repository}"`,
              oidc: { issuerUri: GITHUB_OIDC_ISSUER },
            },
            gcpOpts,
          );
          for (const e of ciEnvironments(trust.stack))
            vars[e.name].GCP_WORKLOAD_IDENTITY_PROVIDER = provider.name;
        }
        const account = new serviceaccount.Account(
          id,
          {
            project,
            accountId: `ci-${env.name}`.slice(0, 30),
            displayName: `CI ${env.name} (${env.access})`,
          },
          gcpOpts,
        );
        new serviceaccount.IAMMember(
          `${id}-wif`,
          {
            serviceAccountId: account.name,
            role: "roles/iam.workloadIdentityUser",
            member: pulumi.interpolate`principal://iam.googleapis.com/${pool.name}/subject/${subject}`,
          },
          gcpOpts,
        );
        for (const role of roles.gcp[env.access])
          new projects.IAMMember(
            `${id}-${role.split("/").pop()}`,
            {
              project,
              role,
              member: pulumi.interpolate`serviceAccount:${account.email}`,
            },
            gcpOpts,
          );
        vars[env.name].GCP_SERVICE_ACCOUNT = account.email;
      }

      if (trust.aws && awsOidc) {
        const role = new aws.iam.Role(
          id,
          {
            description: `CI ${env.name} (${env.access}) of ${args.repository}`,
            maxSessionDuration: 3600,
            assumeRolePolicy: awsOidc.arn.apply((arn) =>
              JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                  {
                    Effect: "Allow",
                    Principal: { Federated: arn },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                      StringEquals: {
                        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                        "token.actions.githubusercontent.com:sub": subject,
                      },
                    },
                  },
                ],
              }),
            ),
          },
          parent,
        );
        for (const policyArn of roles.aws[env.access])
          new aws.iam.RolePolicyAttachment(
            `${id}-${policyArn.split("/").pop()}`,
            { role: role.name, policyArn },
            parent,
          );
        vars[env.name].AWS_ROLE_ARN = role.arn;
        vars[env.name].AWS_REGION = trust.aws.region;
      }

      if (trust.azure) {
        const { subscriptionId, tenantId } = trust.azure;
        const app = new azuread.Application(
          id,
          { displayName: `prism CI ${env.name} (${env.access})` },
          parent,
        );
        const sp = new azuread.ServicePrincipal(id, { clientId: app.clientId }, parent);
        new azuread.ApplicationFederatedIdentityCredential(
          id,
          {
            applicationId: app.id,
            displayName: env.name,
            description: `GitHub Actions of ${args.repository} in environment ${env.name}`,
            issuer: GITHUB_OIDC_ISSUER,
            subject,
            audiences: ["api://AzureADTokenExchange"],
          },
          parent,
        );
        for (const roleId of roles.azure[env.access])
          new authorization.RoleAssignment(
            `${id}-${roleId.slice(0, 8)}`,
            {
              principalId: sp.objectId,
              principalType: "ServicePrincipal",
              roleDefinitionId: `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleId}`,
              scope: `/subscriptions/${subscriptionId}`,
            },
            parent,
          );
        Object.assign(vars[env.name], {
          AZURE_CLIENT_ID: app.clientId,
          AZURE_TENANT_ID: tenantId,
          AZURE_SUBSCRIPTION_ID: subscriptionId,
        });
      }
    }

    this.githubVariables = pulumi.output(vars);
    this.registerOutputs({ githubVariables: this.githubVariables });
  }
}

function teamName(env: CiEnvironment): string {
  return `prism-ci-${env.stack}-${env.access}`;
}
