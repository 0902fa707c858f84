/**
 * Data-safety and HA rules: each accepts a good object and rejects it with one property broken,
 * built with the real SDK classes and recorded by the engine.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PolicyPackConfig } from "@pulumi/policy";
import {
  backupSnapshotsFit,
  productionHighAvailability,
  statefulRetained,
  volumesRetained,
} from "../../policies/rules/dataSafety";
import { stackPolicyConfig } from "../../tools/engine/policyRun";
import { messagesOf, type Providers } from "../policyHarness";

const keep = { protect: true, retainOnDelete: true };

function pgCluster(
  { k8s: provider }: Providers,
  opts: pulumi.CustomResourceOptions = keep,
  spec: Record<string, unknown> = {},
) {
  return new k8s.apiextensions.CustomResource(
    "users-db",
    {
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: "users", namespace: "data" },
      spec: { instances: 3, storage: { size: "10Gi", storageClass: "retain" }, ...spec },
    },
    { provider, ...opts },
  );
}

function retainClass({ k8s: provider }: Providers, reclaimPolicy = "Retain") {
  return new k8s.storage.v1.StorageClass(
    "retain",
    { metadata: { name: "retain" }, provisioner: "dobs.csi.digitalocean.com", reclaimPolicy },
    { provider },
  );
}

function release(
  { k8s: provider }: Providers,
  name: string,
  chart: string,
  values: Record<string, unknown>,
  opts: pulumi.CustomResourceOptions = {},
) {
  // As the platform installs charts: the vendored archive, relative to the program's directory.
  return new k8s.helm.v3.Release(
    name,
    { name, chart: `../charts/vendor/${chart}-1.0.0.tgz`, version: "1.0.0", namespace: "data", values },
    { provider, ...opts },
  );
}

describe("stateful-resources-retained", () => {
  it("accepts a protected, retained database and a release without volumes", async () => {
    expect(
      await messagesOf([statefulRetained], (p) => {
        pgCluster(p);
        release(p, "traefik", "traefik", { deployment: { replicas: 3 } });
      }),
    ).toEqual([]);
  });

  it("rejects a database without retainOnDelete, and a release with volumes left unprotected", async () => {
    expect(
      await messagesOf([statefulRetained], (p) => {
        pgCluster(p, { protect: true });
        release(p, "nats", "nats", { config: { jetstream: { fileStore: { pvc: { enabled: true } } } } });
      }),
    ).toEqual([
      "stateful-resources-retained: kubernetes:postgresql.cnpg.io/v1:Cluster users-db holds data but is not retainOnDelete",
      "stateful-resources-retained: kubernetes:helm.sh/v3:Release nats holds data but is not protected",
      "stateful-resources-retained: kubernetes:helm.sh/v3:Release nats holds data but is not retainOnDelete",
    ]);
  });
});

describe("volumes-use-retain-storage-class", () => {
  it("accepts volumes that name a Retain class the stack creates", async () => {
    expect(
      await messagesOf([volumesRetained], (p) => {
        retainClass(p);
        pgCluster(p);
        release(p, "valkey", "valkey", { dataStorage: { enabled: true, className: "retain" } });
        new k8s.core.v1.PersistentVolumeClaim(
          "scratch",
          { metadata: { name: "scratch", namespace: "data" }, spec: { storageClassName: "retain" } },
          { provider: p.k8s },
        );
      }),
    ).toEqual([]);
  });

  it("rejects the default class, a Delete class and a chart volume without a class", async () => {
    const messages = await messagesOf([volumesRetained], (p) => {
      retainClass(p, "Delete");
      pgCluster(p);
      release(p, "opensearch", "opensearch", { persistence: { enabled: true, size: "10Gi" } });
      // A disabled volume needs no class.
      release(p, "cache", "valkey", { dataStorage: { enabled: false } });
    });
    expect(messages).toEqual([
      'volumes-use-retain-storage-class: kubernetes:postgresql.cnpg.io/v1:Cluster users-db: spec.storage uses storage class "retain", which deletes its disk with the claim; name a Retain class (none exists)',
      "volumes-use-retain-storage-class: kubernetes:helm.sh/v3:Release opensearch: values.persistence uses the default storage class, which deletes its disk with the claim; name a Retain class (none exists)",
    ]);
  });
});

describe("velero-snapshots-fit-digitalocean", () => {
  const velero = (p: Providers, dailyTtl: string, hourly: Record<string, unknown>) =>
    release(p, "velero", "velero", {
      schedules: {
        daily: { schedule: "0 2 * * *", template: { ttl: dailyTtl, snapshotVolumes: true } },
        "hourly-state": { disabled: false, ...hourly },
      },
    });

  it("accepts 15 daily and 9 six-hourly snapshots", async () => {
    expect(
      await messagesOf([backupSnapshotsFit], (p) =>
        velero(p, "336h0m0s", {
          schedule: "15 */6 * * *",
          template: { ttl: "48h0m0s", snapshotVolumes: true },
        }),
      ),
    ).toEqual([]);
  });

  it("rejects 30 daily plus 48 hourly snapshots", async () => {
    expect(
      await messagesOf([backupSnapshotsFit], (p) =>
        velero(p, "720h0m0s", {
          schedule: "15 * * * *",
          template: { ttl: "48h0m0s", snapshotVolumes: true },
        }),
      ),
    ).toEqual([
      "velero-snapshots-fit-digitalocean: the schedules keep up to 80 snapshots of a volume (daily 31 + hourly-state 49); DigitalOcean keeps at most 25 per volume",
    ]);
  });
});

