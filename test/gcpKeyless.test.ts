/**
 * Keyless GCP identity (gcpServiceAccountKeys "keyless", both stacks' setting): no service-account
 * key is planned; each workload that calls GCP gets a workload identity pool whose provider trusts
 * the cluster's token issuer with its keys inline and admits exactly that workload's Kubernetes
 * service account, which may impersonate its GCP service account; and the workload presents a
 * projected token of the provider's audience through an external_account credential configuration.
 * With "allowed", the keys come back and no pool is planned.
 */
import {
  answerApiServerWith,
  readServiceAccountIssuer,
  type ApiServerGet,
} from "../components/cluster/serviceAccountIssuer";
import { GCP_TOKEN_AUDIENCE } from "../components/gcp/workloadIdentity";
import { ROTATION_KEEPER } from "../components/safety/credentialRotation";
import { GCP_TOKEN_DIR, userconfigFile } from "../components/pki/openbaoNames";
import { planStack, type PlanError } from "../tools/engine/engine";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { renderPlanServices } from "../tools/engine/renderServices";
import { SIMULATED_ISSUER, simulatedApiServer } from "../tools/engine/cloud/kubernetesApi";
import { ofType, one, planFailure, planOf, stackConfigOf } from "./harness";

const KEY = "gcp:serviceaccount/key:Key";
const POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool";
const PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember";
const ACCOUNT = "gcp:serviceaccount/account:Account";
const SERVICE = "gcp:projects/service:Service";
const SECRET = "kubernetes:core/v1:Secret";

interface Holder {
  what: string;
  pool: string;
  subject: string;
  accountId: string;
}

function holders(stack: string): Holder[] {
  const config = stackConfigOf(stack);
  return [
    {
      what: "OpenBao's auto-unseal",
      pool: `prism-${stack}-openbao`,
      subject: "system:serviceaccount:openbao:openbao",
      accountId: `openbao-unseal-${stack}`,
    },
    ...(config.confidential.gcp.enabled
      ? [
          {
            what: "Backends' CVM launcher",
            pool: `prism-${stack}-backends`,
            subject: "system:serviceaccount:prism:backends",
            accountId: `prism-${stack}-backends`,
          },
        ]
      : []),
    {
      what: "External Secrets",
      pool: `prism-${stack}-secrets`,
      subject: "system:serviceaccount:external-secrets:gcpsm-reader",
      accountId: `prism-${stack}-secrets`,
    },
  ];
}

const obj = (v: unknown) => v as Record<string, unknown>;

function byInput(plan: Plan, type: string, key: string, value: unknown): PlannedResource {
  const found = ofType(plan, type).filter((r) => r.inputs[key] === value);
  if (found.length !== 1)
    throw new Error(`expected one ${type} with ${key}=${String(value)}, found ${found.length}`);
  return found[0];
}

/** The provider of one holder, and the STS audience naming it. */
function federationOf(plan: Plan, holder: Holder) {
  const pool = byInput(plan, POOL, "workloadIdentityPoolId", holder.pool);
  const provider = byInput(plan, PROVIDER, "workloadIdentityPoolId", holder.pool);
  const account = byInput(plan, ACCOUNT, "accountId", holder.accountId);
  return { pool, provider, account, stsAudience: `//iam.googleapis.com/${String(provider.outputs.name)}` };
}

