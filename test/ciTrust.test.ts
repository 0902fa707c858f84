import * as fs from "fs";
import * as path from "path";
import { runIsolated, PROJECT_ROOT } from "../tools/engine/engine";
import { loadStackSettings } from "../tools/engine/stackSettings";
import { programResources, type Plan } from "../tools/engine/plan";
import { ciTrustProgram } from "../bootstrap/ciTrust/program";
import { CiTrust } from "../components/ciTrust/ciTrust";
import { ciEnvironments } from "../components/ciTrust/environments";
import { gcpApiOf } from "../components/gcp/projectApis";
import { environmentOf, parseWorkflow } from "./workflowModel";

const ROOT = path.join(PROJECT_ROOT, "bootstrap", "ciTrust");
const REPO = "example-org/prism-platform";
const sub = (env: string) => `repo:${REPO}:environment:${env}`;

let planned: Promise<Plan> | undefined;
const plan = () =>
  (planned ??= runIsolated(loadStackSettings(ROOT, "ci-trust"), async () => ciTrustProgram()));
const ofType = async (type: string) => programResources(await plan()).filter((r) => r.type === type);

describe("the ci-trust bootstrap", () => {
  it("gives Pulumi Cloud one issuer whose policies hand each environment a token of its own team only", async () => {
    const [issuer] = await ofType("pulumiservice:index:OidcIssuer");
    expect(issuer.inputs.url).toBe("https://token.actions.githubusercontent.com");
    const policies = issuer.inputs.policies as {
      rules: { sub: string };
      teamName: string;
      tokenType: string;
    }[];
    expect(policies.map((p) => [p.rules.sub, p.tokenType, p.teamName])).toEqual([
      [sub("staging"), "team", "prism-ci-staging-write"],
      [sub("preview-staging"), "team", "prism-ci-staging-read"],
      [sub("drift-staging"), "team", "prism-ci-staging-read"],
      [sub("production"), "team", "prism-ci-production-write"],
      [sub("preview-production"), "team", "prism-ci-production-read"],
      [sub("drift-production"), "team", "prism-ci-production-read"],
    ]);
    const perms = await ofType("pulumiservice:index:TeamStackPermission");
    expect(perms.map((p) => [p.inputs.team, p.inputs.project, p.inputs.stack, p.inputs.permission])).toEqual([
      ["prism-ci-staging-write", "prism", "staging", 102],
      ["prism-ci-staging-read", "prism", "staging", 101],
      ["prism-ci-production-write", "prism", "production", 102],
      ["prism-ci-production-read", "prism", "production", 101],
    ]);
  });

  it("trusts GCP tokens of this repository only, and binds each service account to one environment", async () => {
    const providers = await ofType("gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider");
    expect(providers.map((p) => [p.inputs.project, p.inputs.attributeCondition])).toEqual([
      ["prism-staging-000000", `assertion.repository == "${REPO}"`],
      ["prism-production-000000", `assertion.repository == "${REPO}"`],
    ]);
    const bindings = await ofType("gcp:serviceaccount/iAMMember:IAMMember");
    expect(
      bindings.map((b) => [
        b.name,
        b.inputs.role,
        String(b.inputs.member).replace(/projects\/\d+/, "projects/N"),
      ]),
    ).toEqual(
      [
        "staging",
        "preview-staging",
        "drift-staging",
        "production",
        "preview-production",
        "drift-production",
      ].map((env) => [
        `${env}-ci-wif`,
        "roles/iam.workloadIdentityUser",
        `principal://iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/github-actions/subject/${sub(env)}`,
      ]),
    );
    const roles = await ofType("gcp:projects/iAMMember:IAMMember");
    const rolesOf = (env: string) =>
      roles.filter((r) => r.name.startsWith(`${env}-ci-`)).map((r) => r.inputs.role);
    expect(rolesOf("production")).toContain("roles/editor");
    expect(rolesOf("preview-production")).toEqual([
      "roles/viewer",
      "roles/iam.securityReviewer",
      "roles/cloudkms.viewer",
    ]);
  });

  it("lets only the exact environment assume each AWS role, and only where the stack uses AWS", async () => {
    const roles = await ofType("aws:iam/role:Role");
    expect(roles.map((r) => r.name)).toEqual([
      "production-ci",
      "preview-production-ci",
      "drift-production-ci",
    ]);
    for (const r of roles) {
      const policy = JSON.parse(String(r.inputs.assumeRolePolicy)) as {
        Statement: { Action: string; Condition: { StringEquals: Record<string, string> } }[];
      };
      expect(policy.Statement).toHaveLength(1);
      expect(policy.Statement[0].Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(policy.Statement[0].Condition.StringEquals).toEqual({
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": sub(r.name.replace(/-ci$/, "")),
      });
    }
    const attached = await ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment");
    expect(attached.filter((a) => a.name.startsWith("drift-")).map((a) => a.inputs.policyArn)).toEqual([
      "arn:aws:iam::aws:policy/ReadOnlyAccess",
    ]);
  });

  it("gives each Azure application one federated credential for one environment, Reader for read", async () => {
    const creds = await ofType(
      "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential",
    );
    expect(creds.map((c) => [c.inputs.subject, c.inputs.audiences])).toEqual(
      ["production", "preview-production", "drift-production"].map((e) => [
        sub(e),
        ["api://AzureADTokenExchange"],
      ]),
    );
    const assignments = await ofType("azure-native:authorization:RoleAssignment");
    expect(
      assignments
        .filter((a) => a.name.startsWith("drift-"))
        .map((a) => String(a.inputs.roleDefinitionId).split("/").pop()),
    ).toEqual(["acdd72a7-3c48-4a20-9abf-8e6b4f5bfc4f"]);
  });

  it("creates no long-lived key or password anywhere", async () => {
    const types = programResources(await plan()).map((r) => r.type);
    for (const keyType of [
      "aws:iam/accessKey:AccessKey",
      "gcp:serviceaccount/key:Key",
      "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
      "azuread:index/applicationPassword:ApplicationPassword",
      "pulumiservice:index:AccessToken",
      "pulumiservice:index:TeamAccessToken",
    ])
      expect(types).not.toContain(keyType);
  });

  it("publishes the variables each GitHub Environment needs, and the workflows read exactly those", async () => {
    const vars = (await plan()).outputs.githubVariables as Record<string, Record<string, string>>;
    expect(Object.keys(vars).sort()).toEqual([
      "drift-production",
      "drift-staging",
      "preview-production",
      "preview-staging",
      "production",
      "staging",
    ]);
    expect(Object.keys(vars.staging).sort()).toEqual([
      "GCP_SERVICE_ACCOUNT",
      "GCP_WORKLOAD_IDENTITY_PROVIDER",
      "PULUMI_ORGANIZATION",
      "PULUMI_TEAM",
    ]);
    expect(Object.keys(vars.production).sort()).toEqual([
      "AWS_REGION",
      "AWS_ROLE_ARN",
      "AZURE_CLIENT_ID",
      "AZURE_SUBSCRIPTION_ID",
      "AZURE_TENANT_ID",
      "GCP_SERVICE_ACCOUNT",
      "GCP_WORKLOAD_IDENTITY_PROVIDER",
      "PULUMI_ORGANIZATION",
      "PULUMI_TEAM",
    ]);
    expect(vars["preview-production"].PULUMI_TEAM).toBe("prism-ci-production-read");
    expect(vars["drift-production"].AWS_ROLE_ARN).toMatch(/^arn:aws:iam::\d{12}:role\/drift-production-ci$/);
    // Every `vars.X` a workflow's steps read is one the trust publishes to the job's environment;
    // one read outside the steps (the runner a job asks for) is a repository variable an
    // administrator sets, so the README names it as one.
    const dir = path.join(PROJECT_ROOT, ".github", "workflows");
    const jobs = ["deploy.yml", "pr-preview.yml", "drift.yml"].flatMap((f) =>
      Object.values(parseWorkflow(fs.readFileSync(path.join(dir, f), "utf8")).jobs),
    );
    const varsIn = (x: unknown) =>
      [...(JSON.stringify(x) ?? "").matchAll(/vars\.([A-Z_]+)/g)].map((m) => m[1]);
    const inSteps = new Set(jobs.flatMap((job) => varsIn(job.steps)));
    const outsideSteps = new Set(jobs.flatMap((job) => varsIn({ ...job, steps: undefined })));
    expect(inSteps.size).toBeGreaterThan(0);
    expect([...inSteps].filter((v) => !Object.keys(vars.production).includes(v))).toEqual([]);
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
    expect(
      [...outsideSteps].filter((v) => !new RegExp(`repository variable\\s+\`${v}\``).test(readme)),
    ).toEqual([]);
  });

  it("names exactly the environments the workflows deploy, preview and check drift in", () => {
    const expand = (env: string) =>
      ["staging", "production"].map((s) =>
        env.replace("${{ matrix.stack }}", s).replace(/^\$\{\{.*\}\}$/, s),
      );
    const used = new Set<string>();
    for (const f of ["deploy.yml", "pr-preview.yml", "drift.yml"]) {
      const wf = parseWorkflow(fs.readFileSync(path.join(PROJECT_ROOT, ".github", "workflows", f), "utf8"));
      for (const job of Object.values(wf.jobs)) {
        const env = environmentOf(job);
        if (env) expand(env).forEach((e) => used.add(e));
      }
    }
    expect([...used].sort()).toEqual(
      ["staging", "production"]
        .flatMap(ciEnvironments)
        .map((e) => e.name)
        .sort(),
    );
  });

  it("works on fresh GCP projects: each enables the APIs its resources and the workflows' token exchange use", async () => {
    const resources = programResources(await plan());
    const services = resources.filter((r) => r.type === "gcp:projects/service:Service");
    const enabled = (project: unknown) =>
      services.filter((s) => s.inputs.project === project).map((s) => s.inputs.service);
    for (const project of ["prism-staging-000000", "prism-production-000000"])
      expect(enabled(project)).toEqual(
        expect.arrayContaining(["iam.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com"]),
      );
    expect(services.every((s) => s.inputs.disableOnDestroy === false)).toBe(true);

    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const problems: string[] = [];
    for (const r of resources.filter((x) => x.type.startsWith("gcp:") && !services.includes(x))) {
      const api = gcpApiOf(r.type);
      // A service account binding names no project: the account's is the one.
      const owner =
        r.inputs.project === undefined
          ? byUrn.get(r.dependencies.find((d) => byUrn.get(d)?.inputs.project) ?? "")
          : r;
      const waited = services.filter(
        (s) =>
          r.dependencies.includes(s.urn) &&
          s.inputs.service === api &&
          s.inputs.project === owner?.inputs.project,
      );
      if (!api || waited.length === 0)
        problems.push(`${r.type} (${r.name}) does not wait for ${String(api)}`);
    }
    expect(problems).toEqual([]);
  });

  it("refuses a repository that is not owner/name, naming it", async () => {
    const settings = loadStackSettings(ROOT, "ci-trust");
    await expect(
      runIsolated(settings, async () => {
        new CiTrust("ci", {
          repository: "https://github.com/x/y",
          pulumiOrganization: "o",
          pulumiProject: "p",
          stacks: [],
        });
      }),
    ).rejects.toThrow('repository "https://github.com/x/y" is not owner/name');
  });
});
