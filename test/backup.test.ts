import { VeleroBackups } from "../components/backup/veleroBackups";
import { IMAGES } from "../components/helm/catalog";
import { checkPlan, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { ofType, oncePerStack, one, planWithFoundation, stackConfigOf } from "./harness";
import { internetEgress, kubernetesApiEgress } from "../components/kubernetes/networkPolicy";
import { releaseProblems } from "./upstreamCharts";
import { releaseChartPath } from "../components/helm/helmRelease";

const BUCKET = "digitalocean:index/spacesBucket:SpacesBucket";
const KEY = "digitalocean:index/spacesKey:SpacesKey";
const SECRET = "kubernetes:core/v1:Secret";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** The stack's real config and foundation plus the backups component, composed as platform.ts will. */
const planBackups = oncePerStack((stack) =>
  planWithFoundation(stack, (ctx) => {
    new VeleroBackups("backups", {
      credentialRotation: ctx.config.credentialRotation,
      stack: ctx.stack,
      protect: ctx.config.stateful.protect,
      config: ctx.config.backups,
      doProvider: ctx.doProvider,
      digitaloceanToken: ctx.secrets.digitaloceanToken,
      k8sProvider: ctx.cluster.provider,
      namespace: ctx.namespaces.name("velero"),
      clusterNetwork: ctx.config.digitalocean.network,
    });
  }),
);

interface Schedule {
  schedule: string;
  useOwnerReferencesInBackup: boolean;
  template: {
    ttl: string;
    storageLocation: string;
    includedNamespaces: string[];
    snapshotVolumes: boolean;
    volumeSnapshotLocations: string[];
  };
}

interface VeleroValues {
  initContainers: { name: string; image: string; securityContext: Record<string, unknown> }[];
  credentials: { useSecret: boolean; existingSecret: string };
  deployNodeAgent: boolean;
  configuration: {
    backupStorageLocation: {
      provider: string;
      bucket: string;
      default: boolean;
      config: Record<string, string>;
    }[];
    volumeSnapshotLocation: { name: string; provider: string; config: Record<string, string> }[];
    extraEnvVars: { name: string; valueFrom: { secretKeyRef: { name: string; key: string } } }[];
  };
  metrics: { enabled: boolean; serviceMonitor: { enabled: boolean } };
  schedules: Record<string, Schedule>;
}

function veleroValues(plan: Plan): VeleroValues {
  return one(plan, RELEASE, "velero").inputs.values as VeleroValues;
}

function byName(plan: Plan, type: string, name: string): PlannedResource {
  return one(plan, type, name);
}

describe.each([
  ["staging", { production: false, dailyTtl: "168h0m0s" }],
  // 14 days daily, so with the six-hourly state backups a volume keeps at most 24 snapshots.
  ["production", { production: true, dailyTtl: "336h0m0s" }],
])("backups in %s", (stack, expected) => {
  it("keeps backups in a private, versioned Spaces bucket with a lifecycle, protected in production", async () => {
    const plan = await planBackups(stack);
    const bucket = one(plan, BUCKET);
    expect(bucket.inputs).toMatchObject({
      name: `prism-${stack}-backups`,
      region: "fra1",
      acl: "private",
      versioning: { enabled: true },
      forceDestroy: false,
    });
    const rules = bucket.inputs.lifecycleRules as Record<string, unknown>[];
    expect(rules).toEqual([
      expect.objectContaining({
        enabled: true,
        noncurrentVersionExpiration: { days: stack === "production" ? 30 : 7 },
        abortIncompleteMultipartUploadDays: expect.any(Number),
      }),
    ]);
    expect(bucket.options.protect).toBe(expected.production);
    expect(bucket.provider).toMatch(/pulumi:providers:digitalocean::digitalocean$/);
    expect(bucket.outputs).toMatchObject({
      endpoint: "fra1.digitaloceanspaces.com",
      bucketDomainName: `prism-${stack}-backups.fra1.digitaloceanspaces.com`,
    });
  });

  it("gives Velero a key that can only read and write that bucket", async () => {
    const plan = await planBackups(stack);
    const bucket = one(plan, BUCKET);
    const key = one(plan, KEY);
    expect(key.inputs.grants).toEqual([{ bucket: `prism-${stack}-backups`, permission: "readwrite" }]);
    expect(key.dependencies).toContain(bucket.urn);
    expect(String(key.outputs.accessKey)).toMatch(/^SIMULATED/);
  });

  it("delivers the key and the DigitalOcean token as a Secret whose data is a Pulumi secret", async () => {
    const plan = await planBackups(stack);
    const secret = byName(plan, SECRET, "backups-credentials");
    expect(secret.inputs.metadata).toMatchObject({ name: "velero-credentials", namespace: "velero" });
    expect(secret.secretPaths.some((p) => p === "stringData" || p.startsWith("stringData."))).toBe(true);
    const data = secret.inputs.stringData as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["cloud", "digitalocean_token"]);
    const accessKey = String(one(plan, KEY).outputs.accessKey);
    expect(data.cloud).toMatch(
      new RegExp(`^\\[default\\]\\naws_access_key_id=${accessKey}\\naws_secret_access_key=SIMULATED-`),
    );
  });

  it("installs Velero with Spaces as the backup location and DigitalOcean snapshots", async () => {
    const plan = await planBackups(stack);
    const release = one(plan, RELEASE, "velero");
    expect(release.inputs).toMatchObject({ chart: releaseChartPath("velero"), namespace: "velero" });
    const values = veleroValues(plan);
    expect(values.initContainers.map((c) => c.image)).toEqual([
      `${IMAGES["velero-plugin-for-aws"].repository}:${IMAGES["velero-plugin-for-aws"].tag}`,
      `${IMAGES["velero-plugin-digitalocean"].repository}:${IMAGES["velero-plugin-digitalocean"].tag}`,
    ]);
    for (const c of values.initContainers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
      });
    }
    expect(values.credentials).toEqual({ useSecret: true, existingSecret: "velero-credentials" });
    expect(values.configuration.backupStorageLocation).toEqual([
      expect.objectContaining({
        provider: "aws",
        bucket: `prism-${stack}-backups`,
        default: true,
        config: expect.objectContaining({ region: "fra1", s3Url: "https://fra1.digitaloceanspaces.com" }),
      }),
    ]);
    expect(values.configuration.volumeSnapshotLocation).toEqual([
      { name: "default", provider: "digitalocean.com/velero", config: { region: "fra1" } },
    ]);
    expect(values.configuration.extraEnvVars).toContainEqual({
      name: "DIGITALOCEAN_TOKEN",
      valueFrom: { secretKeyRef: { name: "velero-credentials", key: "digitalocean_token" } },
    });
    expect(values.deployNodeAgent).toBe(false);
    expect(values.metrics.enabled).toBe(true);
    expect(values.metrics.serviceMonitor.enabled).toBe(false);
  });

  it(`backs everything up daily at 02:00, kept ${expected.dailyTtl}`, async () => {
    const { daily } = veleroValues(await planBackups(stack)).schedules;
    expect(daily).toMatchObject({
      schedule: "0 2 * * *",
      useOwnerReferencesInBackup: false,
      template: {
        ttl: expected.dailyTtl,
        storageLocation: "default",
        includedNamespaces: ["*"],
        snapshotVolumes: true,
        volumeSnapshotLocations: ["default"],
      },
    });
  });

  it(`backs up the state namespaces every six hours ${expected.production ? "" : "only in production"}`, async () => {
    const { schedules } = veleroValues(await planBackups(stack));
    if (!expected.production) {
      expect(Object.keys(schedules)).toEqual(["daily"]);
      return;
    }
    expect(schedules["hourly-state"]).toMatchObject({
      schedule: "15 */6 * * *",
      template: {
        ttl: "48h0m0s",
        includedNamespaces: ["data", "openbao"],
        snapshotVolumes: true,
      },
    });
    expect(schedules["hourly-state"].template).not.toHaveProperty("includeClusterResources");
  });

  it("lets Velero reach Spaces and the DigitalOcean API on 443, and the Kubernetes API", async () => {
    const plan = await planBackups(stack);
    const egress = byName(plan, NETWORK_POLICY, "backups-egress");
    const spec = egress.inputs.spec as { policyTypes: string[]; egress: unknown[] };
    expect(spec.policyTypes).toEqual(["Egress"]);
    expect(spec.egress).toEqual([
      internetEgress(443),
      kubernetesApiEgress(stackConfigOf(stack).digitalocean.network),
    ]);
    const release = one(plan, RELEASE, "velero");
    expect(release.dependencies).toContain(egress.urn);
  });

  it("uses only keys of the pinned velero chart", async () => {
    expect(releaseProblems(await planBackups(stack))).toEqual([]);
  });

  it("passes every mandatory policy", async () => {
    const plan = await planBackups(stack);
    expect(ofType(plan, RELEASE)).toHaveLength(1);
    expect(mandatory(await checkPlan(plan, stackPolicyConfig(stack)))).toEqual([]);
  });
});