/** Checks an external_account configuration: this provider, this token file, this account. */
function expectCredentialConfig(json: string, stsAudience: string, tokenFile: string, email: unknown): void {
  expect(JSON.parse(json)).toEqual({
    type: "external_account",
    audience: stsAudience,
    subject_token_type: "urn:ietf:params:oauth:token-type:jwt",
    token_url: "https://sts.googleapis.com/v1/token",
    service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${String(email)}:generateAccessToken`,
    credential_source: { file: tokenFile, format: { type: "text" } },
    universe_domain: "googleapis.com",
  });
}

describe.each(["staging", "production"])("%s, keyless", (stack) => {
  it("plans no service-account key and no key Secret", async () => {
    const plan = await planOf(stack);
    expect(ofType(plan, KEY)).toEqual([]);
    expect(ofType(plan, SECRET).filter((s) => s.name === "external-secrets-gcp-credentials")).toEqual([]);
  }, 300_000);

  it.each(holders(stack).map((h) => [h.what, h] as const))(
    "%s: a pool whose provider trusts the cluster's issuer and admits exactly its service account",
    async (_what, holder) => {
      const plan = await planOf(stack);
      const { pool, provider, account } = federationOf(plan, holder);
      expect(provider.inputs).toMatchObject({
        project: pool.inputs.project,
        workloadIdentityPoolProviderId: "kubernetes",
        attributeMapping: { "google.subject": "assertion.sub" },
        attributeCondition: `assertion.sub == "${holder.subject}"`,
      });
      const oidc = obj(provider.inputs.oidc);
      expect(oidc.issuerUri).toBe(SIMULATED_ISSUER);
      expect(oidc.allowedAudiences).toEqual([GCP_TOKEN_AUDIENCE]);
      // The cluster's own keys, inline, in the fields GCP accepts.
      const jwks = JSON.parse(String(oidc.jwksJson)) as { keys: Record<string, unknown>[] };
      expect(jwks.keys.length).toBeGreaterThan(0);
      for (const key of jwks.keys) {
        expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", e: "AQAB" });
        expect(Object.keys(key).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
      }

      // roles/iam.workloadIdentityUser for that one principal on its own service account.
      const number = /^projects\/(\d+)\/locations\/global\/workloadIdentityPools\//.exec(
        String(pool.outputs.name),
      )?.[1];
      expect(number).toMatch(/^\d{12}$/);
      const principal = `principal://iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/${holder.pool}/subject/${holder.subject}`;
      const bindings = ofType(plan, SA_MEMBER).filter(
        (m) => m.inputs.role === "roles/iam.workloadIdentityUser",
      );
      const binding = bindings.filter((m) => m.inputs.member === principal);
      expect(binding).toHaveLength(1);
      expect(binding[0].inputs.serviceAccountId).toBe(account.outputs.name);

      // The component enables what federation calls, in the same project, and the pool waits for it.
      for (const api of ["iam.googleapis.com", "sts.googleapis.com", "iamcredentials.googleapis.com"]) {
        const enabled = ofType(plan, SERVICE).filter(
          (s) =>
            s.parent === pool.parent && s.inputs.service === api && s.inputs.project === pool.inputs.project,
        );
        expect(enabled).toHaveLength(1);
        expect(pool.dependencies).toContain(enabled[0].urn);
      }
    },
    300_000,
  );

  it("OpenBao mounts a projected token of the provider's audience and its seal reads the credential configuration", async () => {
    const plan = await planOf(stack);
    const { provider, account, stsAudience } = federationOf(plan, holders(stack)[0]);
    const release = one(plan, "kubernetes:helm.sh/v3:Release", "openbao");
    const server = obj(obj(release.inputs.values).server);
    expect(server.volumes).toContainEqual({
      name: "gcp-token",
      projected: {
        sources: [
          {
            serviceAccountToken: {
              audience: (obj(provider.inputs.oidc).allowedAudiences as string[])[0],
              expirationSeconds: 3600,
              path: "token",
            },
          },
        ],
      },
    });
    expect(server.volumeMounts).toContainEqual({
      name: "gcp-token",
      mountPath: GCP_TOKEN_DIR,
      readOnly: true,
    });
    const credentials = ofType(plan, SECRET).find((s) => obj(s.inputs.metadata).name === "openbao-gcpckms");
    const file = Buffer.from(String(obj(credentials?.inputs.data)["credentials.json"]), "base64").toString(
      "utf8",
    );
    expectCredentialConfig(file, stsAudience, `${GCP_TOKEN_DIR}/token`, account.outputs.email);
    const config = String(obj(obj(obj(server.ha).raft)).config);
    expect(config).toContain(`credentials = "${userconfigFile("openbao-gcpckms", "credentials.json")}"`);
  }, 300_000);

  it("External Secrets' store federates a token of its own service account, impersonating the reader", async () => {
    const plan = await planOf(stack);
    const holder = holders(stack).find((h) => h.what === "External Secrets");
    if (!holder) throw new Error("no External Secrets holder");
    const { account, stsAudience } = federationOf(plan, holder);
    const store = one(plan, "kubernetes:external-secrets.io/v1:ClusterSecretStore");
    expect(obj(obj(obj(store.inputs.spec).provider).gcpsm).auth).toEqual({
      workloadIdentityFederation: {
        audience: stsAudience,
        serviceAccountRef: {
          name: "gcpsm-reader",
          namespace: "external-secrets",
          audiences: [GCP_TOKEN_AUDIENCE],
        },
        gcpServiceAccountEmail: account.outputs.email,
      },
    });
    const reader = one(plan, "kubernetes:core/v1:ServiceAccount", "external-secrets-gcpsm-reader");
    expect(reader.inputs).toMatchObject({
      metadata: { name: "gcpsm-reader", namespace: "external-secrets" },
      automountServiceAccountToken: false,
    });
    const accessor = one(plan, "gcp:projects/iAMMember:IAMMember", "external-secrets-gcp-accessor");
    expect(accessor.inputs).toMatchObject({
      project: stackConfigOf(stack).externalSecrets.gcpProject,
      role: "roles/secretmanager.secretAccessor",
      member: `serviceAccount:${String(account.outputs.email)}`,
    });
  }, 300_000);

  it("Backends' pods mount the projected token and read the credential configuration", async () => {
    if (!stackConfigOf(stack).confidential.gcp.enabled) return;
    const plan = await planOf(stack);
    const holder = holders(stack).find((h) => h.what === "Backends' CVM launcher");
    if (!holder) throw new Error("no Backends holder");
    const { account, stsAudience } = federationOf(plan, holder);
    const secret = one(plan, SECRET, "backends-gcp-credentials");
    const tokenFile = "/var/run/secrets/prism/gcp-token/token";
    expectCredentialConfig(
      String(obj(secret.inputs.stringData)["credentials.json"]),
      stsAudience,
      tokenFile,
      account.outputs.email,
    );

    const backends = (await renderPlanServices(plan)).find((s) => s.release === "backends");
    const rollout = backends?.manifests.find((m) => m.kind === "Rollout");
    const pod = obj(obj(obj(rollout?.spec).template).spec);
    expect(pod.serviceAccountName).toBe("backends");
    expect(pod.volumes).toContainEqual({
      name: "token-gcp-token",
      projected: {
        sources: [
          { serviceAccountToken: { path: "token", audience: GCP_TOKEN_AUDIENCE, expirationSeconds: 3600 } },
        ],
      },
    });
    const container = (pod.containers as Record<string, unknown>[])[0];
    expect(container.volumeMounts).toContainEqual({
      name: "token-gcp-token",
      mountPath: "/var/run/secrets/prism/gcp-token",
      readOnly: true,
    });
    expect(container.volumeMounts).toContainEqual({
      name: "connection-gcp-credentials",
      mountPath: "/var/run/secrets/prism/gcp-credentials",
      readOnly: true,
    });
    const env = backends?.manifests.find((m) => m.kind === "ConfigMap" && m.metadata.name === "backends");
    expect(obj(env?.data).GOOGLE_APPLICATION_CREDENTIALS).toBe(
      "/var/run/secrets/prism/gcp-credentials/credentials.json",
    );
  }, 300_000);
});

