/**
 * Names the SpiceDB pieces share: the cluster and its pods, ports, Secrets, and the contracts with
 * the data layer (the database Secret) and the services (the client Secret, their pod label).
 */
import { SERVICE_NAMES, SERVICES, SPICEDB_GRPC_PORT, type ServiceName } from "../../services/catalog";

/** Platform namespace of the SpiceDBCluster (PLATFORM_NAMESPACES.spicedb); DNS names need it as a literal. */
export const SPICEDB_NAMESPACE = "spicedb";

/**
 * The namespace the operator's release bundle creates and runs in. The bundle hard-codes it (its
 * Namespace, Deployment, ServiceAccount and ClusterRoleBinding subject), so it is not our `spicedb`.
 */
export const OPERATOR_NAMESPACE = "spicedb-operator";

/** The SpiceDBCluster's name: the operator names the Service after it and the Deployment `<name>-spicedb`. */
export const SPICEDB_CLUSTER = "spicedb";

export { SPICEDB_GRPC_PORT };
/** Dispatch between SpiceDB pods, and Prometheus metrics (operator defaults). */
export const SPICEDB_DISPATCH_PORT = 50053;
export const SPICEDB_METRICS_PORT = 9090;
/** The operator's own metrics and health port. */
export const OPERATOR_METRICS_PORT = 8080;
/** PgBouncer's port in the Pooler pods (CloudNativePG). */
export const POSTGRES_PORT = 5432;

/** What services dial: the operator's Service, TLS with the CA in the client Secret. */
export const SPICEDB_ENDPOINT = `${SPICEDB_CLUSTER}.${SPICEDB_NAMESPACE}.svc:${SPICEDB_GRPC_PORT}`;

/** Labels the operator puts on SpiceDB's pods and on its migration Job's pods. */
export const SPICEDB_POD_LABELS = {
  "authzed.com/cluster": SPICEDB_CLUSTER,
  "authzed.com/cluster-component": "spicedb",
} as const;
/** Our schema-writing Job's pods. */
export const SCHEMA_JOB_POD_LABELS = { "app.kubernetes.io/name": "spicedb-schema" } as const;

/** SpiceDB's secret config the operator reads: `datastore_uri` and `preshared_key` (operator's key names). */
export const CONFIG_SECRET = "spicedb-config";
export const PRESHARED_KEY = "preshared_key";
export const DATASTORE_URI = "datastore_uri";
/** kubernetes.io/tls Secret for gRPC, dispatch and the HTTP gateway; and the CA dispatch clients trust. */
export const TLS_SECRET = "spicedb-tls";
export const DISPATCH_CA_SECRET = "spicedb-dispatch-ca";

/**
 * The contract with the data layer: CloudNativePG's database for SpiceDB, and a Secret in namespace
 * spicedb with these keys. SpiceDB's datastore URI is assembled from the same values (see
 * spicedbDatastoreUri in spicedbCluster.ts).
 */
export const SPICEDB_DB_SECRET = {
  name: "spicedb-db",
  namespace: SPICEDB_NAMESPACE,
  keys: ["username", "password", "host", "port", "dbname"],
} as const;

/**
 * The contract with the services: in their namespace, Secret `spicedb-client` holds the preshared
 * key, the endpoint and the CA that signed SpiceDB's certificate.
 */
export const SPICEDB_CLIENT_SECRET = {
  name: "spicedb-client",
  keys: { token: "token", endpoint: "endpoint", caCertificate: "ca.crt" },
} as const;

/** The label the service chart puts on every service's pods, valued with the service name. */
export const SERVICE_NAME_LABEL = "app.kubernetes.io/name";

/** Services that talk to SpiceDB: those whose catalog entry `uses` it. */
export const SPICEDB_CLIENTS: ServiceName[] = SERVICE_NAMES.filter((s) =>
  SERVICES[s].uses.includes("spicedb"),
);
