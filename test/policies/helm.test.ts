import * as k8s from "@pulumi/kubernetes";
import { helmPolicies, plaintextSecretPaths } from "../../policies/rules/helm";
import { messagesOf } from "../policyHarness";

type ReleaseArgs = k8s.helm.v3.ReleaseArgs;

/** A release that satisfies every Helm rule; each test breaks one thing. */
function goodRelease(overrides: Partial<ReleaseArgs> = {}): ReleaseArgs {
  return {
    name: "grafana",
    namespace: "observability",
    chart: "grafana",
    version: "8.5.2",
    repositoryOpts: { repo: "https://grafana.github.io/helm-charts" },
    values: {
      admin: { existingSecret: "grafana-admin", userKey: "user", passwordKey: "password" },
      persistence: { enabled: true },
    },
    ...overrides,
  };
}

function release(args: ReleaseArgs) {
  return messagesOf(helmPolicies, ({ k8s: provider }) => {
    new k8s.helm.v3.Release("grafana", args, { provider });
  });
}

describe("Helm release rules", () => {
  it("accept pinned releases from https repositories, OCI registries and local charts", async () => {
    const messages = await messagesOf(helmPolicies, ({ k8s: provider }) => {
      new k8s.helm.v3.Release("grafana", goodRelease(), { provider });
      new k8s.helm.v3.Release(
        "traefik",
        goodRelease({
          name: "traefik",
          chart: "oci://ghcr.io/traefik/helm/traefik",
          version: "v34.1.0",
          repositoryOpts: undefined,
        }),
        { provider },
      );
      new k8s.helm.v3.Release(
        "local",
        goodRelease({
          name: "local",
          chart: "./charts/prism",
          version: "0.1.0-rc.1+build.7",
          repositoryOpts: undefined,
        }),
        { provider },
      );
    });
    expect(messages).toEqual([]);
  });

  it.each([
    "",
    "^1.2.3",
    "~1.2.3",
    ">=1.2.0",
    "<2.0.0",
    "1.2.*",
    "1.2.x",
    "1.x",
    "1.2.3 || 1.2.4",
    " 1.2.3",
    "1.2",
    "latest",
  ])("reject chart version %j", async (version) => {
    const messages = await release(goodRelease({ version }));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^helm-chart-version-pinned: release grafana \(chart grafana\) /);
    expect(messages[0]).toContain(version.trim() === "" ? "sets no version" : "is not an exact version");
  });

  it("rejects a release without a version", async () => {
    expect(await release(goodRelease({ version: undefined }))).toEqual([
      "helm-chart-version-pinned: release grafana (chart grafana) sets no version",
    ]);
  });

  it("rejects plain-http repositories and chart URLs", async () => {
    expect(await release(goodRelease({ repositoryOpts: { repo: "http://charts.example.com" } }))).toEqual([
      "helm-repository-secure: release grafana uses repository http://charts.example.com, which is not https://",
    ]);
    expect(
      await release(
        goodRelease({ chart: "http://charts.example.com/grafana-8.5.2.tgz", repositoryOpts: undefined }),
      ),
    ).toEqual([
      "helm-repository-secure: release grafana fetches chart http://charts.example.com/grafana-8.5.2.tgz over plain http",
    ]);
  });

  it("rejects literal secrets in values, naming the path but never the value", async () => {
    const messages = await release(
      goodRelease({
        values: {
          adminPassword: "hunter2",
          secret: "s3cr3t",
          auth: { apiToken: "tok-123", existingSecret: "auth", existingPasswordSecret: "auth-pw" },
          clients: [{ name: "argocd", clientSecret: "abc" }],
          db: { password: "", passwordSecretKey: "password", credentials: { existingSecretKey: "creds" } },
        },
      }),
    );
    // The engine serialises values with sorted keys, so compare without order.
    expect([...messages].sort()).toEqual(
      ["adminPassword", "auth.apiToken", "clients[0].clientSecret", "secret"].map(
        (path) =>
          `helm-no-plaintext-secrets: release grafana sets values.${path} to a literal; reference an existing Secret instead`,
      ),
    );
    for (const value of ["hunter2", "s3cr3t", "tok-123", "abc"]) {
      expect(messages.join("\n")).not.toContain(value);
    }
  });

  it("tells secret values from references to existing Secrets", () => {
    const values = {
      password: "x",
      adminPassword: "x",
      apiToken: "x",
      api_key: "x",
      privateKey: "x",
      CREDENTIALS: "x",
      secret: "x",
      existingSecret: "x",
      secretName: "x",
      existingSecretKey: "x",
      passwordSecretKey: "x",
      tokenSecret: "x",
      secretRef: "x",
      passwordKey: "password",
      usePasswordFiles: true,
      tokenTTL: 3600,
      // Annotation and label keys name metadata, not settings.
      podAnnotations: { "prism.io/service-account-token": "watches its own CRDs" },
      server: { labels: { "example.com/api-token": "label-value" } },
    };
    expect(plaintextSecretPaths(values)).toEqual([
      "password",
      "adminPassword",
      "apiToken",
      "api_key",
      "privateKey",
      "CREDENTIALS",
      "secret",
    ]);
  });
});