describe.each(["staging", "production"])("%s, keys allowed", (stack) => {
  const allowed = () =>
    planStack({
      stack,
      mutateConfig: (c) => {
        c["prism:gcpServiceAccountKeys"] = "allowed";
      },
    });

  it("plans the keys as before and no workload identity pool", async () => {
    const plan = await allowed();
    const expected = ["openbao-unseal-sa-key"];
    if (stackConfigOf(stack).confidential.gcp.enabled) expected.push("confidential-gcp-backends-key");
    expect(
      ofType(plan, KEY)
        .map((k) => k.name)
        .sort(),
    ).toEqual(expected.sort());
    // Each still rotates on its own schedule.
    for (const key of ofType(plan, KEY)) {
      expect(obj(key.inputs.keepers)[ROTATION_KEEPER]).toBeDefined();
      expect(ofType(plan, "time:index/rotating:Rotating").map((r) => r.name)).toContain(
        `${key.name}-rotation`,
      );
    }
    expect(ofType(plan, POOL)).toEqual([]);
    expect(ofType(plan, PROVIDER)).toEqual([]);
    const store = one(plan, "kubernetes:external-secrets.io/v1:ClusterSecretStore");
    expect(obj(obj(obj(store.inputs.spec).provider).gcpsm).auth).toMatchObject({
      secretRef: { secretAccessKeySecretRef: { name: "gcpsm-credentials", key: "credentials.json" } },
    });
    const release = one(plan, "kubernetes:helm.sh/v3:Release", "openbao");
    const volumes = obj(obj(release.inputs.values).server).volumes as { name: string }[];
    expect(volumes.map((v) => v.name)).toEqual(["tmp"]);
  }, 300_000);
});

