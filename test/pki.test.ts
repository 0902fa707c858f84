import { selfSignedCertificate } from "./selfSignedCertificate";
import { PKI_INT_MOUNT, PKI_ROOT_MOUNT, PKI_STATUS, type PkiStatus } from "../components/pki/openbaoPki";
import { buildPki } from "../stacks/platform";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { checkPlan, mandatory } from "../tools/engine/policyRun";
import type { ConfigMutation } from "../tools/engine/stackSettings";
import { ofType, one, planWithFoundation, section, type ComponentContext } from "./harness";
import { releaseProblems } from "./upstreamCharts";
import { releaseChartPath } from "../components/helm/helmRelease";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const KEY_RING = "gcp:kms/keyRing:KeyRing";
const CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey";
const KEY_IAM = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember";
const ROLE = "vault:pkiSecret/secretBackendRole:SecretBackendRole";
const MOUNT = "vault:index/mount:Mount";
const SET_SIGNED = "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned";

const withToken: ConfigMutation = (c) => {
  c["prism:openbaoToken"] = { secure: "v1:placeholder" };
};

/**
 * The auto-unseal identity with keys allowed, the path these tests check; keyless auto-unseal (the
 * stacks' setting) is test/gcpKeyless.test.ts.
 */
const keysAllowed: ConfigMutation = (c) => {
  c["prism:gcpServiceAccountKeys"] = "allowed";
};

/** The PKI layer of stacks/platform.ts, on a first run (no previous status); returns its bootstrap status. */
function build(ctx: ComponentContext): PkiStatus {
  return buildPki({ ...ctx, previous: {} }, ctx).pki.status;
}

async function plan(stack: string, mutate?: ConfigMutation): Promise<{ plan: Plan; status: PkiStatus }> {
  let status: PkiStatus | undefined;
  const result = await planWithFoundation(
    stack,
    (ctx) => (status = build(ctx)),
    (c) => {
      keysAllowed(c);
      mutate?.(c);
    },
  );
  if (!status) throw new Error("the PKI component was not built");
  return { plan: result, status };
}

type Values = {
  global: { tlsDisable: boolean };
  injector: { enabled: boolean };
  server: {
    ha: {
      enabled: boolean;
      replicas: number;
      raft: { enabled: boolean; config: string };
      disruptionBudget: { enabled: boolean };
    };
    dataStorage: { size: string };
    auditStorage: { enabled: boolean };
    resources: { requests: object; limits: object };
    statefulSet: { securityContext: { pod: Record<string, unknown>; container: Record<string, unknown> } };
  };
};

const vaultResources = (p: Plan) => p.resources.filter((r) => r.type.startsWith("vault:"));
const inputs = <T>(r: PlannedResource) => r.inputs as T;

