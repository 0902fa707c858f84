/**
 * Names the OpenBao chart derives from our release name, and the contract with am-certs. The TLS
 * certificate, the network policies, the server config and the published PKI URLs all use them, so
 * they live in one place.
 */

/** Namespace OpenBao runs in (PLATFORM_NAMESPACES.openbao). DNS names need it as a literal. */
export const OPENBAO_NAMESPACE = "openbao";

/** The Helm release name. It contains the chart name, so the chart's fullname is the same ("openbao"). */
export const OPENBAO_RELEASE = "openbao";

export const OPENBAO_API_PORT = 8200;
/** Raft and request-forwarding traffic between the servers. */
export const OPENBAO_CLUSTER_PORT = 8201;

/** The headless service the StatefulSet uses; pod N is `openbao-N.openbao-internal`. */
export const OPENBAO_INTERNAL_SERVICE = `${OPENBAO_RELEASE}-internal`;

/** The API address in-cluster clients (am-certs) use, and the base of the published PKI URLs. */
export const OPENBAO_CLUSTER_ADDRESS = `https://${OPENBAO_RELEASE}.${OPENBAO_NAMESPACE}.svc:${OPENBAO_API_PORT}`;

/** Labels the chart puts on the server pods. */
export const OPENBAO_SERVER_LABELS = {
  "app.kubernetes.io/name": "openbao",
  "app.kubernetes.io/instance": OPENBAO_RELEASE,
  component: "server",
};

/** Secrets mounted into the server pods through `server.extraVolumes`. */
export const TLS_SECRET = "openbao-tls";
export const KMS_CREDENTIALS_SECRET = "openbao-gcpckms";
export const KMS_CREDENTIALS_FILE = "credentials.json";

/** The chart's server service account (its fullname): the subject GCP federation admits. */
export const OPENBAO_SERVICE_ACCOUNT = OPENBAO_RELEASE;
/** Where the servers' projected GCP token is mounted (keyless auto-unseal). */
export const GCP_TOKEN_DIR = "/var/run/secrets/gcp";

/** Where the chart mounts an `extraVolumes` secret: /openbao/userconfig/<secret>/<key>. */
export function userconfigFile(secret: string, key: string): string {
  return `/openbao/userconfig/${secret}/${key}`;
}

/**
 * The one client of the PKI: am-certs, in the prism namespace. Its pods must carry these labels to
 * pass the OpenBao ingress policy, and its service account is the one the Kubernetes auth role binds.
 */
export const AM_CERTS = {
  namespace: "prism",
  serviceAccount: "am-certs",
  podLabels: { "app.kubernetes.io/name": "am-certs" },
} as const;

/** Every DNS name the OpenBao services answer to, for the server certificate. */
export function openBaoDnsNames(replicas: number): string[] {
  const fqdns = (name: string) => [
    name,
    `${name}.${OPENBAO_NAMESPACE}`,
    `${name}.${OPENBAO_NAMESPACE}.svc`,
    `${name}.${OPENBAO_NAMESPACE}.svc.cluster.local`,
  ];
  const services = ["", "-active", "-standby", "-internal"].map((suffix) => `${OPENBAO_RELEASE}${suffix}`);
  const pods = Array.from(
    { length: replicas },
    (_, i) => `${OPENBAO_RELEASE}-${i}.${OPENBAO_INTERNAL_SERVICE}`,
  );
  return [
    ...services.flatMap(fqdns),
    // Raft peers dial each other as openbao-N.openbao-internal (retry_join, api_addr).
    ...fqdns(`*.${OPENBAO_INTERNAL_SERVICE}`),
    ...pods,
    "localhost",
  ];
}
