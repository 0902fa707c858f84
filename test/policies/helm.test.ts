import * as k8s from "@pulumi/kubernetes";
import { helmPolicies, plaintextSecretPaths } from "../../policies/rules/helm";
import { messagesOf } from "../policyHarness";

type ReleaseArgs = k8s.helm.v3.ReleaseArgs;

/** A release that satisfies every Helm rule; each test breaks one thing. */
function goodRelease(overrides: Partial<ReleaseArgs> = {}): ReleaseArgs {
  return {
    name: "grafana",
    namespace: "observability",
    chart: "../charts/vendor/grafana-8.5.2.tgz",
    version: "8.5.2",
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
  it("accept a pinned release installing its vendored archive", async () => {
    expect(await release(goodRelease())).toEqual([]);
    // Pre-release and build versions, and an equivalent spelling of the vendored folder.
    const archive = "../charts/./vendor/prism-0.1.0-rc.1+build.7.tgz";
    expect(await release(goodRelease({ chart: archive, version: "0.1.0-rc.1+build.7" }))).toEqual([]);
  });

  it("accept https repositories and OCI registries only where remote charts are allowed", async () => {
    const remote = [
      goodRelease({ chart: "grafana", repositoryOpts: { repo: "https://grafana.github.io/helm-charts" } }),
      goodRelease({ chart: "oci://ghcr.io/traefik/helm/traefik", version: "v34.1.0" }),
    ];
    const config = { "helm-repository-secure": { allowRemoteRepositories: true } };
    for (const args of remote) {
      expect(
        await messagesOf(
          helmPolicies,
          ({ k8s: provider }) => void new k8s.helm.v3.Release("grafana", args, { provider }),
          config,
        ),
      ).toEqual([]);
    }
    expect(await release(remote[0])).toEqual([
      "helm-repository-secure: release grafana fetches chart grafana from repository https://grafana.github.io/helm-charts at deploy time; install its archive from ../charts/vendor",
    ]);
    expect(await release(remote[1])).toEqual([
      "helm-repository-secure: release grafana fetches chart oci://ghcr.io/traefik/helm/traefik from oci://ghcr.io/traefik/helm/traefik at deploy time; install its archive from ../charts/vendor",
    ]);
  });

  it.each([
    ["a bare chart name (resolved from whatever repositories the machine has)", "grafana"],
    ["a path relative to the wrong folder", "charts/vendor/grafana-8.5.2.tgz"],
    ["a path escaping the vendored folder", "../charts/vendor/../../elsewhere/grafana-8.5.2.tgz"],
    ["an absolute path", "/home/me/charts/vendor/grafana-8.5.2.tgz"],
    ["an unpacked chart directory", "../charts/vendor/grafana"],
  ])("rejects %s", async (_what, chart) => {
    expect(await release(goodRelease({ chart }))).toEqual([
      `helm-repository-secure: release grafana installs chart ${chart}, which is not an archive in ../charts/vendor`,
    ]);
  });

  it("rejects a vendored archive whose name carries another version than the release pins", async () => {
    expect(await release(goodRelease({ version: "8.5.3" }))).toEqual([
      "helm-chart-version-pinned: release grafana (chart ../charts/vendor/grafana-8.5.2.tgz) pins version 8.5.3 but the archive is 8.5.2",
    ]);
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
    expect(messages[0]).toMatch(
      /^helm-chart-version-pinned: release grafana \(chart \.\.\/charts\/vendor\/grafana-8\.5\.2\.tgz\) /,
    );
    expect(messages[0]).toContain(version.trim() === "" ? "sets no version" : "is not an exact version");
  });

  it("rejects a release without a version", async () => {
    expect(await release(goodRelease({ version: undefined }))).toEqual([
      "helm-chart-version-pinned: release grafana (chart ../charts/vendor/grafana-8.5.2.tgz) sets no version",
    ]);
  });

  it("rejects plain-http repositories and chart URLs, even where remote charts are allowed", async () => {
    const config = { "helm-repository-secure": { allowRemoteRepositories: true } };
    const check = (args: ReleaseArgs) =>
      messagesOf(
        helmPolicies,
        ({ k8s: provider }) => void new k8s.helm.v3.Release("grafana", args, { provider }),
        config,
      );
    expect(
      await check(goodRelease({ chart: "grafana", repositoryOpts: { repo: "http://charts.example.com" } })),
    ).toEqual([
      "helm-repository-secure: release grafana fetches chart grafana from repository http://charts.example.com, which is neither https:// nor oci://",
    ]);
    expect(await check(goodRelease({ chart: "http://charts.example.com/grafana-8.5.2.tgz" }))).toEqual([
      "helm-repository-secure: release grafana fetches chart http://charts.example.com/grafana-8.5.2.tgz from http://charts.example.com/grafana-8.5.2.tgz, which is neither https:// nor oci://",
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
