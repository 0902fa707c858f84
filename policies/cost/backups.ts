/**
 * Storage the backups keep: DigitalOcean volume snapshots taken by the Velero schedules (each a
 * full image, kept for the schedule's TTL, at most 25 per volume) and CloudNativePG base backups
 * kept in Spaces for the cluster's retention. Snapshot and backup sizes depend on the data written,
 * which no plan knows: they are counted at the volumes' provisioned size, the ceiling of the bill.
 */
import { quantityGiB, type SourcedManifest, type VolumeClaim } from "./quantities";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** DigitalOcean keeps at most this many snapshots of one volume. */
export const SNAPSHOTS_PER_VOLUME_LIMIT = 25;

/**
 * Hours between runs of a cron schedule (5 fields, or 6 with seconds first as CloudNativePG
 * writes them), for the shapes backups use: hourly, daily, weekly. Undefined for anything else.
 */
export function cronPeriodHours(schedule: string): number | undefined {
  let fields = schedule.trim().split(/\s+/);
  if (fields.length === 6) fields = fields.slice(1);
  if (fields.length !== 5) return undefined;
  const [minute, hour, dom, month, dow] = fields;
  const fixed = (f: string) => /^[0-9]+$/.test(f);
  if (!fixed(minute) || dom !== "*" || month !== "*") return undefined;
  if (hour === "*" && dow === "*") return 1;
  // Every N hours ("*/6", or "0,6,12,18"): only an even spacing that repeats daily has one period.
  const step = /^\*\/([0-9]+)$/.exec(hour);
  if (step && dow === "*") return 24 % Number(step[1]) === 0 ? Number(step[1]) : undefined;
  if (/^[0-9]+(,[0-9]+)+$/.test(hour) && dow === "*") {
    const hours = hour.split(",").map(Number);
    const gap = 24 / hours.length;
    return hours.every((h, i) => i === 0 || h - hours[i - 1] === gap) ? gap : undefined;
  }
  if (fixed(hour) && dow === "*") return 24;
  if (fixed(hour) && fixed(dow)) return 168;
  return undefined;
}

/** A Go duration as Velero writes TTLs ("720h0m0s", "48h") in hours. */
export function durationHours(ttl: string): number {
  const m = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/.exec(ttl);
  if (!m || ttl === "") throw new Error(`duration ${JSON.stringify(ttl)} is not like "720h0m0s"`);
  return Number(m[1] ?? 0) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
}

export interface SnapshotSchedule {
  name: string;
  namespaces: string[];
  excludedNamespaces: string[];
  /** Snapshots each covered volume keeps: TTL ÷ period. Undefined when the schedule is not countable. */
  retained?: number;
  schedule: string;
}

/** The Velero schedules that snapshot volumes, from the Velero chart's values. */
export function snapshotSchedules(veleroValues: unknown): SnapshotSchedule[] {
  const values = obj(veleroValues);
  const defaultTtl = String(obj(values.configuration).defaultBackupTTL ?? "720h0m0s");
  const out: SnapshotSchedule[] = [];
  for (const [name, raw] of Object.entries(obj(values.schedules))) {
    const s = obj(raw);
    const template = obj(s.template);
    if (s.disabled === true || template.snapshotVolumes === false) continue;
    const schedule = String(s.schedule ?? "");
    const period = cronPeriodHours(schedule);
    const ttl = durationHours(String(template.ttl ?? defaultTtl));
    out.push({
      name,
      schedule,
      namespaces: arr(template.includedNamespaces).map(String),
      excludedNamespaces: arr(template.excludedNamespaces).map(String),
      retained: period ? Math.floor(ttl / period) : undefined,
    });
  }
  return out;
}

const covers = (s: SnapshotSchedule, namespace: string): boolean =>
  !s.excludedNamespaces.includes(namespace) &&
  (s.namespaces.length === 0 || s.namespaces.includes("*") || s.namespaces.includes(namespace));

export interface SnapshotStorage {
  /** GiB-months of snapshot storage at the volumes' provisioned size. */
  gib: number;
  /** Volumes whose schedules want more snapshots than DigitalOcean keeps. */
  overLimit: { what: string; wanted: number }[];
  /** Schedules whose period could not be read: their snapshots are not counted. */
  uncounted: SnapshotSchedule[];
}

export function snapshotStorage(schedules: SnapshotSchedule[], claims: VolumeClaim[]): SnapshotStorage {
  const result: SnapshotStorage = { gib: 0, overLimit: [], uncounted: schedules.filter((s) => !s.retained) };
  for (const claim of claims) {
    const wanted = schedules
      .filter((s) => s.retained && covers(s, claim.namespace))
      .reduce((n, s) => n + (s.retained ?? 0), 0);
    if (wanted > SNAPSHOTS_PER_VOLUME_LIMIT) result.overLimit.push({ what: claim.what, wanted });
    result.gib += claim.gib * claim.count * Math.min(wanted, SNAPSHOTS_PER_VOLUME_LIMIT);
  }
  return result;
}

export interface BaseBackupStorage {
  what: string;
  /** Base backups kept: retention ÷ schedule period. */
  retained: number;
  gib: number;
}

/** CloudNativePG base backups kept in object storage: one full copy of the data per scheduled run. */
export function postgresBaseBackups(manifests: SourcedManifest[]): BaseBackupStorage[] {
  const clusters = new Map<string, Obj>();
  for (const { manifest } of manifests) {
    if (manifest.kind === "Cluster" && String(manifest.apiVersion).startsWith("postgresql.cnpg.io/")) {
      const meta = obj(manifest.metadata);
      clusters.set(`${String(meta.namespace ?? "default")}/${String(meta.name)}`, obj(manifest.spec));
    }
  }
  const out: BaseBackupStorage[] = [];
  for (const { manifest } of manifests) {
    if (manifest.kind !== "ScheduledBackup" || !String(manifest.apiVersion).startsWith("postgresql.cnpg.io/"))
      continue;
    const meta = obj(manifest.metadata);
    const spec = obj(manifest.spec);
    const key = `${String(meta.namespace ?? "default")}/${String(obj(spec.cluster).name)}`;
    const cluster = clusters.get(key);
    const backup = obj(cluster?.backup);
    const days = /^([0-9]+)d$/.exec(String(backup.retentionPolicy ?? ""));
    const period = cronPeriodHours(String(spec.schedule ?? ""));
    if (!cluster || !days || !period || spec.method === "volumeSnapshot") continue;
    const retained = Math.floor((Number(days[1]) * 24) / period);
    out.push({ what: `Cluster ${key}`, retained, gib: retained * quantityGiB(obj(cluster.storage).size) });
  }
  return out;
}
