import * as cloudflare from "@pulumi/cloudflare";
import { cloudflarePolicies } from "../../policies/rules/cloudflare";
import { checkResources, messagesOf } from "../policyHarness";

type Ingress = cloudflare.types.input.ZeroTrustTunnelCloudflaredConfigConfigIngress;

const accountId = "0123456789abcdef0123456789abcdef";
const zoneId = "fedcba9876543210fedcba9876543210";
const tunnelId = "6ff42ae2-765d-4adf-8112-31c55c1551ef";
const CATCH_ALL: Ingress = { service: "http_status:404" };

function tunnelConfig(name: string, ingresses: Ingress[] | undefined) {
  return new cloudflare.ZeroTrustTunnelCloudflaredConfig(name, {
    accountId,
    tunnelId,
    config: ingresses === undefined ? undefined : { ingresses },
  });
}

function accessApp(name: string, args: Partial<cloudflare.ZeroTrustAccessApplicationArgs>) {
  return new cloudflare.ZeroTrustAccessApplication(name, { accountId, name, type: "self_hosted", ...args });
}

describe("Cloudflare rules", () => {
  it("accept proxied tunnel records, a terminated ingress list and operator hosts behind Access", async () => {
    const messages = await messagesOf(cloudflarePolicies, () => {
      new cloudflare.DnsRecord("grafana", {
        zoneId,
        name: "grafana.example.com",
        type: "CNAME",
        content: `${tunnelId}.cfargotunnel.com`,
        proxied: true,
        ttl: 1,
      });
      // Not a tunnel target: the proxied rule does not apply.
      new cloudflare.DnsRecord("mx", {
        zoneId,
        name: "example.com",
        type: "MX",
        content: "mx.example.net",
        ttl: 300,
      });
      tunnelConfig("edge", [
        { hostname: "app.example.com", service: "http://traefik.edge:80" },
        { hostname: "grafana.example.com", service: "http://traefik.edge:80" },
        { hostname: "argocd.example.com", service: "http://traefik.edge:80" },
        { hostname: "logs.example.com", path: "/api", service: "http://traefik.edge:80" },
        { hostname: "logs.example.com", service: "http://traefik.edge:80" },
        CATCH_ALL,
      ]);
      accessApp("grafana", { domain: "grafana.example.com" });
      accessApp("argocd", { destinations: [{ type: "public", uri: "argocd.example.com" }] });
      accessApp("logs", { selfHostedDomains: ["logs.example.com/*"] });
    });
    expect(messages).toEqual([]);
  });

  it.each<[string, cloudflare.DnsRecordArgs["proxied"]]>([
    ["unset", undefined],
    ["false", false],
  ])("reject a tunnel DNS record with proxied %s", async (_label, proxied) => {
    const messages = await messagesOf(cloudflarePolicies, () => {
      new cloudflare.DnsRecord("app", {
        zoneId,
        name: "app.example.com",
        type: "CNAME",
        content: `${tunnelId}.cfargotunnel.com`,
        proxied,
        ttl: 1,
      });
    });
    expect(messages).toEqual([
      `cf-tunnel-dns-proxied: DNS record app.example.com points at tunnel ${tunnelId}.cfargotunnel.com without proxied: true`,
    ]);
  });

  it.each<[string, Ingress[] | undefined, string]>([
    ["no config", undefined, "has no ingress rules"],
    ["no ingress rules", [], "has no ingress rules"],
    [
      "no catch-all",
      [{ hostname: "app.example.com", service: "http://traefik.edge:80" }],
      "last ingress rule (hostname app.example.com, service http://traefik.edge:80) is not a catch-all",
    ],
    [
      "a catch-all to a live service",
      [
        { hostname: "app.example.com", service: "http://traefik.edge:80" },
        { service: "http://traefik.edge:80" },
      ],
      "last ingress rule (hostname unset, service http://traefik.edge:80) is not a catch-all",
    ],
    [
      "an early catch-all",
      [
        { service: "http://traefik.edge:80" },
        { hostname: "app.example.com", service: "http://app:80" },
        CATCH_ALL,
      ],
      "ingress 0 (service http://traefik.edge:80) is a catch-all before the last rule",
    ],
  ])("reject a tunnel config with %s", async (_label, ingresses, says) => {
    const messages = await messagesOf(cloudflarePolicies, () => {
      tunnelConfig("edge", ingresses);
    });
    expect(messages).toContainEqual(
      expect.stringContaining(`cf-tunnel-ingress-catch-all: tunnel config edge ${says}`),
    );
    expect(messages.every((m) => m.startsWith("cf-tunnel-ingress-catch-all:"))).toBe(true);
  });

  it("rejects an operator host routed by a tunnel with no Access application", async () => {
    const violations = await messagesOf(cloudflarePolicies, () => {
      tunnelConfig("edge", [
        { hostname: "grafana.example.com", service: "http://traefik.edge:80" },
        { hostname: "OpenBao.example.com", service: "http://traefik.edge:80" },
        { hostname: "app.example.com", service: "http://traefik.edge:80" },
        CATCH_ALL,
      ]);
      accessApp("grafana", { domain: "grafana.example.com" });
      // A path-scoped application does not cover the whole host.
      accessApp("openbao-ui", { domain: "openbao.example.com/ui" });
    });
    expect(violations).toEqual([
      "cf-operator-hosts-behind-access: tunnel config edge routes operator host openbao.example.com with no Access application covering it",
    ]);
  });

  it("reports with the tunnel config's urn", async () => {
    const { plan, violations } = await checkResources(cloudflarePolicies, () => {
      tunnelConfig("edge", [{ hostname: "traefik.example.com", service: "http://traefik:8080" }, CATCH_ALL]);
    });
    const tunnelUrn = plan.resources.find((r) => r.name === "edge")?.urn;
    expect(tunnelUrn).toBeDefined();
    expect(violations.map((v) => [v.policy, v.urn])).toEqual([
      ["cf-operator-hosts-behind-access", tunnelUrn],
    ]);
  });

  it("takes the operator host prefixes from config", async () => {
    const build = () => {
      tunnelConfig("edge", [
        { hostname: "grafana.example.com", service: "http://traefik.edge:80" },
        { hostname: "kibana.example.com", service: "http://traefik.edge:80" },
        CATCH_ALL,
      ]);
    };
    const config = { "cf-operator-hosts-behind-access": { operatorHostPrefixes: ["kibana"] } };
    expect(await messagesOf(cloudflarePolicies, build, config)).toEqual([
      "cf-operator-hosts-behind-access: tunnel config edge routes operator host kibana.example.com with no Access application covering it",
    ]);
  });
});
