import {
  postgresBaseBackups,
  snapshotSchedules,
  snapshotStorage,
  cronPeriodHours,
  durationHours,
} from "../policies/cost/backups";
import { freeBecause } from "../policies/cost/billable";
import { equivalentInstance, priceOnEks } from "../tools/cost/eks";
import { estimateCost, monthly, type CostedResource } from "../policies/cost/estimate";
import { PRICES, type ListPrice } from "../policies/cost/prices";
import { quantityGiB, volumeClaims, type SourcedManifest } from "../policies/cost/quantities";
import { releaseRenders } from "../tools/cost/renders";
import { renderPlanReleases } from "../tools/engine/renderReleases";
import { programResources } from "../tools/engine/plan";
import { oncePerStack, planOf } from "./harness";

const price = (usd: number, unit: ListPrice["unit"], asOf = "2026-11-01"): ListPrice => ({
  usd,
  unit,
  source: "https://example.com/pricing",
  asOf,
});
const m = (source: string, manifest: SourcedManifest["manifest"], namespace?: string): SourcedManifest => ({
  source,
  manifest,
  namespace,
});
const STACK = "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s";
const res = (type: string, name: string, inputs: Record<string, unknown>): CostedResource => ({
  urn: `urn:pulumi:s::p::${type}::${name}`,
  type,
  name,
  parent: STACK,
  inputs,
});

describe("cost arithmetic", () => {
  it("bills DigitalOcean hourly prices at the 672-hour monthly cap and the other clouds at 730 hours", () => {
    expect(monthly(price(0.1, "hour"), 1, "digitalocean:x")).toBe(67.2);
    expect(monthly(price(0.1, "hour"), 1, "aws:eks:control-plane")).toBe(73);
    expect(monthly(price(0.0014, "hour"), 3, "gcp:cloud-nat:vm")).toBe(3.07);
    expect(monthly(price(0.1, "gib-month"), 25, "digitalocean:volume:gib")).toBe(2.5);
  });

  it("reads Kubernetes quantities and refuses what is not one", () => {
    expect(quantityGiB("20Gi")).toBe(20);
    expect(quantityGiB("1Ti")).toBe(1024);
    expect(quantityGiB("512Mi")).toBe(0.5);
    expect(quantityGiB("10G")).toBeCloseTo(9.313, 3);
    expect(() => quantityGiB("lots")).toThrow(/"lots" is not a Kubernetes quantity/);
  });
});

