/**
 * The stack configuration schema: every setting the platform reads, validated in one place.
 *
 * Pulumi hands the program flat `<namespace>:<key>` strings; structured values arrive as JSON.
 * `parsePlatformConfig` turns the project's keys into a typed `PlatformConfig` or throws a
 * `ConfigError` listing every problem with its key path, the bad value and what is allowed.
 * It runs before the program registers any resource.
 */
import { RunError } from "@pulumi/pulumi";
import { z } from "zod";
import {
  DOKS_NODE_SIZES,
  DOKS_REGIONS,
  MAINTENANCE_DAYS,
  MAX_NODES_PER_POOL,
  SPACES_REGIONS,
} from "./facts/digitalocean";
import {
  AWS_SEV_SNP_INSTANCE_PATTERN,
  AWS_SEV_SNP_REGIONS,
  AZURE_TDX_LOCATIONS,
  AZURE_TDX_SIZE_PATTERN,
  GCP_SEV_SNP_MACHINE_PATTERN,
  GCP_SEV_SNP_ZONES,
} from "../policies/facts/confidential";
import { ENVIRONMENTS } from "../policies/facts/platform";
import { parseCidr } from "../components/network/cidr";
import { isRfc1918Cidr } from "../components/kubernetes/networkPolicy";
import { crossKeyProblems, cronIssue } from "./validation/checks";
import {
  externalSecretsKeyProblem,
  SERVICE_ACCOUNT_KEY_MODE_MESSAGE,
  SERVICE_ACCOUNT_KEY_MODES,
} from "./validation/gcpKeys";
import { belowMemoryLimit, containerResources } from "./validation/resources";
import { withEnvironmentDefaults } from "./environmentDefaults";

export type { Environment } from "../policies/facts/platform";

const hostname = z
  .string()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "must be a lower-case DNS name such as prism.example.com",
  );

const cidr = z.string().refine((v) => parseCidr(v) !== undefined, {
  message: "must be an IPv4 CIDR block such as 10.10.0.0/16",
});

const privateCidr = cidr.refine((v) => parseCidr(v) === undefined || isRfc1918Cidr(v), {
  message: "must be a private (RFC 1918) range",
});

/** A CIDR that may be allowed through a firewall: never the whole internet. */
const allowListCidr = cidr.refine((v) => parseCidr(v)?.prefix !== 0, {
  message: "0.0.0.0/0 allows the whole internet; list the operator networks instead",
});

const nodeSize = z.enum(Object.keys(DOKS_NODE_SIZES) as [string, ...string[]]);
const nodeCount = z.int().min(1).max(MAX_NODES_PER_POOL);
const kubernetesLabel = z.string().regex(/^[a-z0-9A-Z]([-a-zA-Z0-9_./]{0,61}[a-zA-Z0-9])?$/, {
  message: "must be a valid Kubernetes label key or value",
});
const hexId = z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lower-case hex id");
const hours = z.int().min(1);

const taint = z.strictObject({
  key: kubernetesLabel,
  value: kubernetesLabel,
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
});

const workloadPool = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/, "must be a short lower-case DNS label"),
    size: nodeSize,
    minNodes: nodeCount,
    maxNodes: nodeCount,
    labels: z.record(kubernetesLabel, kubernetesLabel).default({}),
    taints: z.array(taint).default([]),
  })
  .superRefine((pool, ctx) => {
    if (pool.minNodes > pool.maxNodes) {
      ctx.addIssue({
        code: "custom",
        path: ["minNodes"],
        input: pool.minNodes,
        message: `minNodes (${pool.minNodes}) must not exceed maxNodes (${pool.maxNodes})`,
      });
    }
  });

