/**
 * TLS names at the edge: Cloudflare's Universal certificate covers the zone apex and one level
 * below it, so every proxied platform hostname (`<name>.<baseDomain>`) is covered by it or by an
 * Advanced certificate the program creates; a baseDomain outside the zone is a config error.
 */
import { advancedCertificateHosts } from "../components/edge/edgeCertificate";
import { ofType, planFailure, planOf, programResources, section } from "./harness";

const PACK = "cloudflare:index/certificatePack:CertificatePack";
const TUNNEL_CONFIG = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig";

/** Whether a certificate for `host` (exact or one-label wildcard) covers `name`. */
const covers = (host: string, name: string) =>
  host === name ||
  (host.startsWith("*.") && name.endsWith(host.slice(1)) && !name.slice(0, -host.length + 1).includes("."));

/** What the Universal certificate of `zone` covers: the apex and `*.<zone>`. */
const universal = (zone: string) => [zone, `*.${zone}`];

describe.each([
  ["staging", "prism.example.com", true],
  ["production", "prism.example.com", false],
])("%s", (stack, zone, needsAdvanced) => {
  it(`${needsAdvanced ? "orders an Advanced certificate" : "relies on the Universal certificate"}, and every proxied hostname is covered`, async () => {
    const plan = await planOf(stack);
    const packs = ofType(plan, PACK);
    expect(packs.length).toBe(needsAdvanced ? 1 : 0);
    const hosts = [...universal(zone), ...packs.flatMap((p) => p.inputs.hosts as string[])];
    if (needsAdvanced)
      expect(packs[0].inputs).toMatchObject({ type: "advanced", validationMethod: "txt", validityDays: 90 });

    const ingress = ofType(plan, TUNNEL_CONFIG).flatMap(
      (r) => (r.inputs.config as { ingresses?: { hostname?: string }[] }).ingresses ?? [],
    );
    const names = ingress.map((i) => i.hostname).filter((h): h is string => !!h);
    expect(names.length).toBeGreaterThan(0);
    const uncovered = names.filter((n) => !hosts.some((h) => covers(h, n)));
    expect(uncovered).toEqual([]);
  }, 180_000);
});

describe("advancedCertificateHosts", () => {
  it("lists the apex, the base domain and its wildcard below the zone, nothing at the zone", () => {
    expect(advancedCertificateHosts("prism.example.com", "prism.example.com")).toEqual([]);
    expect(advancedCertificateHosts("a.b.example.com", "example.com")).toEqual([
      "example.com",
      "a.b.example.com",
      "*.a.b.example.com",
    ]);
  });
});

it("refuses a baseDomain outside the zone, naming the key, the value and what is allowed", async () => {
  const failure = await planFailure("staging", (c) => {
    section(c, "prism:cloudflare").zoneName = "other.example.org";
  });
  expect(failure.message).toContain("baseDomain:");
  expect(failure.message).toContain("staging.prism.example.com");
  expect(failure.message).toMatch(/prism:cloudflare\.zoneName \("other\.example\.org"\) or a name under it/);
  expect(programResources(failure.plan)).toEqual([]);
}, 180_000);
