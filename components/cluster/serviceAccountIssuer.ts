/**
 * The cluster's service-account token issuer and the public keys it signs tokens with, read from
 * the API server's discovery endpoints (/.well-known/openid-configuration and /openid/v1/jwks)
 * with the cluster's own credentials, whenever the program runs.
 *
 * Why from the API server, at run time: a cloud that federates the cluster's tokens (GCP workload
 * identity) needs the issuer and its keys, but cannot fetch them itself. Kubernetes serves the
 * discovery endpoints only to authenticated callers (no anonymous binding is installed), DOKS
 * publishes no public copy, and production's control-plane firewall admits only listed addresses.
 * So the keys are handed over inline. Reading them on every run needs no second run once the
 * cluster exists (a config key would) and carries a rotated signing key over on the next `up`.
 */
import * as https from "https";
import { z } from "zod";
import type { KubernetesIssuer } from "../gcp/workloadIdentity";

/** One authenticated GET against the API server; resolves to the response body. */
export type ApiServerGet = (request: {
  server: string;
  path: string;
  /** PEM of the API server's CA. */
  ca: string;
  token: string;
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
        headers: { Accept: "application/json", Authorization: `Bearer ${token}` },
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

const Discovery = z.object({ issuer: z.string().min(1) });
const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

/** Where and as whom to ask: the cluster's credentials, as DigitalOcean's data source returns them. */
export interface ApiServerCredentials {
  /** The API server's URL. */
  host: string;
  /** Base64 PEM of the API server's CA. */
  clusterCaCertificate: string;
  /** A bearer token for the API server. */
  token: string;
}

/** The issuer (as its tokens' `iss` says) and its JWKS, reduced to the fields GCP accepts. */
export async function readServiceAccountIssuer(credentials: ApiServerCredentials): Promise<KubernetesIssuer> {
  const endpoint = {
    server: credentials.host,
    ca: Buffer.from(credentials.clusterCaCertificate, "base64").toString("utf8"),
    token: credentials.token,
  };
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
