/**
 * Nothing is lost by accident, and production is highly available by rule: stateful resources are
 * retained on delete, every volume names a Retain storage class, Velero's snapshots fit
 * DigitalOcean's per-volume limit, and the HA settings meet the thresholds in the pack config.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { releaseHoldsVolumes, volumeBlocks } from "../lib/volumes";
import { chartNameOf } from "../lib/helmChart";
import { STATEFUL_TYPES } from "./stackSafety";

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const PG_CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

type Props = Record<string, unknown>;

function get(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const part of path.split(".")) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Props)[part];
  }
  return v;
}

/** A resource whose loss loses data: the stateful types, and Helm releases that own volumes. */
export function holdsData(type: string, props: Props): boolean {
  return STATEFUL_TYPES.includes(type) || (type === HELM_RELEASE && releaseHoldsVolumes(props.values));
}

export const statefulRetained: ResourceValidationPolicy = {
  name: "stateful-resources-retained",
  description:
    "Stateful resources (and Helm releases with volumes) are protected and retainOnDelete, so a rename or refactor never deletes data. retainOnDelete is checked by the offline plan: CrossGuard does not pass it to analyzers.",
  validateResource: (args, report) => {
    if (!holdsData(args.type, args.props)) return;
    if (!args.opts.protect) report(`${args.type} ${args.name} holds data but is not protected`);
    // The offline evaluator adds retainOnDelete to the options; the CLI's analyzer protocol has none.
    const opts: PolicyResourceOptions & { retainOnDelete?: unknown } = args.opts;
    if (typeof opts.retainOnDelete !== "boolean") {
      if (args.opts.protect) {
        args.notApplicable(
          "retainOnDelete is not visible to CrossGuard analyzers; the offline plan enforces it",
        );
      }
      return;
    }
    if (!opts.retainOnDelete) report(`${args.type} ${args.name} holds data but is not retainOnDelete`);
  },
};

/** Where a resource asks for volumes and the class each names (undefined: the cluster default). */
function volumeClaims(r: PolicyResource): { where: string; storageClass?: string }[] {
  const p = r.props;
  if (r.type === "kubernetes:core/v1:PersistentVolumeClaim") {
    return [
      { where: "spec.storageClassName", storageClass: get(p, "spec.storageClassName") as string | undefined },
    ];
  }
  if (r.type === "kubernetes:apps/v1:StatefulSet") {
    const templates = get(p, "spec.volumeClaimTemplates");
    return Array.isArray(templates)
      ? templates.map((t, i) => ({
          where: `spec.volumeClaimTemplates[${i}]`,
          storageClass: get(t, "spec.storageClassName") as string | undefined,
        }))
      : [];
  }
  if (r.type === PG_CLUSTER) {
    const out = [
      { where: "spec.storage", storageClass: get(p, "spec.storage.storageClass") as string | undefined },
    ];
    if (get(p, "spec.walStorage") !== undefined) {
      out.push({
        where: "spec.walStorage",
        storageClass: get(p, "spec.walStorage.storageClass") as string | undefined,
      });
    }
    return out;
  }
  if (r.type === HELM_RELEASE) {
    return volumeBlocks(p.values).map((b) => ({ where: `values.${b.path}`, storageClass: b.storageClass }));
  }
  return [];
}

