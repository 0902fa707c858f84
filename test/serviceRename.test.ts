/**
 * Renaming a service keeps its database: with `formerName` the data keeps its physical names and
 * every Pulumi resource is aliased to its old name, so the diff shows no delete of anything
 * holding data; without it the diff names the loss and production's protection stops the delete.
 * The rename is a catalog edit, so the data layer of stacks/platform.ts is planned over the real
 * catalog and over one where billing is renamed to payments.
 */
import type * as Catalog from "../services/catalog";
import { renameProblems, SERVICES } from "../services/catalog";
import { buildData } from "../stacks/platform";
import { diffPlans } from "../tools/analysis/planDiff";
import { toPlanJson, type PlanJson } from "../tools/engine/plan";
import { planWithFoundation } from "./harness";

/** Which catalog the program reads: the real one, or billing renamed to payments, with or without formerName. */
interface RenameState {
  rename?: { formerName: boolean };
}

jest.mock("../services/catalog", () => {
  const actual = jest.requireActual<typeof Catalog>("../services/catalog");
  const state: RenameState = {};
  const renamed = (): Readonly<Record<string, Catalog.ServiceSpec>> =>
    Object.fromEntries(
      Object.entries(actual.SERVICES).map(([name, spec]) =>
        name === "billing"
          ? ["payments", state.rename?.formerName ? { ...spec, formerName: "billing" } : spec]
          : [name, spec],
      ),
    );
  const services = (): Readonly<Record<string, Catalog.ServiceSpec>> =>
    state.rename ? renamed() : actual.SERVICES;
  const names = () => Object.keys(services());
  return {
    ...actual,
    renameState: state,
    get SERVICES() {
      return services();
    },
    get SERVICE_NAMES() {
      return names();
    },
    get DATABASES() {
      return state.rename ? [...names().filter((s) => services()[s].database), "spicedb"] : actual.DATABASES;
    },
    // The catalog's rule, over the renamed catalog: a database lives under its service's former name.
    storedNameOf: (database: (typeof Catalog.DATABASES)[number]) =>
      state.rename && database !== "spicedb"
        ? (services()[database].formerName ?? database)
        : actual.storedNameOf(database),
  };
});

const PG = "kubernetes:postgresql.cnpg.io/v1:Cluster";

/** Production's foundation and data layer, over the catalog `rename` selects. */
async function planData(rename?: { formerName: boolean }): Promise<PlanJson> {
  const { renameState } = jest.requireMock<{ renameState: RenameState }>("../services/catalog");
  renameState.rename = rename;
  try {
    return toPlanJson(
      await planWithFoundation("production", (ctx) => void buildData({ ...ctx, previous: {} }, ctx)),
    );
  } finally {
    renameState.rename = undefined;
  }
}

describe("a service rename keeps its database", () => {
  let before: PlanJson;
  beforeAll(async () => {
    before = await planData();
  }, 120_000);

  it("with formerName: same cluster, same volumes, nothing holding data deleted or replaced", async () => {
    const after = await planData({ formerName: true });
    const diff = diffPlans(before, after);
    expect(diff.dangers).toEqual([]);
    expect(diff.resources.filter((c) => c.kind === "delete")).toEqual([]);
    const clusterOf = (plan: PlanJson, name: string) =>
      plan.resources.find((r) => r.type === PG && r.name === `data-postgres-${name}-cluster`);
    const cluster = clusterOf(after, "payments");
    expect(cluster?.options.aliases).toContain(clusterOf(before, "billing")?.urn);
    expect((cluster?.inputs.metadata as { name: string }).name).toBe("billing-db");
    // Only what names the service moves: its connection Secret, and who may reach the pooler and NATS.
    expect(diff.resources.map((c) => [c.kind, c.name])).toEqual([
      ["update", "data-nats-policy"],
      ["replace", "data-postgres-payments-consumer"],
      ["update", "data-postgres-payments-pooler-ingress"],
    ]);
  }, 120_000);

  it("without formerName the diff names the loss of the database", async () => {
    const diff = diffPlans(before, await planData({ formerName: false }));
    expect(diff.dangers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "loses-data", name: "data-postgres-billing-cluster" }),
        expect.objectContaining({ kind: "rename-without-alias", name: "data-postgres-billing-cluster" }),
      ]),
    );
    // And production's Cluster is protected: `pulumi up` refuses to delete it.
    expect(
      before.resources.find((r) => r.type === PG && r.name === "data-postgres-billing-cluster")?.options,
    ).toMatchObject({
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
