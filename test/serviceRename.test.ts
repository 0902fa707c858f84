/**
 * Renaming a service keeps its database: with `formerName` the data keeps its physical names and
 * every Pulumi resource is aliased to its old name, so the diff shows no delete of anything
 * holding data; without it the diff names the loss and production's protection stops the delete.
 */
import * as k8s from "@pulumi/kubernetes";
import { PostgresDatabase } from "../components/data/postgresDatabase";
import { diffPlans } from "../tools/analysis/planDiff";
import { toPlanJson, type PlanJson } from "../tools/engine/plan";
import { renameProblems, SERVICES } from "../services/catalog";
import { planWithFoundation } from "./harness";

const PG = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/** The production foundation plus one database: `database`, stored under `storedAs`. */
async function planDatabase(database: "billing" | "certs", storedAs?: string): Promise<PlanJson> {
  const plan = await planWithFoundation("production", ({ config, namespaces, cluster }) => {
    const operator = new k8s.core.v1.ConfigMap(
      "operator-stand-in",
      { metadata: { name: "operator", namespace: "data" } },
      { provider: cluster.provider },
    );
    new PostgresDatabase(`data-postgres-${database}`, {
      credentialRotation: config.credentialRotation,
      database,
      storedAs,
      config: config.data.postgres,
      protect: config.data.protect,
      retainVolumes: config.data.retainVolumes,
      imageName: "ghcr.io/cloudnative-pg/postgresql:17.5",
      namespace: namespaces.name("data"),
      consumerNamespace: namespaces.name("prism"),
      objectStore: {
        destinationPath: "s3://backups/",
        endpointURL: "https://fra1.digitaloceanspaces.com",
        s3Credentials: {
          accessKeyId: { name: "pg-backup", key: "ACCESS_KEY_ID" },
          secretAccessKey: { name: "pg-backup", key: "ACCESS_SECRET_KEY" },
        },
        wal: { compression: "gzip" },
        data: { compression: "gzip" },
      },
      placement: { nodeSelector: {}, tolerations: [] },
      provider: cluster.provider,
      operator,
    });
  });
  return toPlanJson(plan);
}

describe("a service rename keeps its database", () => {
  // "billing" renamed to "certs" stands for any rename: both are database names the types accept.
  let before: PlanJson;
  beforeAll(async () => {
    before = await planDatabase("billing");
  }, 120_000);

  it("with formerName: same cluster, same volumes, nothing holding data deleted or replaced", async () => {
    const after = await planDatabase("certs", "billing");
    const diff = diffPlans(before, after);
    expect(diff.dangers).toEqual([]);
    expect(diff.resources.filter((c) => c.kind === "delete")).toEqual([]);
    const cluster = after.resources.find((r) => r.type === PG);
    expect(cluster?.name).toBe("data-postgres-certs-cluster");
    expect(cluster?.options.aliases).toContain(before.resources.find((r) => r.type === PG)?.urn);
    expect((cluster?.inputs.metadata as { name: string }).name).toBe("billing-db");
    // Only what names the service moves: its connection Secret, and who may reach the pooler.
    expect(diff.resources.map((c) => [c.kind, c.name])).toEqual([
      ["replace", "data-postgres-certs-consumer"],
      ["update", "data-postgres-certs-pooler-ingress"],
    ]);
  }, 120_000);

  it("without formerName the diff names the loss of the database", async () => {
    const diff = diffPlans(before, await planDatabase("certs"));
    expect(diff.dangers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "loses-data", name: "data-postgres-billing-cluster" }),
        expect.objectContaining({ kind: "rename-without-alias", name: "data-postgres-billing-cluster" }),
      ]),
    );
    // And production's Cluster is protected: `pulumi up` refuses to delete it.
    expect(before.resources.find((r) => r.type === PG)?.options).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
  }, 120_000);

  it("the catalog's renames are consistent", () => {
    expect(renameProblems(SERVICES)).toEqual([]);
    const broken = {
      ...SERVICES,
      certs: { ...SERVICES.certs, formerName: "users" },
      ui: { ...SERVICES.ui, formerName: "old-ui" },
    };
    expect(renameProblems(broken)).toEqual([
      'certs.formerName "users" is the name of a current service',
      "ui.formerName is set but ui has no database to keep",
    ]);
  });
});