describe("quantities from rendered objects", () => {
  const claimSpec = (size: string) => ({ resources: { requests: { storage: size } } });
  const objects = [
    m(
      "r1",
      {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: "grafana" },
        spec: claimSpec("10Gi"),
      },
      "monitoring",
    ),
    m("r2", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "openbao", namespace: "openbao" },
      spec: {
        replicas: 3,
        volumeClaimTemplates: [
          { metadata: { name: "data" }, spec: claimSpec("20Gi") },
          { metadata: { name: "audit" }, spec: claimSpec("5Gi") },
        ],
      },
    }),
    m("r3", {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: "db", namespace: "data" },
      spec: { instances: 3, storage: { size: "50Gi" }, walStorage: { size: "10Gi" } },
    }),
    m("r4", {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "Prometheus",
      metadata: { name: "prom", namespace: "monitoring" },
      spec: { replicas: 2, shards: 2, storage: { volumeClaimTemplate: { spec: claimSpec("100Gi") } } },
    }),
    m("r5", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: {} }),
  ];

  it("counts every PVC, volumeClaimTemplate × replicas, CNPG instance (data and WAL) and Prometheus replica × shard", () => {
    expect(volumeClaims(objects).map((c) => [c.what, c.namespace, c.gib, c.count])).toEqual([
      ["PersistentVolumeClaim monitoring/grafana", "monitoring", 10, 1],
      ["StatefulSet openbao/openbao volumeClaimTemplate data", "openbao", 20, 3],
      ["StatefulSet openbao/openbao volumeClaimTemplate audit", "openbao", 5, 3],
      ["Cluster data/db data", "data", 50, 3],
      ["Cluster data/db WAL", "data", 10, 3],
      ["Prometheus monitoring/prom storage", "monitoring", 100, 4],
    ]);
  });

  it("keeps as many full snapshots as the schedules' TTL over period, capped at DigitalOcean's 25 per volume", () => {
    expect(cronPeriodHours("0 2 * * *")).toBe(24);
    expect(cronPeriodHours("15 * * * *")).toBe(1);
    expect(cronPeriodHours("0 0 3 * * *")).toBe(24);
    expect(cronPeriodHours("*/5 * * * *")).toBeUndefined();
    expect(cronPeriodHours("15 */6 * * *")).toBe(6);
    expect(cronPeriodHours("0 0,6,12,18 * * *")).toBe(6);
    expect(cronPeriodHours("0 */5 * * *")).toBeUndefined();
    expect(cronPeriodHours("0 0,6,13,18 * * *")).toBeUndefined();
    expect(durationHours("720h0m0s")).toBe(720);
    const schedules = snapshotSchedules({
      schedules: {
        daily: { schedule: "0 2 * * *", template: { includedNamespaces: ["*"], ttl: "168h0m0s" } },
        hourly: { schedule: "15 * * * *", template: { includedNamespaces: ["data"], ttl: "48h0m0s" } },
        off: { disabled: true, schedule: "0 3 * * *", template: {} },
      },
    });
    expect(schedules.map((s) => [s.name, s.retained])).toEqual([
      ["daily", 7],
      ["hourly", 48],
    ]);
    const storage = snapshotStorage(schedules, volumeClaims(objects));
    // monitoring 10 + 400 GiB × 7; openbao 75 GiB × 7; data (150 + 30) GiB × min(7 + 48, 25)
    expect(storage.gib).toBe(410 * 7 + 75 * 7 + 180 * 25);
    expect(storage.overLimit.map((o) => [o.what, o.wanted])).toEqual([
      ["Cluster data/db data", 55],
      ["Cluster data/db WAL", 55],
    ]);
  });

  it("keeps one full base backup per scheduled run for the cluster's retention", () => {
    const backups = postgresBaseBackups([
      ...objects,
      m("r6", {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "ScheduledBackup",
        metadata: { name: "db-daily", namespace: "data" },
        spec: { cluster: { name: "db" }, schedule: "0 0 3 * * *", method: "barmanObjectStore" },
      }),
    ]);
    expect(backups).toEqual([]); // the cluster above declares no retention
    const withRetention = objects.map((o) =>
      o.manifest.kind === "Cluster"
        ? m(o.source, {
            ...o.manifest,
            spec: { ...(o.manifest.spec as object), backup: { retentionPolicy: "30d" } },
          })
        : o,
    );
    expect(
      postgresBaseBackups([
        ...withRetention,
        m("r6", {
          apiVersion: "postgresql.cnpg.io/v1",
          kind: "ScheduledBackup",
          metadata: { name: "db-daily", namespace: "data" },
          spec: { cluster: { name: "db" }, schedule: "0 0 3 * * *" },
        }),
      ]),
    ).toEqual([{ what: "Cluster data/db", retained: 30, gib: 1500 }]);
  });
});