const digitalocean = z
  .strictObject({
    region: z.enum(DOKS_REGIONS),
    /** Kubernetes minor version ("1.34"); the newest DOKS patch of it is resolved at deploy time. */
    kubernetesVersion: z.string().regex(/^1\.\d{2}$/, 'must be a Kubernetes minor version such as "1.34"'),
    haControlPlane: z.boolean(),
    surgeUpgrade: z.boolean(),
    autoUpgrade: z.boolean(),
    maintenanceWindow: z.strictObject({
      day: z.enum(MAINTENANCE_DAYS),
      startTime: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a UTC time "HH:MM" such as "03:00"'),
    }),
    controlPlaneFirewall: z
      .strictObject({
        enabled: z.boolean(),
        allowedAddresses: z.array(allowListCidr),
      })
      .superRefine((fw, ctx) => {
        if (fw.enabled && fw.allowedAddresses.length === 0) {
          ctx.addIssue({
            code: "custom",
            path: ["allowedAddresses"],
            input: fw.allowedAddresses,
            message: "an enabled firewall needs at least one allowed CIDR, or nobody can reach the API",
          });
        }
      }),
    network: z.strictObject({
      vpcCidr: privateCidr,
      clusterSubnet: privateCidr,
      serviceSubnet: privateCidr,
    }),
    nodePools: z.strictObject({
      system: z.strictObject({ size: nodeSize, nodeCount: nodeCount }),
      workloads: z.array(workloadPool).min(1, "at least one workload pool is required"),
    }),
  })
  .superRefine((doCfg, ctx) => {
    const names = doCfg.nodePools.workloads.map((p) => p.name);
    names.forEach((name, i) => {
      if (name === "system" || names.indexOf(name) !== i) {
        ctx.addIssue({
          code: "custom",
          path: ["nodePools", "workloads", i, "name"],
          input: name,
          message: "pool names must be unique and not 'system'",
        });
      }
    });
  });

const cloudflare = z.strictObject({
  accountId: hexId,
  zoneId: hexId,
  /** The zone's name (its apex): what the edge certificate must cover is judged against it. */
  zoneName: hostname,
  tunnelName: z.string().regex(/^[a-z0-9-]{3,63}$/, "must be a lower-case name"),
  access: z
    .strictObject({
      allowedEmails: z.array(z.email()).default([]),
      allowedEmailDomains: z.array(hostname).default([]),
      sessionDuration: z.string().regex(/^\d+(m|h)$/, 'must be a duration such as "8h"'),
    })
    .refine((a) => a.allowedEmails.length + a.allowedEmailDomains.length > 0, {
      message:
        "Access needs at least one allowed email or email domain, or nobody can reach the operator UIs",
    }),
});

const edge = z.strictObject({
  traefikReplicas: z.int().min(1).max(10),
  /** At least two connectors, so a node drain never takes the platform offline. */
  cloudflaredReplicas: z.int().min(2).max(10),
  /**
   * Traefik's dashboard on its never-exposed `traefik` entry point (port-forward only): a debugging
   * aid for a stack whose routes change often, and one more surface where they do not.
   */
  traefikDashboard: z.boolean(),
});

const warmPoolSize = z.int().min(0).max(20);

const azure = z.discriminatedUnion("enabled", [
  z.strictObject({ enabled: z.literal(false) }),
  z.strictObject({
    enabled: z.literal(true),
    subscriptionId: z.uuid(),
    location: z.enum(AZURE_TDX_LOCATIONS),
    vmSize: z.string().regex(AZURE_TDX_SIZE_PATTERN, {
      message: "must be an Intel TDX size (DCesv5, DCedsv5, ECesv5, ECedsv5 or v6), e.g. Standard_DC4es_v5",
    }),
    vnetCidr: privateCidr,
    warmPoolSize,
  }),
]);

const gcp = z.discriminatedUnion("enabled", [
  z.strictObject({ enabled: z.literal(false) }),
  z.strictObject({
    enabled: z.literal(true),
    project: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a GCP project id"),
    zone: z.enum(GCP_SEV_SNP_ZONES),
    machineType: z.string().regex(GCP_SEV_SNP_MACHINE_PATTERN, {
      message: "SEV-SNP needs an N2D machine type, e.g. n2d-standard-4",
    }),
    subnetCidr: privateCidr,
    warmPoolSize,
  }),
]);

const aws = z.discriminatedUnion("enabled", [
  z.strictObject({ enabled: z.literal(false) }),
  z.strictObject({
    enabled: z.literal(true),
    region: z.enum(AWS_SEV_SNP_REGIONS),
    instanceType: z.string().regex(AWS_SEV_SNP_INSTANCE_PATTERN, {
      message: "SEV-SNP is offered on M6a, C6a and R6a only, e.g. m6a.xlarge",
    }),
    vpcCidr: privateCidr,
    warmPoolSize,
  }),
]);

