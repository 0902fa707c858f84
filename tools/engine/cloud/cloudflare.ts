/** cloudflare as the simulated cloud answers it. Types not listed here echo their inputs, plus an id. */
import { record, stableHex, stableUuid, str, type InvokeAnswer, type ResourceOutputs } from "./common";

const CREATED = "2026-01-01T00:00:00Z";

/** Tunnels are keyed by account and name, so the token invoke finds the same id. */
function tunnelId(accountId: string, name: string): string {
  return stableUuid("cloudflare-tunnel", accountId, name);
}

export const cloudflareOutputs: Record<string, ResourceOutputs> = {
  "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared": (name, inputs) => {
    const accountId = str(inputs.accountId, "account");
    return {
      ...inputs,
      id: tunnelId(accountId, str(inputs.name, name)),
      accountTag: accountId,
      configSrc: str(inputs.configSrc, "local"),
      remoteConfig: inputs.configSrc === "cloudflare",
      tunType: "cfd_tunnel",
      // No connector has connected yet.
      status: "inactive",
      connections: [],
      createdAt: CREATED,
    };
  },
  "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig": (name, inputs) => ({
    ...inputs,
    // The configuration is identified by its tunnel.
    id: str(inputs.tunnelId, stableUuid("cloudflare-tunnel-config", name)),
    source: str(inputs.source, "cloudflare"),
    version: 1,
    createdAt: CREATED,
  }),
  "cloudflare:index/dnsRecord:DnsRecord": (name, inputs) => {
    const zoneId = str(inputs.zoneId, "zone");
    const recordName = str(inputs.name, name);
    return {
      ...inputs,
      id: stableHex(32, "cloudflare-dns", zoneId, recordName, str(inputs.type, "")),
      proxied: inputs.proxied === true,
      proxiable: inputs.type === "A" || inputs.type === "AAAA" || inputs.type === "CNAME",
      createdOn: CREATED,
      modifiedOn: CREATED,
      tags: [],
      settings: {},
    };
  },
  "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy": (name, inputs) => ({
    ...inputs,
    id: stableUuid("cloudflare-access-policy", str(inputs.accountId, ""), str(inputs.name, name)),
    appCount: 1,
    reusable: true,
    excludes: [],
    requires: [],
    createdAt: CREATED,
  }),
  "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication": (name, inputs) => {
    const id = stableUuid("cloudflare-access-app", str(inputs.accountId, ""), name);
    // The API lists every host the application covers: its domain and its public destinations.
    const destinations = Array.isArray(inputs.destinations) ? inputs.destinations.map(record) : [];
    const covered = [inputs.domain, ...destinations.map((d) => d.uri)].filter(
      (h): h is string => typeof h === "string" && h.length > 0,
    );
    return {
      ...inputs,
      id,
      // The application audience tag that origins validate Access JWTs against.
      aud: stableHex(64, "cloudflare-access-aud", id),
      selfHostedDomains: Array.isArray(inputs.selfHostedDomains)
        ? inputs.selfHostedDomains
        : [...new Set(covered)],
    };
  },
};

export const cloudflareInvokes: Record<string, InvokeAnswer> = {
  "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken": (inputs) => {
    const accountId = str(inputs.accountId, "account");
    const tunnel = str(inputs.tunnelId, "tunnel");
    return {
      accountId,
      tunnelId: tunnel,
      // Clearly fake: a real run token is base64 JSON carrying the tunnel secret.
      token: `simulated-cloudflared-token-${stableHex(24, accountId, tunnel)}`,
    };
  },
};
