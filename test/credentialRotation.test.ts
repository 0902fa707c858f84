/**
 * Credential rotation: every generated credential of both stacks has a rotation schedule with the
 * stack's configured days and is tied to it (keepers, rotateWhenChanged or replacementTrigger),
 * replaced create-before-delete; a bad `credentialRotation` is refused naming the key; the plan
 * diff reports a changed trigger as a replacement.
 */
import { ROTATION_KEEPER } from "../components/safety/credentialRotation";
import { diffPlans } from "../tools/analysis/planDiff";
import { toPlanJson, type PlannedResource } from "../tools/engine/plan";
import { SIMULATED_NOW } from "../tools/engine/cloud/time";
import { ofType, planFailure, planOf, programResources, section, stackConfigOf } from "./harness";

const ROTATING = "time:index/rotating:Rotating";
const PASSWORD = "random:index/randomPassword:RandomPassword";

/** How each kind of credential is tied to its schedule. */
const CREDENTIALS: { type: string; tie: "keepers" | "rotateWhenChanged" | "replacementTrigger" }[] = [
  { type: PASSWORD, tie: "keepers" },
  { type: "gcp:serviceaccount/key:Key", tie: "keepers" },
  { type: "azuread:index/servicePrincipalPassword:ServicePrincipalPassword", tie: "rotateWhenChanged" },
  { type: "digitalocean:index/spacesKey:SpacesKey", tie: "replacementTrigger" },
  { type: "aws:iam/accessKey:AccessKey", tie: "replacementTrigger" },
];

/**
 * Operator logins the charts apply only when they first initialise (Grafana's admin, OpenSearch's
 * admin) and the Dashboards session cookie key: outside the rotated set, a new value would not
 * match the one in use.
 */
const NOT_ROTATED = /^observability-(prometheus-grafana-admin|logs-admin|logs-cookie)$/;

/** What each stack must rotate at least: the credential kinds it creates. */
const EXPECTED: Record<string, { type: string; names: RegExp[] }[]> = {
  staging: [
    {
      type: PASSWORD,
      names: [/^data-postgres-\w+-password$/, /^data-valkey-password$/, /^spicedb-preshared-key$/],
    },
    // No GCP service-account key: the stacks are keyless (test/gcpKeyless.test.ts rotates the keys
    // of gcpServiceAccountKeys "allowed").
    {
      type: "digitalocean:index/spacesKey:SpacesKey",
      names: [/^backups-key$/, /^data-postgres-key$/, /^restore-drill-backup-reader$/],
    },
  ],
  production: [
    {
      type: "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
      names: [/^confidential-azure-/],
    },
    { type: "aws:iam/accessKey:AccessKey", names: [/^confidential-aws-backends-key$/] },
  ],
};

function scheduleOf(resources: PlannedResource[], credential: PlannedResource): PlannedResource {
  const found = resources.filter((r) => r.type === ROTATING && r.name === `${credential.name}-rotation`);
  if (found.length !== 1) throw new Error(`${credential.name}: expected one schedule, found ${found.length}`);
  return found[0];
}

function tieOf(credential: PlannedResource, tie: (typeof CREDENTIALS)[number]["tie"]): unknown {
  if (tie === "replacementTrigger") return credential.options.replacementTrigger;
  const keepers = credential.inputs[tie];
  return typeof keepers === "object" && keepers !== null ? Reflect.get(keepers, ROTATION_KEEPER) : undefined;
}

