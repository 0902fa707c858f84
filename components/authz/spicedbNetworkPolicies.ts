import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  POSTGRES_PORT,
  SCHEMA_JOB_POD_LABELS,
  SERVICE_NAME_LABEL,
  SPICEDB_CLIENTS,
  SPICEDB_CLUSTER,
  SPICEDB_DISPATCH_PORT,
  SPICEDB_GRPC_PORT,
  SPICEDB_METRICS_PORT,
  SPICEDB_POD_LABELS,
} from "./spicedbNames";
import { namespacePeer, tcp } from "../kubernetes/networkPolicy";

export interface SpiceDbNetworkPoliciesArgs {
  /** namespaces.name("spicedb") */
  namespace: pulumi.Input<string>;
  /** namespaces.name("prism"): where the services that use SpiceDB run. */
  clientNamespace: pulumi.Input<string>;
  /** Where SpiceDB's PgBouncer pooler runs (namespaces.name("data")) and its pods' labels. */
  pooler: { namespace: pulumi.Input<string>; podLabels: Record<string, string> };
  /** Egress to the Kubernetes API (the dispatch resolver watches Endpoints). */
  kubernetesApi: k8s.types.input.networking.v1.NetworkPolicyEgressRule;
  provider: k8s.Provider;
  parent: pulumi.Resource;
}

/**
 * The allow rules SpiceDB needs on top of the namespace's default-deny (DNS is already allowed):
 * gRPC in only from the services whose catalog entry uses SpiceDB and from the schema Job; dispatch
 * between SpiceDB's own pods; PostgreSQL out to the pooler only (SpiceDB and its migrations).
 */
export function spiceDbNetworkPolicies(
  name: string,
  args: SpiceDbNetworkPoliciesArgs,
): k8s.networking.v1.NetworkPolicy[] {
  const opts = { parent: args.parent, provider: args.provider };
  const spicedb = { matchLabels: { ...SPICEDB_POD_LABELS } };
  const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(
      `${name}-${suffix}`,
      { metadata: { name: `spicedb-${suffix}`, namespace: args.namespace }, spec },
      opts,
    );

  return [
    policy("grpc-from-clients", {
      podSelector: spicedb,
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              ...namespacePeer(args.clientNamespace),
              podSelector: {
                matchExpressions: [{ key: SERVICE_NAME_LABEL, operator: "In", values: SPICEDB_CLIENTS }],
              },
            },
            { podSelector: { matchLabels: { ...SCHEMA_JOB_POD_LABELS } } },
          ],
          ports: tcp(SPICEDB_GRPC_PORT),
        },
      ],
    }),
    policy("dispatch", {
      podSelector: spicedb,
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [{ podSelector: spicedb }], ports: tcp(SPICEDB_DISPATCH_PORT) }],
      egress: [{ to: [{ podSelector: spicedb }], ports: tcp(SPICEDB_DISPATCH_PORT) }],
    }),
    // SpiceDB's pods and its migration Job's share the `authzed.com/cluster` label.
    policy("datastore", {
      podSelector: { matchLabels: { "authzed.com/cluster": SPICEDB_CLUSTER } },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [namespacePeer(args.pooler.namespace, args.pooler.podLabels)],
          ports: tcp(POSTGRES_PORT),
        },
      ],
    }),
    policy("kubernetes-api", {
      podSelector: spicedb,
      policyTypes: ["Egress"],
      egress: [args.kubernetesApi],
    }),
    policy("metrics-from-monitoring", {
      podSelector: spicedb,
      policyTypes: ["Ingress"],
      ingress: [{ from: [namespacePeer("monitoring")], ports: tcp(SPICEDB_METRICS_PORT) }],
    }),
    policy("schema-job-egress", {
      podSelector: { matchLabels: { ...SCHEMA_JOB_POD_LABELS } },
      policyTypes: ["Egress"],
      egress: [{ to: [{ podSelector: spicedb }], ports: tcp(SPICEDB_GRPC_PORT) }],
    }),
  ];
}