const confidential = z
  .strictObject({
    azure,
    gcp,
    aws,
    /**
     * Ranges besides the CVM networks' own egress addresses (which the program publishes) that may
     * reach Traefik's 7018 load balancer, e.g. agents running on premises.
     */
    extraAgentSourceRanges: z.array(allowListCidr).default([]),
  })
  .refine((c) => c.azure.enabled || c.gcp.enabled || c.aws.enabled || c.extraAgentSourceRanges.length > 0, {
    message:
      "no confidential cloud is enabled and no extraAgentSourceRanges are given: the 7018 load balancer would admit nobody",
  });

const pki = z.strictObject({
  /** generated: OpenBao creates the root; external: an offline root signs the intermediate's CSR. */
  rootCa: z.enum(["generated", "external"]),
  /** The intermediate signed by the external root (PEM, public). Unset until the CSR is signed. */
  externalIntermediateCertificate: z
    .string()
    .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, "must be a PEM certificate")
    .optional(),
  openbao: z.strictObject({
    replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]),
    storageGiB: z.int().min(1).max(1000),
    /** Where Pulumi reaches the OpenBao API (a port-forward or a private address). */
    address: z.url({ protocol: /^https$/ }),
    autoUnseal: z.strictObject({
      gcpProject: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a GCP project id"),
      location: z.string().regex(/^[a-z]+-[a-z]+\d$/, "must be a GCP region such as europe-west4"),
      /** HSM keeps the unseal key in Cloud HSM; SOFTWARE costs a fraction and behaves the same. */
      protectionLevel: z.enum(["HSM", "SOFTWARE"]),
      /**
       * Days a destroyed key version stays recoverable before Cloud KMS erases it (GCP allows 1 to
       * 120): a version destroyed by mistake unseals nothing once the window closes.
       */
      destroyScheduledDays: z.int().min(1).max(120),
    }),
    /** Each OpenBao server's requests and limits. */
    resources: containerResources,
  }),
  cvmAgentMaxTtlHours: hours.max(72),
  serviceMtlsMaxTtlHours: hours.max(720),
  intermediateTtlHours: hours,
});

const cron = z.string().superRefine((v, ctx) => {
  const problem = cronIssue(v);
  if (problem) ctx.addIssue({ code: "custom", input: v, message: problem });
});

const backups = z.strictObject({
  spacesRegion: z.enum(SPACES_REGIONS),
  daily: z.strictObject({
    schedule: cron,
    ttlHours: hours.min(168, "keep daily backups at least 7 days (168 h)"),
  }),
  hourlyState: z.discriminatedUnion("enabled", [
    z.strictObject({ enabled: z.literal(false) }),
    z.strictObject({ enabled: z.literal(true), schedule: cron, ttlHours: hours }),
  ]),
  noncurrentVersionExpirationDays: z.int().min(1).max(365),
});

const delivery = z.strictObject({
  repoUrl: z.url({ protocol: /^https$/ }),
  branch: z.string().regex(/^[A-Za-z0-9._/-]+$/, "must be a git branch name"),
  imageRegistry: z
    .string()
    .regex(/^[a-z0-9.-]+(\/[a-z0-9._-]+)+$/, "must be a registry path such as ghcr.io/org"),
  imageUpdate: z.discriminatedUnion("strategy", [
    z.strictObject({ strategy: z.literal("digest"), tag: z.string().min(1) }),
    z.strictObject({ strategy: z.literal("semver"), allowTags: z.string().min(1) }),
  ]),
  rollout: z.enum(["rolling", "canary"]),
  /** ArgoCD runs highly available (replicated controllers, Redis HA). */
  argocdHa: z.boolean(),
  /** Replica bounds every service's HorizontalPodAutoscaler gets unless the catalog says otherwise. */
  serviceReplicas: z
    .strictObject({ min: z.int().min(1).max(20), max: z.int().min(1).max(50) })
    .refine((r) => r.min <= r.max, { message: "min must not exceed max", path: ["min"] }),
});

