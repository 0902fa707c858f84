import * as pulumi from "@pulumi/pulumi";
import { CHARTS } from "../components/helm/catalog";
import { DATABASE_SECRET_KEYS, DataServices } from "../components/data/dataServices";
import { image } from "../components/helm/catalog";
import { DATABASES, SERVICE_NAMES, SERVICES, type PlatformDependency } from "../services/catalog";
import type { PlatformConfig } from "../stacks/config";
import { checkPlan, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { ofType, planWithFoundation } from "./harness";
import { chartOfRelease, releaseProblems } from "./upstreamCharts";
import type { ChartName } from "../components/helm/catalog";

const CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const POOLER = "kubernetes:postgresql.cnpg.io/v1:Pooler";
const SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup";
const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const KEY = "digitalocean:index/spacesKey:SpacesKey";

interface Planned {
  plan: Plan;
  config: PlatformConfig;
  /** What DataServices exports for SpiceDB: the Secret's place and the URI (and whether it is secret). */
  spicedb: { name: string; namespace: string; uri: string; uriIsSecret: boolean };
}
const plans = new Map<string, Promise<Planned>>();

/** The stack's real config and foundation plus the data layer, composed as platform.ts will. */
function planData(stack: string): Promise<Planned> {
  let planned = plans.get(stack);
  if (!planned) {
    let config: PlatformConfig | undefined;
    let spicedb: Promise<Planned["spicedb"]> | undefined;
    planned = planWithFoundation(stack, (ctx) => {
      config = ctx.config;
      const data = new DataServices("data", {
        credentialRotation: ctx.config.credentialRotation,
        stack: ctx.stack,
        config: ctx.config.data,
        protect: ctx.config.data.protect,
        retainVolumes: ctx.config.data.retainVolumes,
        spacesRegion: ctx.config.backups.spacesRegion,
        doProvider: ctx.doProvider,
        provider: ctx.cluster.provider,
        namespaces: ctx.namespaces,
        clusterConfig: ctx.config.digitalocean,
      });
      const { name, namespace, uri } = data.spicedbDatabase;
      spicedb = Promise.all([
        new Promise<string>((resolve) => namespace.apply(resolve)),
        new Promise<string>((resolve) => uri.apply(resolve)),
        pulumi.isSecret(uri),
      ]).then(([ns, value, uriIsSecret]) => ({ name, namespace: ns, uri: value, uriIsSecret }));
    }).then(async (plan) => {
      if (!config || !spicedb) throw new Error("the program did not run");
      return { plan, config, spicedb: await spicedb };
    });
    plans.set(stack, planned);
  }
  return planned;
}

type Meta = { name: string; namespace: string };
const meta = (r: PlannedResource) => r.inputs.metadata as Meta;
const spec = <T>(r: PlannedResource) => r.inputs.spec as T;
const byMetaName = (plan: Plan, type: string, name: string, namespace?: string) => {
  const found = ofType(plan, type).filter(
    (r) => meta(r).name === name && (namespace === undefined || meta(r).namespace === namespace),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${type} ${namespace ?? ""}/${name}, found ${found.length}`);
  return found[0];
};
const release = (plan: Plan, chart: ChartName) => {
  const found = ofType(plan, RELEASE).filter((r) => chartOfRelease(r) === chart);
  expect(found).toHaveLength(1);
  return found[0];
};
const isSecret = (r: PlannedResource) =>
  r.secretPaths.some((p) => p === "stringData" || p.startsWith("stringData."));

/** The catalog's answer to "who may connect to this data service". */
const users = (dep: PlatformDependency) => SERVICE_NAMES.filter((s) => SERVICES[s].uses.includes(dep));
const servicePeer = (service: string) => ({
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "prism" } },
  podSelector: { matchLabels: { "app.kubernetes.io/name": service } },
});

interface Peer {
  namespaceSelector?: { matchLabels: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string> };
  policyTypes: string[];
  ingress?: { from?: Peer[]; ports?: { port: number }[] }[];
  egress?: { to?: Peer[]; ports?: { port: number }[] }[];
}
/** The peers an ingress policy admits on `port`. */
const admittedOn = (policy: PlannedResource, port: number): Peer[] =>
  (spec<PolicySpec>(policy).ingress ?? [])
    .filter((rule) => (rule.ports ?? []).some((p) => p.port === port))
    .flatMap((rule) => rule.from ?? []);

describe.each([
  ["staging", { production: false, natsReplicas: 1, poolers: 1, persistence: false }],
  ["production", { production: true, natsReplicas: 3, poolers: 2, persistence: true }],
])("data services in %s", (stack, expected) => {
  it("runs one PostgreSQL Cluster per database, sized, backed up and monitored as configured", async () => {
    const { plan, config } = await planData(stack);
    const clusters = ofType(plan, CLUSTER);
    expect(clusters.map((c) => meta(c).name).sort()).toEqual(DATABASES.map((d) => `${d}-db`).sort());
    const operator = release(plan, "cloudnative-pg");
    for (const db of DATABASES) {
      const cluster = byMetaName(plan, CLUSTER, `${db}-db`, "data");
      const sqlName = db.replace(/-/g, "_");
      expect(cluster.inputs.spec).toMatchObject({
        instances: config.data.postgres.instances,
        imageName: image("cloudnative-pg-postgresql"),
        enableSuperuserAccess: false,
        storage: { size: `${config.data.postgres.storageGiB}Gi` },
        bootstrap: { initdb: { database: sqlName, owner: sqlName, secret: { name: `${db}-db-owner` } } },
        monitoring: { enablePodMonitor: true },
        backup: {
          retentionPolicy: `${config.data.postgres.backupRetentionDays}d`,
          barmanObjectStore: {
            destinationPath: `s3://prism-${stack}-postgres/`,
            endpointURL: `https://${config.backups.spacesRegion}.digitaloceanspaces.com`,
            s3Credentials: {
              accessKeyId: { name: "postgres-backup-credentials", key: "ACCESS_KEY_ID" },
              secretAccessKey: { name: "postgres-backup-credentials", key: "ACCESS_SECRET_KEY" },
            },
          },
        },
      });
      const resources = spec<{ resources: { requests: object; limits: object } }>(cluster).resources;
      expect(Object.keys(resources.requests).sort()).toEqual(["cpu", "memory"]);
      expect(Object.keys(resources.limits).sort()).toEqual(["cpu", "memory"]);
      expect(cluster.options.protect).toBe(expected.production);
      expect(cluster.dependencies).toContain(operator.urn);

      const backup = byMetaName(plan, SCHEDULED_BACKUP, `${db}-db-daily`, "data");
      expect(backup.inputs.spec).toMatchObject({
        cluster: { name: `${db}-db` },
        method: "barmanObjectStore",
        schedule: "0 0 3 * * *",
      });
      expect(backup.dependencies).toEqual(expect.arrayContaining([operator.urn, cluster.urn]));
    }
    // The stacks differ, so the sizing really comes from config.
    expect(config.data.postgres.instances).toBe(expected.production ? 3 : 1);
  });

  it("puts a PgBouncer Pooler in transaction mode in front of every database", async () => {
    const { plan } = await planData(stack);
    expect(ofType(plan, POOLER)).toHaveLength(DATABASES.length);
    for (const db of DATABASES) {
      const pooler = byMetaName(plan, POOLER, `${db}-db-pooler`, "data");
      expect(pooler.inputs.spec).toMatchObject({
        cluster: { name: `${db}-db` },
        type: "rw",
        instances: expected.poolers,
        pgbouncer: { poolMode: "transaction" },
      });
    }
  });

  it("generates credentials into Secrets in data and in each consumer's namespace, all secret", async () => {
    const { plan } = await planData(stack);
    for (const db of DATABASES) {
      const owner = byMetaName(plan, SECRET, `${db}-db-owner`, "data");
      expect(owner.inputs.type).toBe("kubernetes.io/basic-auth");
      expect(isSecret(owner)).toBe(true);
      const consumerNs = db === "spicedb" ? "spicedb" : "prism";
      const consumer = byMetaName(plan, SECRET, `${db}-db`, consumerNs);
      expect(isSecret(consumer)).toBe(true);
      const data = consumer.inputs.stringData as Record<string, string>;
      expect(Object.keys(data).sort()).toEqual(Object.values(DATABASE_SECRET_KEYS).sort());
      expect(data.host).toBe(`${db}-db-pooler.data.svc.cluster.local`);
      expect(data.port).toBe("5432");
      expect(data.username).toBe((owner.inputs.stringData as Record<string, string>).username);
    }
  });

  it("exports where SpiceDB's datastore credentials are, with the URI kept secret", async () => {
    const { plan, spicedb } = await planData(stack);
    expect(spicedb).toMatchObject({ name: "spicedb-db", namespace: "spicedb", uriIsSecret: true });
    const secret = byMetaName(plan, SECRET, "spicedb-db", "spicedb");
    expect(spicedb.uri).toBe((secret.inputs.stringData as Record<string, string>).uri);
    expect(spicedb.uri).toMatch(
      /^postgresql:\/\/spicedb:[^@]+@spicedb-db-pooler\.data\.svc\.cluster\.local:5432\/spicedb\?sslmode=require$/,
    );
  });

  it("archives WAL and base backups to the postgres bucket with a key scoped to it", async () => {
    const { plan } = await planData(stack);
    const bucket = ofType(plan, BUCKET).find((b) => b.inputs.name === `prism-${stack}-postgres`);
    expect(bucket?.inputs).toMatchObject({
      acl: "private",
      versioning: { enabled: true },
      forceDestroy: false,
    });
    expect(bucket?.options.protect).toBe(expected.production);
    const key = ofType(plan, KEY).find((k) => k.inputs.name === `prism-${stack}-postgres`);
    expect(key?.inputs.grants).toEqual([{ bucket: `prism-${stack}-postgres`, permission: "readwrite" }]);
    const credentials = byMetaName(plan, SECRET, "postgres-backup-credentials", "data");
    expect(isSecret(credentials)).toBe(true);
    expect((credentials.inputs.stringData as Record<string, string>).ACCESS_KEY_ID).toBe(
      key?.outputs.accessKey,
    );
  });

  it(`runs Valkey with auth on and persistence ${expected.persistence ? "on" : "off"}`, async () => {
    const { plan, config } = await planData(stack);
    const values = release(plan, "valkey").inputs.values as {
      auth: {
        enabled: boolean;
        usersExistingSecret: string;
        aclUsers: Record<string, { passwordKey: string }>;
      };
      dataStorage: { enabled: boolean; requestedSize?: string };
    };
    expect(values.auth).toMatchObject({ enabled: true, usersExistingSecret: "valkey-users" });
    expect(values.auth.aclUsers.default.passwordKey).toBe("password");
    expect(isSecret(byMetaName(plan, SECRET, "valkey-users", "data"))).toBe(true);
    expect(config.data.valkey.persistence).toBe(expected.persistence);
    expect(values.dataStorage.enabled).toBe(expected.persistence);
    if (expected.persistence)
      expect(values.dataStorage.requestedSize).toBe(`${config.data.valkey.storageGiB}Gi`);
    const client = byMetaName(plan, SECRET, "valkey-auth", "prism");
    expect(isSecret(client)).toBe(true);
    expect((client.inputs.stringData as Record<string, string>).host).toBe("valkey.data.svc.cluster.local");
  });

  it(`runs NATS with persistent JetStream on ${expected.natsReplicas} replica(s)`, async () => {
    const { plan, config } = await planData(stack);
    const values = release(plan, "nats").inputs.values as {
      config: {
        cluster: { enabled: boolean; replicas: number };
        jetstream: {
          enabled: boolean;
          fileStore: { enabled: boolean; pvc: { enabled: boolean; size: string } };
        };
      };
      podDisruptionBudget: { enabled: boolean };
    };
    expect(config.data.nats.replicas).toBe(expected.natsReplicas);
    expect(values.config.cluster).toEqual({
      enabled: expected.natsReplicas > 1,
      replicas: expected.natsReplicas,
    });
    expect(values.config.jetstream).toMatchObject({
      enabled: true,
      fileStore: { enabled: true, pvc: { enabled: true, size: `${config.data.nats.storageGiB}Gi` } },
    });
    expect(values.podDisruptionBudget.enabled).toBe(expected.natsReplicas > 1);
  });

  it("admits exactly the services that use each data service", async () => {
    const { plan } = await planData(stack);
    for (const db of DATABASES) {
      const policy = byMetaName(plan, NETWORK_POLICY, `${db}-db-pooler-ingress`, "data");
      expect(spec<PolicySpec>(policy).podSelector.matchLabels).toEqual({
        "cnpg.io/poolerName": `${db}-db-pooler`,
      });
      const clients =
        db === "spicedb"
          ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "spicedb" } } }]
          : [servicePeer(db)];
      expect(admittedOn(policy, 5432)).toEqual(clients);
      // The instances take SQL only from their pooler, their peers and the operator.
      const instances = byMetaName(plan, NETWORK_POLICY, `${db}-db-instances`, "data");
      const sql = admittedOn(instances, 5432);
      expect(sql).toHaveLength(3);
      expect(sql).toContainEqual({
        podSelector: { matchLabels: { "cnpg.io/poolerName": `${db}-db-pooler` } },
      });
      expect(admittedOn(instances, 9187)).toEqual([
        { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
      ]);
    }
    // Every service with a database uses postgres, and vice versa.
    expect(users("postgres").sort()).toEqual(DATABASES.filter((d) => d !== "spicedb").sort());

    const valkey = byMetaName(plan, NETWORK_POLICY, "valkey-clients", "data");
    expect(admittedOn(valkey, 6379)).toEqual(users("valkey").map(servicePeer));
    const nats = byMetaName(plan, NETWORK_POLICY, "nats", "data");
    expect(admittedOn(nats, 4222)).toEqual(users("nats").map(servicePeer));
    expect(users("valkey").length).toBeGreaterThan(0);
    expect(users("nats").length).toBeGreaterThan(0);
  });

  it(`places the data pods ${expected.production ? "on the tainted data pool" : "anywhere (no data pool)"}`, async () => {
    const { plan, config } = await planData(stack);
    const pool = config.digitalocean.nodePools.workloads.find(
      (p) => p.labels["prism.io/workload"] === "data",
    );
    expect(pool !== undefined).toBe(expected.production);
    const nodeSelector = pool ? { "prism.io/workload": "data" } : {};
    const tolerations = (pool?.taints ?? []).map((t) => ({ ...t, operator: "Equal" }));
    for (const cluster of ofType(plan, CLUSTER)) {
      expect(spec<{ affinity: object }>(cluster).affinity).toMatchObject({ nodeSelector, tolerations });
    }
    for (const pooler of ofType(plan, POOLER)) {
      expect(spec<{ template: { spec: object } }>(pooler).template.spec).toMatchObject({
        nodeSelector,
        tolerations,
      });
    }
    expect(release(plan, "valkey").inputs.values).toMatchObject({ nodeSelector, tolerations });
    expect(release(plan, "nats").inputs.values).toMatchObject({
      podTemplate: { merge: { spec: { nodeSelector, tolerations } } },
    });
  });

  it("lets the operator reach the API and the instances, and the API server call its webhooks", async () => {
    const { plan } = await planData(stack);
    const ingress = byMetaName(plan, NETWORK_POLICY, "cnpg-operator-ingress", "cnpg-system");
    expect(spec<PolicySpec>(ingress).ingress).toContainEqual({ ports: [{ protocol: "TCP", port: 9443 }] });
    const egress = byMetaName(plan, NETWORK_POLICY, "cnpg-operator-egress", "cnpg-system");
    const toData = (spec<PolicySpec>(egress).egress ?? []).find((r) =>
      (r.to ?? []).some((p) => p.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "data"),
    );
    expect(toData?.ports?.map((p) => p.port).sort()).toEqual([5432, 8000]);
    expect(release(plan, "cloudnative-pg").dependencies).toEqual(
      expect.arrayContaining([ingress.urn, egress.urn]),
    );
  });

  it("installs the pinned charts with keys that exist upstream", async () => {
    const { plan } = await planData(stack);
    for (const chart of ["cloudnative-pg", "valkey", "nats"] as const) {
      expect(release(plan, chart).inputs.version).toBe(CHARTS[chart].version);
    }
    expect(release(plan, "cloudnative-pg").inputs.namespace).toBe("cnpg-system");
    expect(releaseProblems(plan)).toEqual([]);
  });

  it("passes every mandatory policy", async () => {
    const { plan } = await planData(stack);
    expect(mandatory(await checkPlan(plan, stackPolicyConfig(stack)))).toEqual([]);
  });
});
