import type { PolicyPackConfig } from "@pulumi/policy";
import * as vault from "@pulumi/vault";
import { pkiPolicies, ttlSeconds } from "../../policies/rules/pki";
import { checkResources, messagesOf } from "../policyHarness";

type RoleArgs = vault.pkisecret.SecretBackendRoleArgs;

/** A leaf role that satisfies the hardening rule; each test breaks one thing. */
function goodRole(overrides: Partial<RoleArgs> = {}): RoleArgs {
  return {
    backend: "pki-int",
    name: "service",
    allowedDomains: ["svc.cluster.local"],
    allowSubdomains: true,
    maxTtl: "259200",
    ttl: "86400",
    keyType: "ec",
    keyBits: 256,
    ...overrides,
  };
}

function role(args: RoleArgs, config: PolicyPackConfig = {}) {
  return messagesOf(
    pkiPolicies,
    () => {
      new vault.pkisecret.SecretBackendRole("service", args);
    },
    config,
  );
}

/** A PKI mount with its URL and CRL configuration, each part optional. */
function pkiMount(
  path: string,
  parts: { urls?: Partial<vault.pkisecret.SecretBackendConfigUrlsArgs>; crl?: boolean },
) {
  // The backend is the path string, not mount.path: the simulated cloud does not echo a mount's path.
  new vault.Mount(path, { path, type: "pki", maxLeaseTtlSeconds: 315360000 });
  if (parts.urls)
    new vault.pkisecret.SecretBackendConfigUrls(`${path}-urls`, { backend: path, ...parts.urls });
  if (parts.crl) new vault.pkisecret.SecretBackendCrlConfig(`${path}-crl`, { backend: path, expiry: "72h" });
}

const URLS = {
  issuingCertificates: ["https://openbao.example.com/v1/pki/ca"],
  crlDistributionPoints: ["https://openbao.example.com/v1/pki/crl"],
};

describe("PKI rules", () => {
  it("accept a hardened role and fully configured PKI mounts", async () => {
    const messages = await messagesOf(pkiPolicies, () => {
      new vault.pkisecret.SecretBackendRole("service", goodRole());
      new vault.pkisecret.SecretBackendRole("rsa", goodRole({ name: "rsa", keyType: "rsa", keyBits: 3072 }));
      new vault.pkisecret.SecretBackendRole(
        "ed",
        goodRole({ name: "ed", keyType: "ed25519", keyBits: undefined }),
      );
      // Unset keyType is the provider default, RSA 2048.
      new vault.pkisecret.SecretBackendRole(
        "default",
        goodRole({ name: "default", keyType: undefined, keyBits: undefined, maxTtl: "72h" }),
      );
      pkiMount("pki", { urls: URLS, crl: true });
      pkiMount("pki-int", { urls: URLS, crl: true });
      // Not a PKI mount: no URLs needed.
      new vault.Mount("kv", { path: "kv", type: "kv-v2" });
    });
    expect(messages).toEqual([]);
  });

  it.each<[string, Partial<RoleArgs>, string]>([
    ["no maxTtl", { maxTtl: undefined }, "sets no maxTtl (at most 72h)"],
    ["a year-long maxTtl", { maxTtl: "31536000" }, "maxTtl 31536000 (8760h) exceeds 72h"],
    ["a long duration maxTtl", { maxTtl: "720h" }, "maxTtl 720h (720h) exceeds 72h"],
    ["an unparseable maxTtl", { maxTtl: "a week" }, 'maxTtl "a week" is not a number of seconds'],
    ["allowAnyName", { allowAnyName: true }, "sets allowAnyName: true"],
    ["a small RSA key", { keyType: "rsa", keyBits: 1024 }, "issues RSA 1024-bit keys, below 2048"],
    ["a small EC key", { keyType: "ec", keyBits: 224 }, "issues EC 224-bit keys, below 256"],
    ["keyType any", { keyType: "any", keyBits: 0 }, "sets keyType any"],
  ])("reject a role with %s", async (_label, overrides, says) => {
    const messages = await role(goodRole(overrides));
    expect(messages).toEqual([
      expect.stringContaining(`pki-leaf-role-hardening: role pki-int/service ${says}`),
    ]);
  });

  it("takes the TTL ceiling and the RSA floor from config", async () => {
    const config = { "pki-leaf-role-hardening": { maxTtlHours: 12, minRsaBits: 3072 } };
    expect(await role(goodRole({ maxTtl: "43200" }), config)).toEqual([]);
    expect(await role(goodRole({ maxTtl: "86400" }), config)).toEqual([
      "pki-leaf-role-hardening: role pki-int/service maxTtl 86400 (24h) exceeds 12h",
    ]);
    // The provider default (RSA 2048) no longer meets a 3072-bit floor.
    expect(await role(goodRole({ maxTtl: "43200", keyType: undefined, keyBits: undefined }), config)).toEqual(
      ["pki-leaf-role-hardening: role pki-int/service issues RSA 2048-bit keys, below 3072"],
    );
  });

  it("reads maxTtl as seconds or as a duration", () => {
    expect(ttlSeconds("259200")).toBe(259200);
    expect(ttlSeconds(259200)).toBe(259200);
    expect(ttlSeconds("72h")).toBe(259200);
    expect(ttlSeconds("1h30m")).toBe(5400);
    expect(ttlSeconds("3d")).toBe(259200);
    expect(ttlSeconds("72 hours")).toBeUndefined();
  });

  it("rejects a PKI mount without URLs or CRL configuration, on the mount's urn", async () => {
    const { plan, violations } = await checkResources(pkiPolicies, () => {
      pkiMount("pki", {});
    });
    const mountUrn = plan.resources.find((r) => r.type === "vault:index/mount:Mount")?.urn;
    expect(violations.map((v) => [v.message, v.urn])).toEqual([
      ["PKI mount pki has no SecretBackendConfigUrls (issuingCertificates, crlDistributionPoints)", mountUrn],
      ["PKI mount pki has no SecretBackendCrlConfig", mountUrn],
    ]);
  });

  it.each<[string, Parameters<typeof pkiMount>[1], string]>([
    [
      "no issuing certificate URL",
      { urls: { ...URLS, issuingCertificates: [] }, crl: true },
      "publishes no issuingCertificates URL",
    ],
    [
      "no CRL distribution point",
      { urls: { ...URLS, crlDistributionPoints: undefined }, crl: true },
      "publishes no crlDistributionPoints URL",
    ],
    ["no CRL configuration", { urls: URLS }, "has no SecretBackendCrlConfig"],
  ])("rejects a PKI mount with %s", async (_label, parts, says) => {
    const messages = await messagesOf(pkiPolicies, () => {
      pkiMount("pki", { urls: URLS, crl: true });
      pkiMount("pki-int", parts);
    });
    expect(messages).toEqual([`pki-urls-configured: PKI mount pki-int ${says}`]);
  });

  it("matches URL configuration to the mount by path, not to another mount's", async () => {
    const messages = await messagesOf(pkiPolicies, () => {
      pkiMount("pki", { urls: URLS, crl: true });
      new vault.Mount("pki-int", { path: "/pki-int/", type: "pki" });
      new vault.pkisecret.SecretBackendConfigUrls("stray-urls", { backend: "pki-other", ...URLS });
      new vault.pkisecret.SecretBackendCrlConfig("int-crl", { backend: "pki-int" });
    });
    expect(messages).toEqual([
      "pki-urls-configured: PKI mount pki-int has no SecretBackendConfigUrls (issuingCertificates, crlDistributionPoints)",
    ]);
  });
});