const observability = z.strictObject({
  prometheus: z.strictObject({
    replicas: z.int().min(1).max(3),
    retentionDays: z.int().min(1).max(90),
    storageGiB: z.int().min(5).max(2000),
  }),
  alertmanager: z
    .strictObject({
      /** Where alerts go; a Slack receiver reads its webhook URL from the alertmanagerSlackWebhookUrl secret. */
      receivers: z
        .array(
          z.discriminatedUnion("type", [
            z.strictObject({ type: z.literal("email"), to: z.array(z.email()).min(1) }),
            z.strictObject({
              type: z.literal("slack"),
              channel: z.string().regex(/^#[a-z0-9_-]+$/, 'must be a channel such as "#alerts"'),
            }),
          ]),
        )
        .min(1, "alerts need at least one receiver"),
      smtpSmarthost: z
        .string()
        .regex(/^[a-z0-9.-]+:\d+$/, 'must be "host:port"')
        .optional(),
      smtpFrom: z.email().optional(),
    })
    .refine((a) => !a.receivers.some((r) => r.type === "email") || (a.smtpSmarthost && a.smtpFrom), {
      message: "an email receiver needs smtpSmarthost and smtpFrom",
    }),
  grafanaStorageGiB: z.int().min(1).max(100),
  logs: z.strictObject({
    opensearchReplicas: z.union([z.literal(1), z.literal(3)]),
    storageGiB: z.int().min(5).max(4000),
    retentionDays: z.int().min(1).max(365),
  }),
  tracing: z.strictObject({
    samplingPercent: z.number().min(0).max(100),
    /**
     * Where Jaeger keeps traces: in the logs' OpenSearch (with their retention; Jaeger is then
     * stateless and runs two replicas), or in memory (one replica, the newest traces, lost on restart).
     */
    storage: z.enum(["opensearch", "memory"]),
  }),
});

const data = z.strictObject({
  postgres: z
    .strictObject({
      instances: z.int().min(1).max(5),
      storageGiB: z.int().min(1).max(2000),
      backupRetentionDays: z.int().min(1).max(365),
      resources: containerResources,
      sharedBuffers: z
        .string()
        .regex(/^\d+(kB|MB|GB)$/, 'must be a PostgreSQL size such as "512MB" (kB, MB or GB)'),
      pooler: z.strictObject({ instances: z.int().min(1).max(5), defaultPoolSize: z.int().min(1).max(1000) }),
      /** required: never two instances of a cluster on one node; preferred: spread when the nodes allow. */
      podAntiAffinity: z.enum(["required", "preferred"]),
    })
    .superRefine(belowMemoryLimit("sharedBuffers", "which must also hold connections and work memory")),
  valkey: z
    .strictObject({
      persistence: z.boolean(),
      storageGiB: z.int().min(1).max(500),
      resources: containerResources,
      maxmemory: z.string().regex(/^\d+(kb|mb|gb)$/, 'must be a Valkey size such as "512mb" (kb, mb or gb)'),
    })
    .superRefine(belowMemoryLimit("maxmemory", "or the container is killed before Valkey evicts")),
  nats: z
    .strictObject({
      replicas: z.union([z.literal(1), z.literal(3), z.literal(5)]),
      storageGiB: z.int().min(1).max(1000),
      resources: containerResources,
      goMemLimit: z
        .string()
        .regex(/^\d+(KiB|MiB|GiB)$/, 'must be a Go memory limit such as "900MiB" (KiB, MiB or GiB)'),
    })
    .superRefine(belowMemoryLimit("goMemLimit", "so the Go runtime collects before the OOM killer acts")),
  /** The CloudNativePG operator's pods: its webhooks fail closed, so one unavailable operator blocks changes. */
  cnpgOperator: z.strictObject({ replicas: z.int().min(1).max(3) }),
});

const spicedb = z.strictObject({
  /** SpiceDB pods; more than one also gets a disruption budget. */
  replicas: z.int().min(1).max(10),
  resources: containerResources,
});

/**
 * How the stack guards what holds data. One section rather than a flag per component: the cluster,
 * the backup bucket, the KMS keys, the PKI mounts and every release or database with volumes make
 * the same choice, and a stack that protected some of them and not others would lose data through
 * the gap.
 */
const stateful = z.strictObject({
  /**
   * Pulumi refuses to delete a stateful resource (`protect`), and one removed from the program or
   * its state on purpose stays in its cloud (`retainOnDelete`): a refactor never deletes data.
   */
  protect: z.boolean(),
  /**
   * Persistent volumes name the Retain storage class, so deleting a claim, its release or its
   * namespace keeps the disk; otherwise DOKS's default class deletes the disk with the claim.
   */
  retainVolumes: z.boolean(),
});

/** The most days a generated credential lives: rotating at least yearly keeps a leaked one short-lived. */
export const MAX_CREDENTIAL_ROTATION_DAYS = 365;

const credentialRotation = z.strictObject({
  /** Days between replacements of every generated credential (passwords and keys). */
  days: z
    .int("must be a whole number of days")
    .min(1, `must be between 1 and ${MAX_CREDENTIAL_ROTATION_DAYS} days`)
    .max(MAX_CREDENTIAL_ROTATION_DAYS, `must be between 1 and ${MAX_CREDENTIAL_ROTATION_DAYS} days`),
});

const externalSecrets = z.strictObject({
  /** The GCP project whose Secret Manager holds the services' secrets. */
  gcpProject: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, "must be a GCP project id"),
  /** Pods of each of controller, webhook and cert-controller; several get leader election and budgets. */
  replicas: z.int().min(1).max(3),
});