describe.each([
  { stack: "staging", replicas: 1, storage: "5Gi", production: false, cvmHours: 24, mtlsHours: 72 },
  { stack: "production", replicas: 3, storage: "20Gi", production: true, cvmHours: 12, mtlsHours: 24 },
])("OpenBao in $stack", ({ stack, replicas, storage, production, cvmHours, mtlsHours }) => {
  let before: { plan: Plan; status: PkiStatus };
  let after: { plan: Plan; status: PkiStatus };
  beforeAll(async () => {
    before = await plan(stack);
    after = await plan(stack, withToken);
  });

  it("runs HA on Raft with the stack's replica count, TLS, auto-unseal and audit", () => {
    const release = one(before.plan, RELEASE, "openbao");
    expect(release.inputs).toMatchObject({ chart: releaseChartPath("openbao"), namespace: "openbao" });
    const values = inputs<{ values: Values }>(release).values;
    expect(values.global.tlsDisable).toBe(false);
    expect(values.injector.enabled).toBe(false);
    expect(values.server.ha).toMatchObject({ enabled: true, replicas, raft: { enabled: true } });
    expect(values.server.ha.disruptionBudget.enabled).toBe(replicas > 1);
    expect(values.server.dataStorage.size).toBe(storage);
    expect(values.server.auditStorage.enabled).toBe(true);
    expect(values.server.resources.limits).toBeDefined();

    const config = values.server.ha.raft.config;
    expect(config).toContain('storage "raft"');
    expect(config.match(/retry_join \{/g)).toHaveLength(replicas);
    expect(config).toContain('tls_cert_file   = "/openbao/userconfig/openbao-tls/tls.crt"');
    expect(config).toMatch(
      /seal "gcpckms" \{[\s\S]*credentials = "\/openbao\/userconfig\/openbao-gcpckms\/credentials.json"/,
    );
    expect(config).toContain(`key_ring    = "prism-${stack}-openbao"`);
    expect(config).toContain('crypto_key  = "openbao-unseal"');
    expect(config).toContain('region      = "europe-west4"');
    expect(config).toMatch(/audit "file" "file"[\s\S]*\/openbao\/audit\/audit.log/);
    // The chart passes the config through `tpl` and sed: no template braces, none of sed's words.
    expect(config).not.toMatch(/\{\{|HOSTNAME|POD_IP|HOST_IP|API_ADDR/);
  });

  it("runs the servers under Pod Security `restricted`", () => {
    const values = inputs<{ values: Values }>(one(before.plan, RELEASE, "openbao")).values;
    expect(values.server.statefulSet.securityContext.pod).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(values.server.statefulSet.securityContext.container).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
    });
  });

  it("uses only Helm values the pinned chart knows", () => {
    expect(releaseProblems(before.plan)).toEqual([]);
  });

  it(`${production ? "protects" : "does not protect"} the release and the KMS key ring and key`, () => {
    expect(one(before.plan, RELEASE, "openbao").options.protect).toBe(production);
    expect(one(before.plan, KEY_RING).options.protect).toBe(production);
    expect(one(before.plan, CRYPTO_KEY).options.protect).toBe(production);
  });

  it("creates a rotating ENCRYPT_DECRYPT key through an explicit GCP provider", () => {
    const key = one(before.plan, CRYPTO_KEY);
    expect(key.inputs).toMatchObject({
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: "7776000s",
      versionTemplate: { protectionLevel: production ? "HSM" : "SOFTWARE" },
    });
    const gcpProvider = one(before.plan, "pulumi:providers:gcp");
    expect(gcpProvider.inputs).toMatchObject({ project: `prism-${stack}-000000`, region: "europe-west4" });
    for (const r of before.plan.resources.filter((x) => x.type.startsWith("gcp:")))
      expect(r.provider).toBe(gcpProvider.urn);
  });

  it("grants the unseal service account the key, not the project", () => {
    const key = one(before.plan, CRYPTO_KEY);
    const account = one(before.plan, "gcp:serviceaccount/account:Account");
    const members = ofType(before.plan, KEY_IAM);
    expect(members.map((m) => m.inputs.role).sort()).toEqual([
      "roles/cloudkms.cryptoKeyEncrypterDecrypter",
      "roles/cloudkms.viewer",
    ]);
    for (const m of members) {
      expect(m.inputs.cryptoKeyId).toBe(key.id);
      expect(m.inputs.member).toBe(account.outputs.member);
    }
    const projectLevel = before.plan.resources.filter((r) =>
      /^gcp:(projects|organizations)\/iAM/.test(r.type),
    );
    expect(projectLevel).toEqual([]);
  });

  it("keeps the service-account key and the TLS private keys secret", () => {
    const saKey = one(before.plan, "gcp:serviceaccount/key:Key");
    expect(saKey.options.additionalSecretOutputs).toContain("privateKey");
    const credentials = ofType(before.plan, SECRET).find(
      (s) => (s.inputs.metadata as { name: string }).name === "openbao-gcpckms",
    );
    // The whole of a Secret's data is a Pulumi secret (the Kubernetes SDK wraps it).
    expect(credentials?.secretPaths).toContain("data");
    const listener = ofType(before.plan, SECRET).find(
      (s) => (s.inputs.metadata as { name: string }).name === "openbao-tls",
    );
    expect(listener?.inputs.type).toBe("kubernetes.io/tls");
    expect(Object.keys(listener?.inputs.stringData as object).sort()).toEqual([
      "ca.crt",
      "tls.crt",
      "tls.key",
    ]);
    expect(listener?.secretPaths).toContain("stringData");
    expect(one(before.plan, "tls:index/selfSignedCert:SelfSignedCert").secretPaths).toContain(
      "privateKeyPem",
    );
    expect(one(before.plan, "tls:index/certRequest:CertRequest").secretPaths).toContain("privateKeyPem");
    expect(one(before.plan, "tls:index/locallySignedCert:LocallySignedCert").secretPaths).toContain(
      "caPrivateKeyPem",
    );
  });

  it("certifies every service name, each pod and the port-forward address", () => {
    const csr = one(before.plan, "tls:index/certRequest:CertRequest").inputs;
    expect(csr.ipAddresses).toEqual(["127.0.0.1"]);
    expect(csr.dnsNames).toEqual(
      expect.arrayContaining([
        "openbao",
        "openbao.openbao.svc",
        "openbao.openbao.svc.cluster.local",
        "openbao-active.openbao.svc",
        "*.openbao-internal",
        ...Array.from({ length: replicas }, (_, i) => `openbao-${i}.openbao-internal`),
      ]),
    );
  });

  it("allows Raft peers, am-certs from prism, Google KMS and the Kubernetes API, nothing else", () => {
    const policies = ofType(before.plan, NETWORK_POLICY).filter((p) =>
      (p.inputs.metadata as { name: string }).name.startsWith("openbao-"),
    );
    const byName = Object.fromEntries(
      policies.map((p) => [
        (p.inputs.metadata as { name: string }).name,
        p.inputs.spec as Record<string, unknown>,
      ]),
    );
    expect(Object.keys(byName).sort()).toEqual([
      "openbao-am-certs",
      "openbao-egress-google-kms",
      "openbao-egress-kubernetes-api",
      "openbao-raft-peers",
    ]);
    for (const p of policies) expect((p.inputs.metadata as { namespace: string }).namespace).toBe("openbao");
    expect(byName["openbao-am-certs"]).toMatchObject({
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prism" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "am-certs" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 8200 }],
        },
      ],
    });
    expect(byName["openbao-raft-peers"]).toMatchObject({
      ingress: [{ ports: [{ port: 8200 }, { port: 8201 }] }],
      egress: [{ ports: [{ port: 8200 }, { port: 8201 }] }],
    });
    expect(byName["openbao-egress-google-kms"]).toMatchObject({ egress: [{ ports: [{ port: 443 }] }] });
  });

  it("without the OpenBao token registers no Vault resource and reports the bootstrap step", () => {
    expect(vaultResources(before.plan)).toEqual([]);
    expect(before.status).toBe(PKI_STATUS.awaitingInit);
    expect(before.status).toContain("docs/openbao-bootstrap.md");
  });

  it.each(["before", "after"])("has no mandatory policy violations %s the bootstrap", async (when) => {
    const p = when === "before" ? before.plan : after.plan;
    expect(mandatory(await checkPlan(p))).toEqual([]);
  });

  it("with the token configures the provider with the secret token and the listener's CA", () => {
    const provider = one(after.plan, "pulumi:providers:vault");
    // Provider configuration reaches the engine as strings.
    expect(provider.inputs).toMatchObject({
      address: "https://127.0.0.1:8200",
      skipTlsVerify: "false",
      skipChildToken: "false",
    });
    expect(provider.secretPaths).toContain("token");
    expect(String(provider.inputs.caCertFile)).toMatch(new RegExp(`${stack}-listener-ca\\.pem$`));
    for (const r of vaultResources(after.plan)) expect(r.provider).toBe(provider.urn);
  });

  it("issues cvm-agent and service-mtls certificates with the stack's TTLs", () => {
    const roles = Object.fromEntries(ofType(after.plan, ROLE).map((r) => [r.inputs.name, r.inputs]));
    expect(Object.keys(roles).sort()).toEqual(["cvm-agent", "service-mtls"]);
    const domain = production ? "cvm.prism.example.com" : "cvm.staging.prism.example.com";
    expect(roles["cvm-agent"]).toMatchObject({
      backend: PKI_INT_MOUNT,
      maxTtl: String(cvmHours * 3600),
      serverFlag: true,
      clientFlag: true,
      allowAnyName: false,
      keyType: "ec",
      keyBits: 256,
      allowedDomains: [domain],
    });
    expect(roles["service-mtls"]).toMatchObject({
      maxTtl: String(mtlsHours * 3600),
      allowedDomains: ["svc.cluster.local"],
      allowSubdomains: true,
      allowAnyName: false,
    });
  });

  it("publishes issuing, CRL and OCSP URLs and a CRL configuration on every PKI mount", () => {
    const mounts = ofType(after.plan, MOUNT).map((m) => m.inputs.path);
    expect(mounts.sort()).toEqual(production ? [PKI_INT_MOUNT] : [PKI_INT_MOUNT, PKI_ROOT_MOUNT]);
    for (const path of mounts) {
      const urls = ofType(after.plan, "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls").find(
        (u) => u.inputs.backend === path,
      );
      expect(urls?.inputs).toMatchObject({
        issuingCertificates: [`https://openbao.openbao.svc:8200/v1/${String(path)}/ca`],
        crlDistributionPoints: [`https://openbao.openbao.svc:8200/v1/${String(path)}/crl`],
      });
      const crl = ofType(after.plan, "vault:pkiSecret/secretBackendCrlConfig:SecretBackendCrlConfig").find(
        (c) => c.inputs.backend === path,
      );
      expect(crl?.inputs).toMatchObject({ disable: false, autoRebuild: true });
    }
  });

  it("binds the Kubernetes auth role to prism/am-certs with a policy for the two roles only", () => {
    const config = one(after.plan, "vault:kubernetes/authBackendConfig:AuthBackendConfig");
    expect(config.inputs).toMatchObject({
      backend: "kubernetes",
      kubernetesHost: "https://kubernetes.default.svc",
    });
    const role = one(after.plan, "vault:kubernetes/authBackendRole:AuthBackendRole");
    expect(role.inputs).toMatchObject({
      roleName: "am-certs",
      boundServiceAccountNames: ["am-certs"],
      boundServiceAccountNamespaces: ["prism"],
      tokenPolicies: ["am-certs"],
      tokenTtl: 900,
    });
    const policy = String(one(after.plan, "vault:index/policy:Policy").inputs.policy);
    const paths = [...policy.matchAll(/path "([^"]+)"/g)].map((m) => m[1]).sort();
    expect(paths).toEqual([
      "pki-int/issue/cvm-agent",
      "pki-int/issue/service-mtls",
      "pki-int/sign/cvm-agent",
      "pki-int/sign/service-mtls",
    ]);
    expect(policy).not.toMatch(/"(read|list|delete|sudo)"/);
  });

  if (production) {
    it("with an external root, waits for the signed intermediate before setting it", () => {
      expect(ofType(after.plan, "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert")).toEqual([]);
      expect(
        ofType(
          after.plan,
          "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
        ),
      ).toHaveLength(1);
      expect(ofType(after.plan, SET_SIGNED)).toEqual([]);
      expect(after.status).toBe(PKI_STATUS.awaitingSignature);
    });
  } else {
    it("with a generated root, signs the intermediate with it and sets it", () => {
      const signed = one(
        after.plan,
        "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate",
      );
      expect(signed.inputs.backend).toBe(PKI_ROOT_MOUNT);
      expect(one(after.plan, SET_SIGNED).inputs).toMatchObject({
        backend: PKI_INT_MOUNT,
        certificate: signed.outputs.certificateBundle,
      });
      expect(after.status).toBe(PKI_STATUS.configured);
    });
  }
});

describe("the production PKI once the external root has signed the intermediate", () => {
  // A real CA certificate: config validation reads it and checks it outlives every leaf.
  const pem = selfSignedCertificate(730, true, "Prism intermediate");

  it("sets the signed certificate from config, before the roles", async () => {
    const { plan: p, status } = await plan("production", (c) => {
      withToken(c);
      section(c, "prism:pki").externalIntermediateCertificate = pem;
    });
    const setSigned = one(p, SET_SIGNED);
    expect(setSigned.inputs).toMatchObject({ backend: PKI_INT_MOUNT, certificate: pem });
    for (const role of ofType(p, ROLE)) expect(role.dependencies).toContain(setSigned.urn);
    expect(status).toBe(PKI_STATUS.configured);
    expect(mandatory(await checkPlan(p))).toEqual([]);
  });
});
