/**
 * The plan diff names every danger: one test per kind, on small plans built the way the engine
 * writes them, and the cluster cascade on the real production plan.
 */
import { diffPlans, renderDiffMarkdown } from "../tools/analysis/planDiff";
import { planStack } from "../tools/engine/engine";
import { toPlanJson, type JsonResource, type PlanJson } from "../tools/engine/plan";
import { planOf, section } from "./harness";

/** The comment as GitHub displays it: plan text enters the Markdown with its punctuation escaped. */
const displayed = (md: string) => md.replace(/\\([!-/:-@[-`{-~])/g, "$1");

const urn = (type: string, name: string) => `urn:pulumi:s::p::pulumi:pulumi:Stack$${type}::${name}`;
const options: JsonResource["options"] = {
  protect: false,
  retainOnDelete: false,
  deleteBeforeReplace: false,
  ignoreChanges: [],
  replaceOnChanges: [],
  additionalSecretOutputs: [],
  dependsOn: [],
};
function r(
  type: string,
  name: string,
  inputs: Record<string, unknown> = {},
  extra: Partial<JsonResource> = {},
): JsonResource {
  return {
    urn: urn(type, name),
    type,
    name,
    custom: true,
    id: `${name}-id`,
    inputs,
    secretPaths: [],
    dependencies: [],
    ...extra,
    options: { ...options, ...extra.options },
  };
}
const plan = (resources: JsonResource[]): PlanJson => ({ project: "p", stack: "s", resources, outputs: {} });
const dangersOf = (base: JsonResource[], head: JsonResource[]) =>
  diffPlans(plan(base), plan(head)).dangers.map((d) => [d.kind, d.name]);

const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";
const PG = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const RELEASE = "kubernetes:helm.sh/v3:Release";

describe("the plan diff names every danger", () => {
  it("a deleted database, KMS key or protected resource is data loss, not a plain '-' row", () => {
    const db = r(PG, "data-postgres-users-cluster", { spec: { instances: 3 } });
    const key = r(
      "aws:kms/key:Key",
      "confidential-aws-disk-key",
      {},
      { options: { ...options, protect: true } },
    );
    const plain = r("kubernetes:core/v1:ConfigMap", "settings");
    const diff = diffPlans(plan([db, key, plain]), plan([]));
    expect(diff.dangers.map((d) => [d.kind, d.name])).toEqual([
      ["loses-data", "data-postgres-users-cluster"],
      ["loses-data", "confidential-aws-disk-key"],
    ]);
    const md = renderDiffMarkdown(diff);
    expect(md).toContain("⛔ 2 dangers (data loss)");
    expect(md).toContain("| - ⛔ | `data-postgres-users-cluster` |");
    expect(md).toContain("| - | `settings` |");
    expect(displayed(md)).toMatch(
      /\*\*data loss\*\* `confidential-aws-disk-key`.*deleted, and it holds data/,
    );
  });

  it("a deleted or replaced generated credential, CA or key is identity loss", () => {
    const password = r("random:index/randomPassword:RandomPassword", "valkey-password", { length: 32 });
    const ca = r("tls:index/selfSignedCert:SelfSignedCert", "openbao-ca", { isCaCertificate: true });
    const spacesKey = r("digitalocean:index/spacesKey:SpacesKey", "backups-key", { name: "a" });
    expect(
      dangersOf(
        [password, ca, spacesKey],
        [r("digitalocean:index/spacesKey:SpacesKey", "backups-key", { name: "a" })],
      ),
    ).toEqual([
      ["loses-identity", "valkey-password"],
      ["loses-identity", "openbao-ca"],
    ]);
    // A release with volumes is data too.
    const nats = r(RELEASE, "nats", {
      values: { config: { jetstream: { fileStore: { pvc: { enabled: true } } } } },
    });
    const noVolumes = r(RELEASE, "traefik", { values: { deployment: { replicas: 2 } } });
    expect(dangersOf([nats, noVolumes], [])).toEqual([["loses-data", "nats"]]);
  });

  it("resizing the system pool replaces the DOKS cluster (create-only), and says why", () => {
    const before = r(CLUSTER, "prism", {
      nodePool: { size: "g-4vcpu-16gb", nodeCount: 3 },
      version: "1.34.3-do.1",
    });
    const after = r(CLUSTER, "prism", {
      nodePool: { size: "g-8vcpu-32gb", nodeCount: 3 },
      version: "1.34.3-do.1",
    });
    const diff = diffPlans(plan([before]), plan([after]));
    expect(diff.resources.map((c) => c.kind)).toEqual(["replace"]);
    expect(diff.dangers.map((d) => [d.kind, d.message])).toEqual([
      [
        "create-only",
        'replaced (deleted, then created) because `nodePool.size` is create-only ("g-4vcpu-16gb" → "g-8vcpu-32gb"), and it holds data: the new one starts empty',
      ],
    ]);
    // The node count is not create-only; a version downgrade is.
    const more = r(CLUSTER, "prism", {
      nodePool: { size: "g-4vcpu-16gb", nodeCount: 5 },
      version: "1.34.3-do.1",
    });
    expect(diffPlans(plan([before]), plan([more])).dangers).toEqual([]);
    const older = r(CLUSTER, "prism", {
      nodePool: { size: "g-4vcpu-16gb", nodeCount: 3 },
      version: "1.33.6-do.2",
    });
    expect(diffPlans(plan([before]), plan([older])).dangers[0].message).toMatch(/version.*goes down/);
    const newer = r(CLUSTER, "prism", {
      nodePool: { size: "g-4vcpu-16gb", nodeCount: 3 },
      version: "1.35.1-do.0",
    });
    expect(diffPlans(plan([before]), plan([newer])).dangers).toEqual([]);
  });

  it("a replaced cluster cascades: its provider and every resource on it, counted", () => {
    const cluster = (size: string) => r(CLUSTER, "prism", { nodePool: { size } });
    const pool = r("digitalocean:index/kubernetesNodePool:KubernetesNodePool", "prism-services", {
      clusterId: "prism-id",
    });
    const provider = r(
      "pulumi:providers:kubernetes",
      "prism-k8s",
      {},
      { dependencies: [urn(CLUSTER, "prism")] },
    );
    const inCluster = [
      r("kubernetes:core/v1:Namespace", "data", {}, { provider: provider.urn }),
      r(PG, "data-postgres-users-cluster", {}, { provider: provider.urn }),
    ];
    const diff = diffPlans(
      plan([cluster("s-4vcpu-8gb"), pool, provider, ...inCluster]),
      plan([cluster("g-4vcpu-16gb"), pool, provider, ...inCluster]),
    );
    const cascade = diff.dangers.find((d) => d.kind === "cascade");
    expect(cascade).toMatchObject({
      name: "prism",
      message:
        "replacing it recreates 4 dependent resources (every in-cluster resource), 2 of them holding data or identity",
    });
    expect(
      diff.resources
        .filter((c) => c.kind === "replace")
        .map((c) => c.name)
        .sort(),
    ).toEqual(["data", "data-postgres-users-cluster", "prism", "prism-k8s", "prism-services"]);
    expect(renderDiffMarkdown(diff)).toContain("**0 to add, 5 to change (5 replacements ⚠️), 0 to delete**");
  });

  it("a delete and create that look like a rename, without an alias, are flagged", () => {
    const old = r(PG, "data-postgres-accounts-cluster", { metadata: { name: "accounts" } });
    const renamed = r(PG, "data-postgres-users-cluster", { metadata: { name: "users" } });
    const unrelated = r("kubernetes:core/v1:ConfigMap", "grafana-dashboards");
    expect(dangersOf([old], [renamed, unrelated])).toEqual([
      ["loses-data", "data-postgres-accounts-cluster"],
      ["rename-without-alias", "data-postgres-accounts-cluster"],
    ]);
    // With an alias naming the old URN and the physical name kept, it is the same resource.
    const aliased = { ...renamed, inputs: old.inputs, options: { ...options, aliases: [old.urn] } };
    const kept = diffPlans(plan([old]), plan([aliased]));
    expect(kept.dangers).toEqual([]);
    expect(kept.resources).toEqual([]);
    // An alias alone does not keep it if the physical name changes: that is still a replacement.
    const moved = diffPlans(plan([old]), plan([{ ...aliased, inputs: renamed.inputs }]));
    expect(moved.dangers.map((d) => d.kind)).toEqual(["create-only"]);
  });

  it("protection or retain-on-delete turned off is flagged", () => {
    const on = { ...options, protect: true, retainOnDelete: true };
    expect(
      dangersOf(
        [r("digitalocean:index/spacesBucket:SpacesBucket", "backups-bucket", {}, { options: on })],
        [r("digitalocean:index/spacesBucket:SpacesBucket", "backups-bucket", {})],
      ),
    ).toEqual([
      ["protection-off", "backups-bucket"],
      ["protection-off", "backups-bucket"],
    ]);
  });

  it("persistence turned off is flagged (a volume switch or Valkey's append-only file)", () => {
    const valkey = (on: boolean) =>
      r(RELEASE, "valkey", {
        values: {
          dataStorage: { enabled: on },
          valkeyConfig: on ? "appendonly yes\nappendfsync everysec" : 'appendonly no\nsave ""',
        },
      });
    expect(diffPlans(plan([valkey(true)]), plan([valkey(false)])).dangers.map((d) => d.message)).toEqual([
      "persistence is turned off (`values.dataStorage.enabled`): its data is not kept",
      "persistence is turned off (`values.valkeyConfig`: append-only file disabled)",
    ]);
    expect(diffPlans(plan([valkey(false)]), plan([valkey(true)])).dangers).toEqual([]);
  });

  it("a shorter backup retention is flagged, in any unit the charts use", () => {
    const velero = (ttl: string, days: number, retention: string) =>
      r(RELEASE, "velero", {
        values: { schedules: { daily: { template: { ttl } } } },
        backup: { retentionPolicy: retention },
        lifecycleRules: [{ noncurrentVersionExpiration: { days } }],
      });
    const diff = diffPlans(plan([velero("720h0m0s", 30, "30d")]), plan([velero("24h0m0s", 1, "7d")]));
    expect(diff.dangers.map((d) => d.kind)).toEqual([
      "retention-shortened",
      "retention-shortened",
      "retention-shortened",
    ]);
    expect(diff.dangers[2].message).toContain(
      '`values.schedules.daily.template.ttl`: "720h0m0s" → "24h0m0s"',
    );
    expect(
      diffPlans(plan([velero("24h0m0s", 1, "7d")]), plan([velero("720h0m0s", 30, "30d")])).dangers,
    ).toEqual([]);
  });
});

describe("on the real production plan", () => {
  it("a bigger system pool replaces the cluster and recreates every in-cluster resource", async () => {
    const base = toPlanJson(await planOf("production"));
    const head = toPlanJson(
      await planStack({
        stack: "production",
        mutateConfig: (c) => {
          const pools = section(section(c, "prism:digitalocean"), "nodePools");
          pools.system = { ...section(pools, "system"), size: "g-8vcpu-32gb" };
        },
      }),
    );
    const diff = diffPlans(base, head);
    const inCluster = head.resources.filter((x) => x.type.startsWith("kubernetes:")).length;
    const cluster = diff.dangers.filter((d) => d.name === "prism" && d.type === CLUSTER);
    expect(cluster.map((d) => d.kind)).toEqual(["create-only", "cascade"]);
    const cascade = cluster[1].message;
    const count = Number(/recreates (\d+) dependent/.exec(cascade)?.[1]);
    // Every in-cluster resource, their provider and the two workload pools.
    expect(count).toBe(inCluster + 1 + 2);
    expect(cascade).toMatch(/of them holding data or identity/);
    expect(displayed(renderDiffMarkdown(diff))).toContain("`nodePool.size` is create-only");
  }, 120_000);
});