/** Project-namespaced keys that hold credentials: declared `secret: true` in Pulumi.yaml. */
export const SECRET_KEYS = [
  "digitaloceanToken",
  "veleroDigitaloceanToken",
  "spacesAccessKeyId",
  "spacesSecretKey",
  "cloudflareApiToken",
  "openbaoToken",
  "externalSecretsGcpCredentials",
  "alertmanagerSlackWebhookUrl",
] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const secretValue = z.string().min(1, "must be set with `pulumi config set --secret`");

/** Every project-namespaced key the program accepts. Anything else is a typo. */
export const platformSchema = z
  .strictObject({
    environment: z.enum(ENVIRONMENTS),
    baseDomain: hostname,
    digitalocean,
    cloudflare,
    confidential,
    pki,
    backups,
    delivery,
    edge,
    observability,
    data,
    spicedb,
    externalSecrets,
    stateful,
    /**
     * How the cluster's workloads authenticate to GCP: keyless (workload identity federation with
     * the cluster's token issuer) unless keys are allowed, which the org policy
     * iam.disableServiceAccountKeyCreation forbids in new organisations.
     */
    gcpServiceAccountKeys: z
      .enum(SERVICE_ACCOUNT_KEY_MODES, { error: SERVICE_ACCOUNT_KEY_MODE_MESSAGE })
      .default("keyless"),
    credentialRotation,
    /** The most the stack may cost a month at its autoscaling maximum (the policy pack enforces it). */
    budget: z.strictObject({ monthlyUsd: z.number().positive().max(1_000_000) }).optional(),
    digitaloceanToken: secretValue,
    /** Velero's own, narrowly scoped token (volume snapshots only), never Pulumi's read-write one. */
    veleroDigitaloceanToken: secretValue,
    spacesAccessKeyId: secretValue,
    spacesSecretKey: secretValue,
    cloudflareApiToken: secretValue,
    /** Set after the one-time OpenBao initialisation (README); until then the PKI is not configured. */
    openbaoToken: secretValue.optional(),
    /**
     * Service-account key JSON with read access to Secret Manager, for the ClusterSecretStore; only
     * with gcpServiceAccountKeys "allowed" (keyless, the store federates instead).
     */
    externalSecretsGcpCredentials: secretValue.optional(),
    alertmanagerSlackWebhookUrl: secretValue.optional(),
  })
  .superRefine((cfg, ctx) => {
    const keys = externalSecretsKeyProblem(cfg);
    if (keys)
      ctx.addIssue({
        code: "custom",
        path: ["externalSecretsGcpCredentials"],
        input: undefined,
        message: keys,
      });
  })
  .superRefine((cfg, ctx) => {
    // The platform hostnames are <name>.<baseDomain>, so baseDomain must lie in the zone.
    const zone = cfg.cloudflare.zoneName;
    if (cfg.baseDomain !== zone && !cfg.baseDomain.endsWith(`.${zone}`)) {
      ctx.addIssue({
        code: "custom",
        path: ["baseDomain"],
        input: cfg.baseDomain,
        message: `must be the Cloudflare zone prism:cloudflare.zoneName ("${zone}") or a name under it`,
      });
    }
  })
  .superRefine((cfg, ctx) => {
    // A Slack receiver needs its webhook URL, a secret outside this object.
    const slack = cfg.observability.alertmanager.receivers.findIndex((r) => r.type === "slack");
    if (slack >= 0 && !cfg.alertmanagerSlackWebhookUrl) {
      ctx.addIssue({
        code: "custom",
        path: ["observability", "alertmanager", "receivers", slack],
        input: cfg.observability.alertmanager.receivers[slack],
        message:
          "a Slack receiver needs the alertmanagerSlackWebhookUrl secret (`pulumi config set --secret alertmanagerSlackWebhookUrl`)",
      });
    }
  })
  .superRefine((cfg, ctx) => {
    // Backups against retention and snapshot limits, networks against bounds and each other,
    // lifetimes against their issuer's, Access rules, regexes, the warm pool (validation/checks.ts).
    let problems;
    try {
      problems = crossKeyProblems(cfg);
    } catch {
      // Refinements also run when a field failed its own check, whose error already says what is
      // wrong; the cross-key checks need every field well-formed.
      return;
    }
    for (const problem of problems) {
      ctx.addIssue({ code: "custom", path: problem.path, input: problem.input, message: problem.message });
    }
  })
  .superRefine((cfg, ctx) => {
    // Production must keep the safety settings that only make sense to relax in staging.
    if (cfg.environment !== "production") return;
    const doCfg = cfg.digitalocean;
    const required: [string[], boolean, string][] = [
      [["digitalocean", "haControlPlane"], doCfg.haControlPlane, "production needs an HA control plane"],
      [["digitalocean", "surgeUpgrade"], doCfg.surgeUpgrade, "production needs surge upgrades"],
      [
        ["digitalocean", "controlPlaneFirewall", "enabled"],
        doCfg.controlPlaneFirewall.enabled,
        "production needs the control-plane firewall",
      ],
      [["stateful", "protect"], cfg.stateful.protect, "production protects its stateful resources"],
      [["stateful", "retainVolumes"], cfg.stateful.retainVolumes, "production retains its volumes"],
    ];
    for (const [path, ok, message] of required) {
      if (!ok) ctx.addIssue({ code: "custom", path, input: false, message: `${message} (set true)` });
    }
    const unsealKey = cfg.pki.openbao.autoUnseal.protectionLevel;
    if (unsealKey !== "HSM") {
      ctx.addIssue({
        code: "custom",
        path: ["pki", "openbao", "autoUnseal", "protectionLevel"],
        input: unsealKey,
        message: 'production keeps OpenBao\'s unseal key in an HSM (set "HSM")',
      });
    }
    if (cfg.delivery.rollout !== "canary") {
      ctx.addIssue({
        code: "custom",
        path: ["delivery", "rollout"],
        input: cfg.delivery.rollout,
        message: 'production deploys through canaries (set "canary")',
      });
    }
  });

