/**
 * The simulated clusters' API servers, as far as the program asks them anything: the
 * service-account issuer discovery that keyless GCP identity federates
 * (components/cluster/serviceAccountIssuer.ts). A simulated cluster answers to a token the
 * simulated DigitalOcean minted for it; any other server, path or token is an error, never a guess.
 */
import { createHash } from "crypto";
import type { ApiServerGet } from "../../../components/cluster/serviceAccountIssuer";
import { stableHex } from "./common";
import { isTokenFor } from "./digitalocean";

/**
 * The issuer the simulated clusters' tokens carry: the in-cluster API address, which is what a
 * cluster without a public issuer uses. The program never assumes it; it reads what the cluster says.
 */
export const SIMULATED_ISSUER = "https://kubernetes.default.svc.cluster.local";

const SERVER = /^https:\/\/([0-9a-f-]{36})\.k8s\.ondigitalocean\.com$/;

/** A deterministic stand-in for the cluster's RSA signing key (base64url, 2048 bits). */
function modulus(clusterId: string): string {
  const bytes = Buffer.concat(
    Array.from({ length: 8 }, (_, i) =>
      createHash("sha256").update(`${clusterId}\0sa-signing\0${i}`).digest(),
    ),
  );
  return bytes.toString("base64url");
}

export const simulatedApiServer: ApiServerGet = ({ server, path, token }) => {
  const id = SERVER.exec(server)?.[1];
  if (!id) return Promise.reject(new Error(`the simulated cloud has no API server at ${server}`));
  if (!isTokenFor(id, token))
    return Promise.reject(
      new Error(`GET ${server}${path} answered 401: the simulated API server wants a token minted for it`),
    );
  if (path === "/.well-known/openid-configuration")
    return Promise.resolve(
      JSON.stringify({
        issuer: SIMULATED_ISSUER,
        jwks_uri: `${server}/openid/v1/jwks`,
        response_types_supported: ["id_token"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
      }),
    );
  if (path === "/openid/v1/jwks")
    return Promise.resolve(
      JSON.stringify({
        keys: [
          {
            use: "sig",
            kty: "RSA",
            kid: stableHex(43, id, "sa-key"),
            alg: "RS256",
            n: modulus(id),
            e: "AQAB",
          },
        ],
      }),
    );
  return Promise.reject(new Error(`the simulated cloud has no answer for GET ${server}${path}`));
};
