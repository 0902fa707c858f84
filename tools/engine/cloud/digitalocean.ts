/**
 * DigitalOcean as the simulated cloud answers it: VPCs, DOKS clusters and pools, versions, credentials,
 * Spaces buckets and Spaces keys.
 */
import {
  record,
  stableHex,
  stableUuid,
  str,
  type InvokeAnswer,
  type ResourceOutputs,
  type State,
} from "./common";

/** Available DOKS versions, newest first, as the DigitalOcean API lists them. */
const DOKS_VERSIONS = ["1.35.1-do.0", "1.34.3-do.1", "1.34.2-do.0", "1.33.6-do.2"];

/**
 * The PEM of a cluster's CA, base64 as DigitalOcean returns it (clusterCaCertificate and the
 * kubeconfig's certificate-authority-data). Fixed per cluster, like a real cluster's CA; the body is
 * filler, since nothing offline verifies TLS.
 */
function caCertificateFor(clusterId: string): string {
  const body = Buffer.from(stableHex(64, clusterId, "ca").repeat(8), "hex").toString("base64");
  const lines = body.match(/.{1,64}/g) ?? [];
  const pem = ["-----BEGIN CERTIFICATE-----", ...lines, "-----END CERTIFICATE-----", ""].join("\n");
  return Buffer.from(pem).toString("base64");
}

/** Tokens DigitalOcean has handed out, by cluster id: the simulated API server accepts these only. */
const mintedTokens = new Map<string, Set<string>>();
let tokensMinted = 0;

/** Whether `token` was minted for the cluster (a read of its credentials returned it). */
export function isTokenFor(clusterId: string, token: string): boolean {
  return mintedTokens.get(clusterId)?.has(token) ?? false;
}

/** How many DOKS tokens the simulated DigitalOcean has minted in this process. */
export function mintedTokenCount(): number {
  return tokensMinted;
}

function remember(clusterId: string, token: string): string {
  let tokens = mintedTokens.get(clusterId);
  if (!tokens) mintedTokens.set(clusterId, (tokens = new Set()));
  tokens.add(token);
  return token;
}

/** The cluster's credentials (one kubeConfigs entry) with the given token, as DigitalOcean returns them. */
function credentialsFor(clusterName: string, clusterId: string, token: string): State {
  const server = `https://${clusterId}.k8s.ondigitalocean.com`;
  const ca = caCertificateFor(clusterId);
  const rawConfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: do-${clusterName}`,
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    "contexts:",
    `- name: do-${clusterName}`,
    "  context:",
    `    cluster: do-${clusterName}`,
    `    user: do-${clusterName}-admin`,
    `current-context: do-${clusterName}`,
    "users:",
    `- name: do-${clusterName}-admin`,
    "  user:",
    `    token: ${remember(clusterId, token)}`,
    "",
  ].join("\n");
  return {
    rawConfig,
    host: server,
    clusterCaCertificate: ca,
    // DOKS authenticates with a token; client certificates are for clusters that cannot.
    clientCertificate: "",
    clientKey: "",
    token,
    expiresAt: "2026-12-03T00:00:00Z",
  };
}

function doksCluster(name: string, inputs: State): State {
  // Keyed by the cluster's physical name, so the data source finds the same cluster.
  const clusterName = str(inputs.name, name);
  const id = stableUuid("doks", clusterName);
  return {
    ...inputs,
    id,
    urn: `do:kubernetes:${id}`,
    status: "running",
    endpoint: `https://${id}.k8s.ondigitalocean.com`,
    ipv4Address: `164.90.${parseInt(id.slice(0, 2), 16)}.${parseInt(id.slice(2, 4), 16)}`,
    // The credentials the cluster's state holds: those of its creation, the same on every run.
    kubeConfigs: [credentialsFor(clusterName, id, `simulated-${stableHex(24, id, "token")}`)],
    nodePool: {
      ...record(inputs.nodePool),
      id: stableUuid("pool", name, "system"),
      actualNodeCount: record(inputs.nodePool).nodeCount,
    },
  };
}

export const digitaloceanOutputs: Record<string, ResourceOutputs> = {
  "digitalocean:index/vpc:Vpc": (name, inputs) => {
    const id = stableUuid("vpc", name);
    return { ...inputs, id, urn: `do:vpc:${id}`, default: false };
  },
  "digitalocean:index/kubernetesCluster:KubernetesCluster": doksCluster,
  "digitalocean:index/kubernetesNodePool:KubernetesNodePool": (name, inputs) => ({
    ...inputs,
    id: stableUuid("pool", name),
    actualNodeCount: inputs.minNodes ?? inputs.nodeCount,
  }),
  // Spaces: the bucket's id is its (globally unique) name; the provider fills the defaults.
  "digitalocean:index/spacesBucket:SpacesBucket": (name, inputs) => {
    const bucket = str(inputs.name, name);
    const region = str(inputs.region, "nyc3");
    return {
      acl: "private",
      forceDestroy: false,
      ...inputs,
      id: bucket,
      name: bucket,
      region,
      bucketDomainName: `${bucket}.${region}.digitaloceanspaces.com`,
      endpoint: `${region}.digitaloceanspaces.com`,
      bucketUrn: `do:space:${bucket}`,
    };
  },
  // Spaces keys: the id is the access key. Both halves are visibly fake (real ones start "DO").
  "digitalocean:index/spacesKey:SpacesKey": (name, inputs) => {
    const keyName = str(inputs.name, name);
    const accessKey = `SIMULATED${stableHex(11, "spaces-key", keyName).toUpperCase()}`;
    return {
      ...inputs,
      id: accessKey,
      name: keyName,
      accessKey,
      secretKey: `SIMULATED-${stableHex(33, "spaces-secret", keyName)}`,
      createdAt: "2026-01-01T00:00:00Z",
    };
  },
};

export const digitaloceanInvokes: Record<string, InvokeAnswer> = {
  "digitalocean:index/getKubernetesVersions:getKubernetesVersions": (inputs) => {
    const prefix = str(inputs.versionPrefix, "");
    const valid = DOKS_VERSIONS.filter((v) => v.startsWith(prefix));
    return {
      id: "doks-versions",
      versionPrefix: prefix,
      validVersions: DOKS_VERSIONS,
      latestVersion: valid[0] ?? "",
    };
  },
  // Like DigitalOcean, every read of a cluster's credentials mints a new token.
  "digitalocean:index/getKubernetesCluster:getKubernetesCluster": (inputs) => {
    const name = str(inputs.name, "cluster");
    const cluster = doksCluster(name, { name });
    const id = str(cluster.id, "");
    tokensMinted += 1;
    const token = `simulated-${stableHex(24, id, "token")}-${tokensMinted}`;
    return { ...cluster, name, kubeConfigs: [credentialsFor(name, id, token)] };
  },
};