describe("the cluster's issuer", () => {
  afterEach(() => answerApiServerWith(simulatedApiServer));

  const credentials = {
    host: "https://1.2.3.4",
    clusterCaCertificate: Buffer.from("CA PEM").toString("base64"),
    token: "t0ken",
  };

  it("is read from the API server with the cluster's CA and token, keeping only the JWK fields GCP accepts", async () => {
    const asked: string[] = [];
    const fake: ApiServerGet = ({ server, path, ca, token }) => {
      asked.push(`${server}${path} ${ca} ${token}`);
      return Promise.resolve(
        path === "/.well-known/openid-configuration"
          ? JSON.stringify({ issuer: "https://issuer.example", jwks_uri: "https://10.0.0.1/openid/v1/jwks" })
          : JSON.stringify({
              keys: [{ use: "sig", kty: "RSA", kid: "k", alg: "RS256", n: "nn", e: "AQAB", x5c: ["c"] }],
            }),
      );
    };
    answerApiServerWith(fake);
    expect(await readServiceAccountIssuer(credentials)).toEqual({
      issuer: "https://issuer.example",
      jwksJson: JSON.stringify({
        keys: [{ kty: "RSA", alg: "RS256", use: "sig", kid: "k", n: "nn", e: "AQAB" }],
      }),
    });
    expect(asked).toEqual([
      "https://1.2.3.4/.well-known/openid-configuration CA PEM t0ken",
      "https://1.2.3.4/openid/v1/jwks CA PEM t0ken",
    ]);
  });

  it("fails the stack, naming the org policy and the alternative, when GCP cannot federate it", async () => {
    answerApiServerWith(({ path }) =>
      Promise.resolve(
        path === "/openid/v1/jwks"
          ? JSON.stringify({ keys: [{ kty: "RSA", kid: "k", n: "nn", e: "AQAB" }] })
          : JSON.stringify({ issuer: "kubernetes/serviceaccount" }),
      ),
    );
    const failure: PlanError = await planFailure("staging", () => undefined);
    expect(failure.message).toContain('the cluster\'s service-account issuer is "kubernetes/serviceaccount"');
    expect(failure.message).toContain('prism:gcpServiceAccountKeys to "allowed"');
    expect(failure.message).toContain("iam.disableServiceAccountKeyCreation");
  }, 300_000);

  it("fails the stack with what to do when the API server cannot be asked", async () => {
    answerApiServerWith(() => Promise.reject(new Error("connect ETIMEDOUT")));
    const failure = await planFailure("staging", () => undefined);
    expect(failure.message).toContain("could not read the cluster's service-account issuer");
    expect(failure.message).toContain("connect ETIMEDOUT");
    expect(failure.message).toContain("control-plane firewall");
  }, 300_000);
});
