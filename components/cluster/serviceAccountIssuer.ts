/**
 * The cluster's service-account token issuer and the public keys it signs tokens with, read from
 * the API server's discovery endpoints (/.well-known/openid-configuration and /openid/v1/jwks)
 * with the cluster's own kubeconfig, whenever the program runs.
 *
 * Why from the API server, at run time: a cloud that federates the cluster's tokens (GCP workload
 * identity) needs the issuer and its keys, but cannot fetch them itself. Kubernetes serves the
 * discovery endpoints only to authenticated callers (no anonymous binding is installed), DOKS
 * publishes no public copy, and production's control-plane firewall admits only listed addresses.
 * So the keys are handed over inline. Reading them on every run needs no second run once the
 * cluster exists (a config key would) and carries a rotated signing key over on the next `up`.
 */
import * as https from "https";
import { parse } from "yaml";
import { z } from "zod";
import type { KubernetesIssuer } from "../gcp/workloadIdentity";

/** One authenticated GET against the API server; resolves to the response body. */
export type ApiServerGet = (request: {
  server: string;
  path: string;
  /** PEM of the API server's CA (the kubeconfig's certificate-authority-data, decoded). */
  ca?: string;
  token?: string;
}) => Promise<string>;

/** The fields GCP accepts in an inline JWK; anything else in a key makes it reject the set. */
const JWK_FIELDS = ["kty", "alg", "use", "kid", "n", "e", "x", "y", "crv"] as const;

const httpsGet: ApiServerGet = ({ server, path, ca, token }) =>
  new Promise((resolve, reject) => {
    const url = new URL(path, server);
    const request = https.get(
      url,
      {
        ca,
        headers: { Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        timeout: 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          if (response.statusCode === 200) resolve(body);
          else reject(new Error(`GET ${url.href} answered ${response.statusCode}: ${body.slice(0, 200)}`));
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`GET ${url.href} timed out`)));
    request.on("error", reject);
  });

let apiServerGet: ApiServerGet = httpsGet;

/**
 * Replaces how the API server is asked. The offline engine answers for its simulated clusters
 * here, as it answers the providers' invokes; nothing else calls it.
 */
export function answerApiServerWith(get: ApiServerGet): void {
  apiServerGet = get;
}

/** What of a kubeconfig the reader uses: DOKS kubeconfigs carry the CA and a bearer token. */
const Kubeconfig = z.object({
  "current-context": z.string().optional(),
  clusters: z
    .array(
      z.object({
        name: z.string(),
        cluster: z.object({
          server: z.string().min(1),
          "certificate-authority-data": z.string().optional(),
        }),
      }),
    )
    .min(1),
  contexts: z
    .array(z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string() }) }))
    .optional(),
  users: z.array(z.object({ name: z.string(), user: z.object({ token: z.string().optional() }) })).optional(),
});

const Discovery = z.object({ issuer: z.string().min(1) });
const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

/** The current context's server, CA and token. */
function endpointOf(kubeconfig: string): { server: string; ca?: string; token?: string } {
  const parsed = Kubeconfig.safeParse(parse(kubeconfig));
  if (!parsed.success) throw new Error("the cluster's kubeconfig names no API server");
  const doc = parsed.data;
  const context = doc.contexts?.find((c) => c.name === doc["current-context"])?.context;
  const cluster = (doc.clusters.find((c) => c.name === context?.cluster) ?? doc.clusters[0]).cluster;
  const user = (doc.users?.find((u) => u.name === context?.user) ?? doc.users?.[0])?.user;
  const caData = cluster["certificate-authority-data"];
  return {
    server: cluster.server,
    ca: caData ? Buffer.from(caData, "base64").toString("utf8") : undefined,
    token: user?.token,
  };
}

/** The issuer (as its tokens' `iss` says) and its JWKS, reduced to the fields GCP accepts. */
export async function readServiceAccountIssuer(kubeconfig: string): Promise<KubernetesIssuer> {
  const endpoint = endpointOf(kubeconfig);
  const discovery = Discovery.safeParse(
    JSON.parse(await apiServerGet({ ...endpoint, path: "/.well-known/openid-configuration" })),
  );
  if (!discovery.success)
    throw new Error(`${endpoint.server}/.well-known/openid-configuration names no issuer`);
  const jwks = Jwks.safeParse(JSON.parse(await apiServerGet({ ...endpoint, path: "/openid/v1/jwks" })));
  if (!jwks.success) throw new Error(`${endpoint.server}/openid/v1/jwks holds no keys`);
  const keys = jwks.data.keys.map((key) =>
    Object.fromEntries(JWK_FIELDS.filter((f) => key[f] !== undefined).map((f) => [f, key[f]])),
  );
  return { issuer: discovery.data.issuer, jwksJson: JSON.stringify({ keys }) };
}