export const volumesRetained: StackValidationPolicy = {
  name: "volumes-use-retain-storage-class",
  description:
    "Every volume (PVCs, StatefulSet claim templates, CloudNativePG storage, Helm releases' persistence) names a storage class whose reclaimPolicy is Retain, so deleting a claim never deletes its disk.",
  configSchema: {
    properties: {
      retainClasses: {
        type: "array",
        items: { type: "string" },
        default: [],
        description: "Retain classes created outside this program, besides the StorageClasses it creates.",
      },
    },
  },
  validateStack: (args, report) => {
    const { retainClasses } = args.getConfig<{ retainClasses: string[] }>();
    const retain = new Set(retainClasses);
    for (const r of args.resources) {
      if (r.type === STORAGE_CLASS && r.props.reclaimPolicy === "Retain") {
        const name = get(r.props, "metadata.name");
        if (typeof name === "string") retain.add(name);
      }
    }
    for (const r of args.resources) {
      for (const claim of volumeClaims(r)) {
        if (!claim.storageClass || !retain.has(claim.storageClass)) {
          report(
            `${r.type} ${r.name}: ${claim.where} uses ${claim.storageClass ? `storage class "${claim.storageClass}"` : "the default storage class"}, which deletes its disk with the claim; name a Retain class (${[...retain].join(", ") || "none exists"})`,
            r.urn,
          );
        }
      }
    }
  },
};

/** DigitalOcean keeps at most 25 snapshots of a volume (docs.digitalocean.com/products/snapshots/details/limits/). */
export const DO_SNAPSHOTS_PER_VOLUME = 25;

/** Go durations as Velero writes them ("336h0m0s") → hours. */
function hours(ttl: unknown): number | undefined {
  if (typeof ttl !== "string") return undefined;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(ttl);
  return m ? Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600 : undefined;
}

/** Runs per hour of a cron expression's minute and hour fields (day fields every day). */
function runsPerDay(cron: string): number | undefined {
  const [minute, hour] = cron.trim().split(/\s+/);
  const count = (field: string, size: number): number | undefined => {
    if (field === "*") return size;
    const step = /^\*\/(\d+)$/.exec(field);
    if (step) return Math.ceil(size / Number(step[1]));
    if (/^\d+(,\d+)*$/.test(field)) return field.split(",").length;
    return undefined;
  };
  const m = minute === undefined ? undefined : count(minute, 60);
  const h = hour === undefined ? undefined : count(hour, 24);
  return m !== undefined && h !== undefined ? m * h : undefined;
}

export const backupSnapshotsFit: ResourceValidationPolicy = {
  name: "velero-snapshots-fit-digitalocean",
  description:
    "Velero's volume-snapshotting schedules together keep at most 25 snapshots of any volume, DigitalOcean's limit per volume.",
  validateResource: (args, report) => {
    if (args.type !== HELM_RELEASE || chartNameOf(args.props.chart) !== "velero") return;
    const schedules = get(args.props, "values.schedules");
    if (typeof schedules !== "object" || schedules === null) return;
    let total = 0;
    const parts: string[] = [];
    for (const [name, s] of Object.entries(schedules)) {
      if (get(s, "disabled") === true || get(s, "template.snapshotVolumes") === false) continue;
      const perDay = runsPerDay(String(get(s, "schedule") ?? ""));
      const ttl = hours(get(s, "template.ttl"));
      if (perDay === undefined || ttl === undefined) {
        report(
          `schedule ${name}: cannot count its snapshots (schedule ${JSON.stringify(get(s, "schedule"))}, ttl ${JSON.stringify(get(s, "template.ttl"))})`,
        );
        continue;
      }
      // Alive at once: the runs within the TTL, plus the one about to expire.
      const alive = Math.floor((ttl * perDay) / 24) + 1;
      total += alive;
      parts.push(`${name} ${alive}`);
    }
    if (total > DO_SNAPSHOTS_PER_VOLUME) {
      report(
        `the schedules keep up to ${total} snapshots of a volume (${parts.join(" + ")}); DigitalOcean keeps at most ${DO_SNAPSHOTS_PER_VOLUME} per volume`,
      );
    }
  },
};

interface HaConfig {
  postgresMinInstances: number;
  openbaoReplicas: number[];
  traefikMinReplicas: number;
  cloudflaredMinReplicas: number;
  argocdHa: boolean;
  natsMinReplicas: number;
  prometheusMinReplicas: number;
  opensearchMinReplicas: number;
}

function releaseNamed(r: PolicyResource, chart: string): boolean {
  return r.type === HELM_RELEASE && chartNameOf(r.props.chart) === chart;
}

