/** The SpiceDBCluster custom resource (authzed.com/v1alpha1), typed, and what goes into it. */
import * as pulumi from "@pulumi/pulumi";
import { SA_TOKEN_ANNOTATION } from "../../policies/facts/kubernetes";
import { customResourceKind } from "../kubernetes/customResource";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";
import type { ContainerResources } from "../kubernetes/resources";

/**
 * `spec.config`: the operator pops the keys it knows (datastoreEngine, replicas, logLevel, the TLS
 * Secret names) and passes the rest to SpiceDB as SPICEDB_<KEY> environment variables. The datastore
 * URI and the preshared key are never here: they come from `secretName`.
 */
export interface SpiceDbClusterConfig {
  datastoreEngine: "postgres";
  replicas: number;
  logLevel: "debug" | "info" | "warn" | "error";
  /** kubernetes.io/tls Secret for gRPC, dispatch and the HTTP gateway. */
  tlsSecretName: pulumi.Input<string>;
  /** Secret whose `tls.crt` is the CA dispatch clients verify peers with. */
  dispatchUpstreamCASecretName: pulumi.Input<string>;
  /** "" turns off SpiceDB's usage telemetry to AuthZed (egress is denied anyway). */
  telemetryEndpoint: "";
}

/** One JSON 6902 operation; the operator applies each patch to the objects of `kind` it generates. */
export interface JsonPatchOperation {
  op: "add" | "replace";
  path: string;
  value: unknown;
}

export interface SpiceDbPatch {
  kind: "Deployment" | "Job";
  patch: JsonPatchOperation;
}

export interface SpiceDbClusterSpec {
  /** The update channel: without `version`, SpiceDB runs the channel's head in the operator's update graph. */
  channel: "stable";
  config: SpiceDbClusterConfig;
  /** Secret with `datastore_uri` and `preshared_key`. */
  secretName: pulumi.Input<string>;
  patches: SpiceDbPatch[];
}

export const spiceDbCluster = customResourceKind<
  SpiceDbClusterSpec,
  { name: string; namespace: pulumi.Input<string>; labels?: Record<string, string> }
>("authzed.com/v1alpha1", "SpiceDBCluster");

/** SpiceDB's image runs as this non-root user; the operator sets no security context of its own. */
const NONROOT = 65532;

/**
 * Patches that make the operator's Deployment and migration Job pass Pod Security `restricted` and
 * the platform's rules: non-root, no privilege escalation, no capabilities, seccomp, read-only root,
 * requests and limits. JSON 6902 on container 0, because the containers' names carry the cluster
 * name (Deployment) or a migration hash (Job). The SpiceDB pods keep their service-account token:
 * the dispatch resolver (kubernetes:///) watches their Endpoints. The migration Job needs none.
 */
export function restrictedPatches(
  spicedb: ContainerResources,
  migration: ContainerResources,
): SpiceDbPatch[] {
  const pod = {
    runAsNonRoot: true,
    runAsUser: NONROOT,
    runAsGroup: NONROOT,
    seccompProfile: { type: "RuntimeDefault" },
  };
  const container = RESTRICTED_CONTAINER;
  const forKind = (kind: SpiceDbPatch["kind"], resources: ContainerResources): SpiceDbPatch[] => [
    { kind, patch: { op: "add", path: "/spec/template/spec/securityContext", value: pod } },
    {
      kind,
      patch: { op: "add", path: "/spec/template/spec/containers/0/securityContext", value: container },
    },
    { kind, patch: { op: "add", path: "/spec/template/spec/containers/0/resources", value: resources } },
  ];
  // The platform's convention for pods that keep their token ("~1" is "/" in a JSON pointer).
  const tokenReason = {
    op: "add" as const,
    path: `/spec/template/metadata/annotations/${SA_TOKEN_ANNOTATION.replace("/", "~1")}`,
    value: "the dispatch resolver watches SpiceDB's Endpoints",
  };
  return [
    ...forKind("Deployment", spicedb),
    { kind: "Deployment", patch: tokenReason },
    ...forKind("Job", migration),
    {
      kind: "Job",
      patch: { op: "add", path: "/spec/template/spec/automountServiceAccountToken", value: false },
    },
  ];
}

/**
 * SpiceDB's `datastore_uri` from the data layer's pooler URI, as a Pulumi secret.
 * `default_query_exec_mode=exec` keeps pgx from preparing statements across PgBouncer's
 * transaction-pooled connections.
 */
export function spicedbDatastoreUri(poolerUri: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.secret(
    pulumi
      .output(poolerUri)
      .apply((uri) => `${uri}${uri.includes("?") ? "&" : "?"}default_query_exec_mode=exec`),
  );
}