describe("production-high-availability", () => {
  // Production's own thresholds, from the pack config the stack deploys with.
  const config: PolicyPackConfig = {
    "production-high-availability": stackPolicyConfig("production")["production-high-availability"],
  };
  const ha = (p: Providers, broken: string | undefined) => {
    pgCluster(p, keep, { instances: broken === "postgres" ? 1 : 3 });
    release(p, "openbao", "openbao", {
      server: { ha: { enabled: true, replicas: broken === "openbao" ? 2 : 3 } },
    });
    release(p, "traefik", "traefik", { deployment: { replicas: broken === "traefik" ? 1 : 3 } });
    release(p, "argocd", "argo-cd", {
      "redis-ha": { enabled: broken !== "argocd" },
      controller: { replicas: 2 },
      server: { replicas: 2 },
      repoServer: { replicas: 2 },
    });
    release(p, "nats", "nats", { config: { cluster: { enabled: true, replicas: 3 } } });
    new k8s.apps.v1.Deployment(
      "cloudflared",
      {
        metadata: { name: "cloudflared", namespace: "edge" },
        spec: {
          replicas: broken === "cloudflared" ? 1 : 3,
          selector: { matchLabels: { app: "cloudflared" } },
          template: { metadata: { labels: { app: "cloudflared" } }, spec: { containers: [] } },
        },
      },
      { provider: p.k8s },
    );
  };

  it("accepts the HA settings at the pack config's thresholds", async () => {
    expect(await messagesOf([productionHighAvailability], (p) => ha(p, undefined), config)).toEqual([]);
  });

  it.each([
    ["postgres", /Cluster users-db: spec.instances is 1; production needs at least 3/],
    ["openbao", /Release openbao: values.server.ha is 2; production runs Raft with 3 or 5 replicas/],
    ["traefik", /Release traefik: values.deployment.replicas is 1; production needs at least 2/],
    ["cloudflared", /Deployment cloudflared: spec.replicas is 1; production needs at least 2/],
    ["argocd", /Release argocd: values.redis-ha.enabled is not true/],
  ])("rejects %s below its threshold", async (broken, says) => {
    const messages = await messagesOf([productionHighAvailability], (p) => ha(p, broken), config);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(says);
  });

  it("reads its thresholds from the pack config", async () => {
    const strict = { "production-high-availability": { postgresMinInstances: 5 } };
    expect(await messagesOf([productionHighAvailability], (p) => ha(p, undefined), strict)).toEqual([
      expect.stringMatching(/spec.instances is 3; production needs at least 5/),
    ]);
  });
});
