/**
 * Writes the authorization schema (services/spicedb/schema.zed) to SpiceDB at deploy time: a
 * ConfigMap holds the file, a Job runs `zed schema write` against the cluster. The Job's name carries
 * the schema's hash, so a changed schema is a new Job (Jobs are immutable) and is written again; an
 * unchanged one is not. Pulumi waits for the Job to complete, so a schema SpiceDB rejects (say, one
 * that drops a relation still in use) fails the deployment.
 */
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  CONFIG_SECRET,
  PRESHARED_KEY,
  SCHEMA_JOB_POD_LABELS,
  SPICEDB_ENDPOINT,
  TLS_SECRET,
} from "./spicedbNames";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";

export const SCHEMA_FILE = path.resolve(__dirname, "..", "..", "services", "spicedb", "schema.zed");

export function readSchema(): string {
  return fs.readFileSync(SCHEMA_FILE, "utf8");
}

/** First 10 hex digits of the schema's SHA-256: enough to tell versions apart in a Job name. */
export function schemaHash(schema: string): string {
  return createHash("sha256").update(schema).digest("hex").slice(0, 10);
}

export interface SpiceDbSchemaArgs {
  /** namespaces.name("spicedb") */
  namespace: pulumi.Input<string>;
  /** ghcr.io/authzed/zed:<tag> */
  zedImage: string;
  provider: k8s.Provider;
  parent: pulumi.Resource;
  /** The SpiceDBCluster and its Secrets: the Job talks to the cluster they make. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

const NONROOT = 65532;

export function spiceDbSchemaJob(name: string, args: SpiceDbSchemaArgs): k8s.batch.v1.Job {
  const schema = readSchema();
  const hash = schemaHash(schema);
  const opts = { parent: args.parent, provider: args.provider };
  const labels = { ...SCHEMA_JOB_POD_LABELS, "app.kubernetes.io/part-of": "prism" };

  const configMap = new k8s.core.v1.ConfigMap(
    `${name}-schema`,
    {
      metadata: { name: "spicedb-schema", namespace: args.namespace, labels },
      data: { "schema.zed": schema },
    },
    opts,
  );

  return new k8s.batch.v1.Job(
    `${name}-schema-write`,
    {
      metadata: {
        name: `spicedb-schema-${hash}`,
        namespace: args.namespace,
        labels,
        annotations: { "prism.io/schema-sha256": hash },
      },
      spec: {
        // SpiceDB may still be migrating or rolling out: retry with back-off for about ten minutes.
        backoffLimit: 6,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels },
          spec: {
            restartPolicy: "Never",
            automountServiceAccountToken: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: NONROOT,
              runAsGroup: NONROOT,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: "zed",
                image: args.zedImage,
                args: [
                  "schema",
                  "write",
                  "/schema/schema.zed",
                  `--endpoint=${SPICEDB_ENDPOINT}`,
                  "--certificate-path=/tls/ca.crt",
                ],
                env: [
                  // zed reads its flags from ZED_* variables: the token never appears in the args.
                  {
                    name: "ZED_TOKEN",
                    valueFrom: { secretKeyRef: { name: CONFIG_SECRET, key: PRESHARED_KEY } },
                  },
                  { name: "HOME", value: "/tmp" },
                ],
                securityContext: RESTRICTED_CONTAINER,
                resources: {
                  requests: { cpu: "20m", memory: "32Mi" },
                  limits: { cpu: "200m", memory: "128Mi" },
                },
                volumeMounts: [
                  { name: "schema", mountPath: "/schema", readOnly: true },
                  { name: "tls", mountPath: "/tls", readOnly: true },
                  { name: "tmp", mountPath: "/tmp" },
                ],
              },
            ],
            volumes: [
              { name: "schema", configMap: { name: configMap.metadata.name } },
              // Only the CA is mounted, not the server key.
              { name: "tls", secret: { secretName: TLS_SECRET, items: [{ key: "ca.crt", path: "ca.crt" }] } },
              { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
            ],
          },
        },
      },
    },
    { ...opts, dependsOn: args.dependsOn },
  );
}