describe.each(["staging", "production"])("%s: generated credentials rotate", (stack) => {
  const days = stackConfigOf(stack).credentialRotation.days;

  it("creates every kind of credential the stack needs, each with its schedule", async () => {
    const plan = await planOf(stack);
    for (const { type, names } of EXPECTED[stack]) {
      const planned = ofType(plan, type).map((r) => r.name);
      for (const name of names) expect(planned.some((n) => name.test(n))).toBe(true);
    }
  });

  it.each(CREDENTIALS)("every $type rotates on the configured days, tied by $tie", async ({ type, tie }) => {
    const plan = await planOf(stack);
    const credentials = ofType(plan, type).filter((r) => !NOT_ROTATED.test(r.name));
    for (const credential of credentials) {
      const schedule = scheduleOf(plan.resources, credential);
      expect({ name: credential.name, days: schedule.inputs.rotationDays }).toEqual({
        name: credential.name,
        days,
      });
      expect(schedule.parent).toBe(credential.parent);
      // Tied: the credential carries the schedule's timestamp, so its rotation replaces the credential.
      expect(schedule.outputs.rfc3339).toBe(SIMULATED_NOW);
      expect({ name: credential.name, tie: tieOf(credential, tie) }).toEqual({
        name: credential.name,
        tie: SIMULATED_NOW,
      });
      // An input carries its source as a dependency; the SDK awaits an option's value instead.
      if (tie !== "replacementTrigger") expect(credential.dependencies).toContain(schedule.urn);
      // The overlap: the new credential exists before the old one is deleted.
      expect(credential.options.deleteBeforeReplace).toBe(false);
    }
  });

  it("rotates nothing it does not generate, and leaves out only first-start chart passwords", async () => {
    const plan = await planOf(stack);
    const skipped = ofType(plan, PASSWORD).filter((r) => NOT_ROTATED.test(r.name));
    for (const password of skipped) {
      expect(password.inputs.keepers).toBeUndefined();
    }
    const schedules = ofType(plan, ROTATING).map((r) => r.name.replace(/-rotation$/, ""));
    const credentials = new Set(
      CREDENTIALS.flatMap(({ type }) => ofType(plan, type).map((r) => r.name)).filter(
        (n) => !NOT_ROTATED.test(n),
      ),
    );
    expect(new Set(schedules)).toEqual(credentials);
  });
});

describe("the schedule follows the config", () => {
  it("a changed number of days reaches every schedule", async () => {
    const { planStack } = await import("../tools/engine/engine");
    const plan = await planStack({
      stack: "staging",
      mutateConfig: (c) => (section(c, "prism:credentialRotation").days = 45),
    });
    const days = ofType(plan, ROTATING).map((r) => r.inputs.rotationDays);
    expect(days.length).toBeGreaterThan(0);
    expect(new Set(days)).toEqual(new Set([45]));
  });
});

describe("a bad credentialRotation is refused before anything is registered", () => {
  it.each([
    [{ days: 0 }, /prism:credentialRotation\.days: must be between 1 and 365 days; got 0/],
    [{ days: 400 }, /prism:credentialRotation\.days: must be between 1 and 365 days; got 400/],
    [{ days: 7.5 }, /prism:credentialRotation\.days: must be a whole number of days; got 7\.5/],
    [{ days: "30" }, /prism:credentialRotation\.days: must be a whole number of days; got "30"/],
    [{ days: 30, hours: 1 }, /prism:credentialRotation\.hours: unknown key; allowed keys here: days/],
    [undefined, /prism:credentialRotation: .*got nothing \(the key is missing\)/],
  ])("%j", async (value, says) => {
    const failure = await planFailure("staging", (c) => {
      if (value === undefined) delete c["prism:credentialRotation"];
      else c["prism:credentialRotation"] = value;
    });
    expect(failure.message).toMatch(says);
    expect(programResources(failure.plan)).toEqual([]);
  });
});

describe("the plan diff shows a rotation", () => {
  it("a changed replacementTrigger replaces the credential", async () => {
    const base = toPlanJson(await planOf("staging"));
    const rotated = structuredClone(base);
    const key = rotated.resources.find((r) => r.name === "backups-key");
    if (!key) throw new Error("no backups-key in the staging plan");
    key.options.replacementTrigger = "2026-01-31T00:00:00Z";
    const diff = diffPlans(base, rotated);
    const change = diff.resources.find((r) => r.name === "backups-key");
    expect(change).toMatchObject({
      kind: "replace",
      changes: [
        {
          path: "(replacementTrigger)",
          before: SIMULATED_NOW,
          after: "2026-01-31T00:00:00Z",
          replaces: true,
        },
      ],
    });
  });

  it("a changed keeper replaces the password", async () => {
    const base = toPlanJson(await planOf("staging"));
    const rotated = structuredClone(base);
    const password = rotated.resources.find((r) => r.name === "spicedb-preshared-key");
    if (!password) throw new Error("no spicedb-preshared-key in the staging plan");
    password.inputs = { ...password.inputs, keepers: { [ROTATION_KEEPER]: "2026-01-31T00:00:00Z" } };
    const change = diffPlans(base, rotated).resources.find((r) => r.name === "spicedb-preshared-key");
    expect(change?.kind).toBe("replace");
  });
});