export const productionHighAvailability: StackValidationPolicy = {
  name: "production-high-availability",
  description:
    "Production's stateful and edge services run replicated: PostgreSQL instances, OpenBao Raft replicas, Traefik and cloudflared replicas, Argo CD HA, NATS, Prometheus and OpenSearch, with the thresholds in the pack config.",
  configSchema: {
    properties: {
      postgresMinInstances: { type: "integer", default: 3, minimum: 1 },
      openbaoReplicas: { type: "array", items: { type: "integer" }, default: [3, 5] },
      traefikMinReplicas: { type: "integer", default: 2, minimum: 1 },
      cloudflaredMinReplicas: { type: "integer", default: 2, minimum: 1 },
      argocdHa: { type: "boolean", default: true },
      natsMinReplicas: { type: "integer", default: 3, minimum: 1 },
      prometheusMinReplicas: { type: "integer", default: 2, minimum: 1 },
      opensearchMinReplicas: { type: "integer", default: 3, minimum: 1 },
    },
  },
  validateStack: (args, report) => {
    const c = args.getConfig<HaConfig>();
    const atLeast = (r: PolicyResource, what: string, value: unknown, min: number) => {
      if (typeof value !== "number" || value < min) {
        report(
          `${r.type} ${r.name}: ${what} is ${JSON.stringify(value)}; production needs at least ${min}`,
          r.urn,
        );
      }
    };
    for (const r of args.resources) {
      if (r.type === PG_CLUSTER)
        atLeast(r, "spec.instances", get(r.props, "spec.instances"), c.postgresMinInstances);
      if (r.type === "kubernetes:apps/v1:Deployment" && get(r.props, "metadata.name") === "cloudflared") {
        atLeast(r, "spec.replicas", get(r.props, "spec.replicas"), c.cloudflaredMinReplicas);
      }
      if (releaseNamed(r, "openbao")) {
        const replicas = get(r.props, "values.server.ha.replicas");
        if (
          get(r.props, "values.server.ha.enabled") !== true ||
          !c.openbaoReplicas.includes(Number(replicas))
        ) {
          report(
            `${r.type} ${r.name}: values.server.ha is ${JSON.stringify(get(r.props, "values.server.ha.enabled") === true ? replicas : "off")}; production runs Raft with ${c.openbaoReplicas.join(" or ")} replicas`,
            r.urn,
          );
        }
      }
      if (releaseNamed(r, "traefik"))
        atLeast(
          r,
          "values.deployment.replicas",
          get(r.props, "values.deployment.replicas"),
          c.traefikMinReplicas,
        );
      if (releaseNamed(r, "nats")) {
        const clustered = get(r.props, "values.config.cluster.enabled") === true;
        atLeast(
          r,
          "values.config.cluster.replicas",
          clustered ? get(r.props, "values.config.cluster.replicas") : 1,
          c.natsMinReplicas,
        );
      }
      if (releaseNamed(r, "kube-prometheus-stack")) {
        atLeast(
          r,
          "values.prometheus.prometheusSpec.replicas",
          get(r.props, "values.prometheus.prometheusSpec.replicas"),
          c.prometheusMinReplicas,
        );
      }
      if (releaseNamed(r, "opensearch"))
        atLeast(r, "values.replicas", get(r.props, "values.replicas"), c.opensearchMinReplicas);
      if (releaseNamed(r, "argo-cd") && c.argocdHa) {
        if (get(r.props, "values.redis-ha.enabled") !== true) {
          report(
            `${r.type} ${r.name}: values.redis-ha.enabled is not true; production runs Argo CD highly available`,
            r.urn,
          );
        }
        for (const part of ["controller", "server", "repoServer"]) {
          atLeast(r, `values.${part}.replicas`, get(r.props, `values.${part}.replicas`), 2);
        }
      }
    }
  },
};

export const dataSafetyPolicies = [
  statefulRetained,
  volumesRetained,
  backupSnapshotsFit,
  productionHighAvailability,
];