type Parsed = z.output<typeof platformSchema>;
export type PlatformConfig = Omit<Parsed, SecretKey>;
export type DigitalOceanConfig = PlatformConfig["digitalocean"];

/**
 * Invalid stack configuration; `problems` has one line per bad key. A RunError, so the Pulumi CLI
 * prints the message alone rather than a stack trace.
 */
export class ConfigError extends RunError {
  constructor(
    readonly stackName: string,
    readonly problems: string[],
  ) {
    super(
      `Invalid configuration for stack "${stackName}" (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * Validates the project's config keys (`<project>:<key>` → raw string, as Pulumi passes them).
 * Keys of other namespaces (provider config) are not ours and are ignored here.
 */
export function parsePlatformConfig(
  project: string,
  stack: string,
  rawConfig: Readonly<Record<string, string>>,
  /** The namespaced keys whose values arrived as secrets; when given, a plaintext secret is an error. */
  secretKeys?: readonly string[],
): PlatformConfig {
  const prefix = `${project}:`;
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rawConfig)) {
    if (key.startsWith(prefix)) raw[key.slice(prefix.length)] = decodeValue(value);
  }
  const problems: string[] = [];
  // As the CLI refuses a plaintext value under a key declared secret (never showing the value).
  for (const key of SECRET_KEYS) {
    if (secretKeys && key in raw && !secretKeys.includes(`${prefix}${key}`)) {
      problems.push(
        `${prefix}${key}: must be encrypted as it's secret, but the stack sets it in plaintext; ` +
          `remove it from the stack file and run \`pulumi config set --secret ${key}\` (the value is not shown)`,
      );
    }
  }
  // A stack named after an environment must be that environment, so a copied stack file cannot
  // point production's stack at staging's settings or the reverse.
  const environment = raw.environment;
  if (
    (ENVIRONMENTS as readonly string[]).includes(stack) &&
    typeof environment === "string" &&
    environment !== stack
  ) {
    problems.push(
      `${prefix}environment: stack "${stack}" holds environment ${JSON.stringify(environment)}, the other stack's; ` +
        `the stack file Pulumi.${stack}.yaml must say "${stack}"`,
    );
  }
  // The environment's defaults (environmentDefaults.ts) beneath what the stack file sets.
  const result = platformSchema.safeParse(withEnvironmentDefaults(raw), { reportInput: true });
  if (!result.success)
    problems.push(...result.error.issues.flatMap((issue) => describeIssue(project, issue)));
  if (problems.length > 0 || !result.success) throw new ConfigError(stack, problems);
  const {
    digitaloceanToken: _do,
    veleroDigitaloceanToken: _velero,
    spacesAccessKeyId: _sid,
    spacesSecretKey: _skey,
    cloudflareApiToken: _cf,
    openbaoToken: _bao,
    externalSecretsGcpCredentials: _esCreds,
    alertmanagerSlackWebhookUrl: _slack,
    ...config
  } = result.data;
  return config;
}