describe("priced items", () => {
  it("prices HSM keys at the HSM rate, Cloud NAT by the VMs behind it, and lists unpriced items with their quantity", () => {
    const prices = {
      "gcp:kms:key-version:hsm": price(1, "month"),
      "gcp:kms:key-version:software": price(0.06, "month"),
      "gcp:cloud-nat:vm": price(0.0014, "hour"),
    };
    const nat = res("gcp:compute/routerNat:RouterNat", "nat", { project: "p", region: "europe-west4" });
    const key = res("gcp:kms/cryptoKey:CryptoKey", "k", { versionTemplate: { protectionLevel: "HSM" } });
    const vm = (n: string) =>
      res("gcp:compute/instance:Instance", n, {
        project: "p",
        zone: "europe-west4-b",
        machineType: "n2d-standard-8",
        bootDisk: { initializeParams: { size: 30, type: "pd-balanced" } },
        confidentialInstanceConfig: { confidentialInstanceType: "SEV_SNP" },
      });
    const none = estimateCost([nat, key], { prices });
    expect(none.lines.map((l) => [l.priceKey, l.quantity, l.monthlyUsd])).toEqual([
      ["gcp:cloud-nat:vm", 0, 0],
      ["gcp:kms:key-version:hsm", 1, 1],
    ]);
    const two = estimateCost([nat, key, vm("a"), vm("b")], { prices });
    expect(two.lines.find((l) => l.priceKey === "gcp:cloud-nat:vm")?.monthlyUsd).toBe(2.04);
    expect(two.unpriced.map((l) => [l.priceKey, l.quantity])).toEqual([
      ["gcp:vm:n2d-standard-8:europe-west4", 1],
      ["gcp:disk:pd-balanced:europe-west4", 30],
      ["gcp:confidential:sev_snp:n2d-standard-8:europe-west4", 1],
      ["gcp:vm:n2d-standard-8:europe-west4", 1],
      ["gcp:disk:pd-balanced:europe-west4", 30],
      ["gcp:confidential:sev_snp:n2d-standard-8:europe-west4", 1],
    ]);
  });

  it("warns when a price is older than the set age", () => {
    const prices = { "aws:kms:key": price(1, "month", "2026-01-01") };
    const cost = estimateCost([res("aws:kms/key:Key", "k", {})], {
      prices,
      today: new Date("2026-12-01T00:00:00Z"),
      maxPriceAgeDays: 180,
    });
    expect(cost.warnings).toEqual([
      "price aws:kms:key was read 334 days ago (2026-01-01); run npm run prices:update",
    ]);
    expect(
      estimateCost([res("aws:kms/key:Key", "k", {})], { prices, today: new Date("2026-02-01") }).warnings,
    ).toEqual([]);
  });

  it("names a planned type that is neither billable nor declared free", () => {
    expect(estimateCost([res("aws:rds/instance:Instance", "db", {})]).unclassified).toEqual([
      "aws:rds/instance:Instance",
    ]);
    expect(freeBecause("aws:iam/role:Role")).toBe("IAM is free");
  });

  it("every listed price names its source and date", () => {
    for (const [key, p] of Object.entries(PRICES)) {
      expect({ key, source: /^https:\/\//.test(p.source), asOf: /^\d{4}-\d{2}-\d{2}$/.test(p.asOf) }).toEqual(
        {
          key,
          source: true,
          asOf: true,
        },
      );
    }
  });

  it("picks the cheapest priced EC2 type with at least the Droplet's vCPUs and memory, else the smallest fitting", () => {
    expect(equivalentInstance({ vcpus: 4, memoryGiB: 16 }, "eu-central-1", {})).toBe("m6a.xlarge");
    expect(equivalentInstance({ vcpus: 4, memoryGiB: 32 }, "eu-central-1", {})).toBe("r6a.xlarge");
    expect(
      equivalentInstance({ vcpus: 2, memoryGiB: 8 }, "r", {
        "aws:ec2:m6a.large:r": price(0.0864, "hour"),
        "aws:ec2:r6a.large:r": price(0.1134, "hour"),
      }),
    ).toBe("m6a.large");
  });
});

/** The plan's estimate with every Helm release rendered, as `npm run plan` computes it. */
const estimateOf = oncePerStack(async (stack) => {
  const plan = await planOf(stack);
  const cost = estimateCost(plan.resources, {
    rendered: releaseRenders(plan.resources, await renderPlanReleases(plan)),
  });
  return { plan, cost, eks: priceOnEks(plan.resources, cost) };
});

describe("the stacks' estimates against a hand count of the same plans", () => {
  // Planning a stack and rendering its sixteen Helm releases takes a while on a shared machine.
  jest.setTimeout(300_000);

  const within10 = (estimate: number, hand: number) =>
    expect(Math.abs(estimate - hand) / hand).toBeLessThanOrEqual(0.1);

  it("staging", async () => {
    const { cost } = await estimateOf("staging");
    // Nodes: 2 × s-4vcpu-8gb system ($48) + services pool 1–4 × $48          = 96 + 48 (max 96 + 192)
    // Load balancer traefik-cvm-agents, 1 node                                = 10
    // Volumes (GiB): 9 CNPG × 1 × 5 + OpenSearch 20 + OpenBao 5 + 5 + NATS 2
    //   + Grafana 2 + Alertmanager 2 + Prometheus 20 = 101 GiB × $0.10        = 10.10
    // Snapshots: daily, 168 h TTL / 24 h = 7 full copies × 101 GiB × $0.06    = 42.42
    // Spaces: $5 + (9 clusters × 7 base backups × 5 GiB − 250) × $0.02        = 5 + 1.30
    // GCP: HSM key $1 + software key $0.06 + NAT IP 730 h × $0.005 + NAT 0 VMs = 1.06 + 3.65
    const hand = 96 + 48 + 10 + 10.1 + 42.42 + 5 + 1.3 + 1.06 + 3.65; // 217.53
    const handMax = hand + 3 * 48; // 361.53
    within10(cost.monthlyUsd, hand);
    within10(cost.maxMonthlyUsd, handMax);
  });

  it("production", async () => {
    const { cost } = await estimateOf("production");
    // Nodes: 3 × g-4vcpu-16gb system ($126) + services 3–10 × $126 + data 3–6 × m-4vcpu-32gb ($168)
    //                                                      = 378 + 378 + 504 (max 378 + 1260 + 1008)
    // HA control plane 40, load balancer 1 node 10
    // Volumes (GiB): 9 CNPG × 3 × 50 = 1350, OpenSearch 3 × 300 = 900, OpenBao 3 × (20 + 20) = 120,
    //   Valkey 10, NATS 3 × 20 = 60, Grafana 10, Alertmanager 2 × 2 = 4, Prometheus 2 × 200 = 400
    //   = 2854 GiB × $0.10                                 = 285.40
    // Snapshots: daily, 336 h TTL / 24 h = 14 full copies of every volume    = 2854 × 14 = 39956 GiB
    //   + six-hourly state (data, openbao), 48 h / 6 h = 8 copies of CNPG 1350 + OpenBao 120
    //   + NATS 60 + Valkey 10 = 1540 GiB × 8 = 12320 GiB; 52276 GiB × $0.06  = 3136.56
    // Spaces: $5 + (9 clusters × 30 base backups × 50 GiB − 250) × $0.02 = 5 + 265
    // GCP: 2 HSM keys $2 + NAT IP $3.65 + NAT for 0 VMs (no warm pool before the CA chain); AWS KMS key $1
    const hand = 378 + 378 + 504 + 40 + 10 + 285.4 + 3136.56 + 5 + 265 + 2 + 3.65 + 1; // 5008.61
    const handMax = hand + (1260 - 378) + (1008 - 504); // 6394.61
    within10(cost.monthlyUsd, hand);
    within10(cost.maxMonthlyUsd, handMax);
    // What has no list price yet is listed with its quantity: CVM capacity and the landing zones.
    expect(cost.unpriced.map((l) => l.priceKey)).toEqual(
      expect.arrayContaining(["azure:vm:Standard_DC4es_v5:westeurope", "aws:nat-gateway:eu-west-1"]),
    );
    // Every schedule is countable and fits DigitalOcean's 25 snapshots per volume.
    expect(cost.warnings.filter((w) => /snapshots|cannot read/.test(w))).toEqual([]);
  });

  it.each(["staging", "production"])(
    "%s: every planned resource's type is priced, unpriced or declared free",
    async (stack) => {
      const { plan, cost } = await estimateOf(stack);
      expect(cost.unclassified).toEqual([]);
      for (const r of programResources(plan)) {
        const all = [...cost.lines, ...cost.unpriced];
        // Spaces is billed per account: every bucket shares the one subscription line.
        const listed =
          all.some((l) => l.urn === r.urn) ||
          (r.type === "digitalocean:index/spacesBucket:SpacesBucket" &&
            all.some((l) => l.priceKey === "digitalocean:spaces:subscription"));
        expect({ type: r.type, accounted: listed || freeBecause(r.type) !== undefined }).toEqual({
          type: r.type,
          accounted: true,
        });
      }
    },
  );

  it("prices the same platform on EKS from the same table: control plane, equivalent instances, NLB, EBS, S3", async () => {
    const { eks } = await estimateOf("production");
    expect(eks.region).toBe("eu-central-1");
    const keys = [...eks.lines, ...eks.unpriced].map((l) => l.priceKey);
    expect(keys).toEqual(
      expect.arrayContaining([
        "aws:eks:control-plane",
        "aws:ec2:m6a.xlarge:eu-central-1",
        "aws:ec2:r6a.xlarge:eu-central-1",
        "aws:nlb:eu-central-1",
        "aws:ebs:gp3:eu-central-1",
        "aws:ebs:snapshot:eu-central-1",
        "aws:s3:standard:eu-central-1",
      ]),
    );
    expect(keys.some((k) => k.startsWith("digitalocean:"))).toBe(false);
    expect(eks.lines.find((l) => l.priceKey === "aws:eks:control-plane")?.monthlyUsd).toBe(73);
  });
});
