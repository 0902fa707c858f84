import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { OPENSEARCH_HTTP_PORT, OPENSEARCH_SERVICE } from "./opensearchValues";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";

/** The index Fluent Bit writes: one per day, prism-logs-YYYY.MM.DD (logShipping.ts). */
export const LOG_INDEX_PREFIX = "prism-logs";
/** Indices the retention policy manages: the logs, and Jaeger's trace indices where Jaeger uses OpenSearch. */
export const RETAINED_INDEX_PATTERNS = [`${LOG_INDEX_PREFIX}*`, "jaeger-*"];
export const ISM_POLICY_ID = "prism-retention";

/** Index State Management: indices live `retentionDays` from creation, then are deleted. */
export function ismPolicy(retentionDays: number) {
  return {
    policy: {
      description: `Prism logs and traces: deleted ${retentionDays} days after the index is created`,
      default_state: "hot",
      states: [
        {
          name: "hot",
          actions: [],
          transitions: [{ state_name: "delete", conditions: { min_index_age: `${retentionDays}d` } }],
        },
        { name: "delete", actions: [{ delete: {} }], transitions: [] },
      ],
      // Attached to every new index matching the patterns.
      ism_template: [{ index_patterns: RETAINED_INDEX_PATTERNS, priority: 100 }],
    },
  };
}

/** Daily log indices: one shard, and a replica only when there is a second node to hold it. */
export function logIndexTemplate(indexReplicas: number) {
  return {
    index_patterns: [`${LOG_INDEX_PREFIX}*`],
    priority: 100,
    template: { settings: { number_of_shards: 1, number_of_replicas: indexReplicas } },
  };
}

/**
 * Idempotent: creates or updates (with optimistic concurrency) the policy and the template, then
 * attaches the policy to indices created before it existed and moves managed ones to its newest
 * version. The JSON documents sit next to it in the ConfigMap.
 */
const APPLY_SCRIPT = `#!/bin/sh
set -eu
# -k: OpenSearch serves its self-signed security-plugin certificate inside the cluster.
req() { curl -sS -k --retry 5 --retry-delay 5 --retry-connrefused \\
  -u "\${OPENSEARCH_USER}:\${OPENSEARCH_PASSWORD}" -H 'Content-Type: application/json' "$@"; }

i=0
until req --fail -o /dev/null "\${OPENSEARCH_URL}/_cluster/health?wait_for_status=yellow&timeout=30s"; do
  i=$((i + 1)); [ "$i" -lt 30 ] || { echo "OpenSearch not healthy" >&2; exit 1; }; sleep 10
done

req --fail-with-body -X PUT "\${OPENSEARCH_URL}/_index_template/${LOG_INDEX_PREFIX}" --data-binary @/config/index-template.json

code=$(req -o /tmp/current.json -w '%{http_code}' "\${OPENSEARCH_URL}/_plugins/_ism/policies/${ISM_POLICY_ID}")
query=""
if [ "$code" = "200" ]; then
  seq=$(sed -n 's/.*"_seq_no":\\([0-9]*\\).*/\\1/p' /tmp/current.json)
  term=$(sed -n 's/.*"_primary_term":\\([0-9]*\\).*/\\1/p' /tmp/current.json)
  query="?if_seq_no=\${seq}&if_primary_term=\${term}"
fi
req --fail-with-body -X PUT "\${OPENSEARCH_URL}/_plugins/_ism/policies/${ISM_POLICY_ID}\${query}" \\
  --data-binary @/config/policy.json

# Best effort (new indices get the policy from its ism_template): the responses list what changed.
patterns="${RETAINED_INDEX_PATTERNS.join(",")}"
req -X POST "\${OPENSEARCH_URL}/_plugins/_ism/add/\${patterns}" -d '{"policy_id":"${ISM_POLICY_ID}"}'; echo
req -X POST "\${OPENSEARCH_URL}/_plugins/_ism/change_policy/\${patterns}" -d '{"policy_id":"${ISM_POLICY_ID}"}'; echo
echo "retention policy ${ISM_POLICY_ID} applied"
`;

export interface LogRetentionArgs {
  retentionDays: number;
  /** Replicas per log index shard. */
  indexReplicas: number;
  /** Namespace logging. */
  namespace: pulumi.Input<string>;
  /** The Secret and key holding the admin password. */
  adminSecret: { name: pulumi.Input<string>; key: string };
  adminUser: string;
  /** The curl image that runs the script (a pinned tag from an allowed registry). */
  image: string;
  provider: k8s.Provider;
  /** The OpenSearch release: the Job runs once the cluster is up. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** uid/gid of the curl image's `curl_user`. */
const CURL_USER = 100;
const CURL_GROUP = 101;

/**
 * The retention policy for the log (and trace) indices, as a ConfigMap of JSON documents and a Job
 * that applies them through the OpenSearch API. Any change to the documents replaces the Job, so it
 * runs again; the script is idempotent.
 */
export class LogRetention extends pulumi.ComponentResource {
  constructor(name: string, args: LogRetentionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:observability:LogRetention", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const labels = { "app.kubernetes.io/name": "opensearch-retention", "app.kubernetes.io/part-of": "prism" };

    const data = {
      "policy.json": JSON.stringify(ismPolicy(args.retentionDays), null, 2),
      "index-template.json": JSON.stringify(logIndexTemplate(args.indexReplicas), null, 2),
      "apply.sh": APPLY_SCRIPT,
    };
    const digest = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);

    const config = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: { name: "opensearch-retention", namespace: args.namespace, labels }, data },
      k8sOpts,
    );

    new k8s.batch.v1.Job(
      `${name}-apply`,
      {
        metadata: { name: `opensearch-retention-${digest}`, namespace: args.namespace, labels },
        spec: {
          backoffLimit: 4,
          activeDeadlineSeconds: 1200,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "OnFailure",
              // It talks to OpenSearch only, never to the Kubernetes API.
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: CURL_USER,
                runAsGroup: CURL_GROUP,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "apply",
                  image: args.image,
                  command: ["/bin/sh", "/config/apply.sh"],
                  env: [
                    {
                      name: "OPENSEARCH_URL",
                      value: `https://${OPENSEARCH_SERVICE}:${OPENSEARCH_HTTP_PORT}`,
                    },
                    { name: "OPENSEARCH_USER", value: args.adminUser },
                    {
                      name: "OPENSEARCH_PASSWORD",
                      valueFrom: { secretKeyRef: { name: args.adminSecret.name, key: args.adminSecret.key } },
                    },
                  ],
                  resources: {
                    requests: { cpu: "10m", memory: "16Mi" },
                    limits: { cpu: "100m", memory: "64Mi" },
                  },
                  securityContext: RESTRICTED_CONTAINER,
                  volumeMounts: [
                    { name: "config", mountPath: "/config", readOnly: true },
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                { name: "config", configMap: { name: config.metadata.name } },
                { name: "tmp", emptyDir: { sizeLimit: "1Mi" } },
              ],
            },
          },
        },
      },
      // The name carries the documents' digest: a change creates a new Job, and the old one goes.
      { ...k8sOpts, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