/** Pulumi passes structured config as JSON and scalars as plain strings. */
function decodeValue(value: string): unknown {
  const trimmed = value.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return value;
    }
  }
  return value;
}

function keyPath(project: string, path: readonly PropertyKey[]): string {
  const [top, ...rest] = path;
  let out = top === undefined ? `${project}:` : `${project}:${String(top)}`;
  for (const part of rest) out += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return out;
}

function show(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describeIssue(project: string, issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(platformSchema, issue.path, issue.input);
    return issue.keys.map(
      (key) =>
        `${keyPath(project, [...issue.path, key])}: unknown key` +
        (allowed.length ? `; allowed keys here: ${allowed.join(", ")}` : ""),
    );
  }
  // A secret's value is never printed, however malformed.
  if ((SECRET_KEYS as readonly PropertyKey[]).includes(issue.path[0])) {
    return [`${keyPath(project, issue.path)}: ${issue.message} (the value is secret and not shown)`];
  }
  const input = "input" in issue ? issue.input : undefined;
  return [`${keyPath(project, issue.path)}: ${issue.message}; got ${show(input)}`];
}

/** The keys a strict object accepts at `path`, for "unknown key" messages. */
function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[], input: unknown): string[] {
  let node: z.ZodType | undefined = schema;
  for (const part of path) {
    node = unwrap(node, input);
    if (node instanceof z.ZodObject) node = node.shape[String(part)] as z.ZodType | undefined;
    else if (node instanceof z.ZodArray) node = node.element as z.ZodType;
    else if (node instanceof z.ZodRecord) node = node.valueType as z.ZodType;
    else return [];
  }
  node = unwrap(node, input);
  return node instanceof z.ZodObject ? Object.keys(node.shape) : [];
}

function unwrap(node: z.ZodType | undefined, input: unknown): z.ZodType | undefined {
  let current = node;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else if (current instanceof z.ZodDiscriminatedUnion) {
      // Pick the branch the input selects; without one, any branch lists the keys.
      const options = current.options as z.ZodType[];
      const discriminator: string = current._zod.def.discriminator;
      const chosen =
        typeof input === "object" && input !== null && discriminator in input
          ? options.find(
              (o) =>
                o instanceof z.ZodObject &&
                (o.shape[discriminator] as z.ZodType).safeParse(
                  (input as Record<string, unknown>)[discriminator],
                ).success,
            )
          : undefined;
      current = chosen ?? options[options.length - 1];
    } else {
      return current;
    }
  }
}
