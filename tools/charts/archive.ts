/**
 * Reads a Helm chart archive (a gzipped tar) in memory with Node alone: the tests check values
 * against the vendored archives and the updater checks what `helm pull` fetched, without unpacking
 * anything to disk or depending on a tar binary.
 */
import * as crypto from "crypto";
import * as path from "path";
import * as zlib from "zlib";
import { parse as parseYaml } from "yaml";

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** Values of a PAX extended header ("<len> key=value\n" records). */
function paxRecords(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(data.subarray(at, space).toString("ascii"));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.subarray(space + 1, at + length - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

/** The regular files of a tar stream, by path (ustar, PAX and GNU long names). */
export function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let at = 0;
  let longName: string | undefined;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    if (!Number.isFinite(size)) throw new Error(`corrupt tar header at byte ${at}`);
    const type = String.fromCharCode(header[156] || 0x30);
    const prefix = field(header, 345, 155);
    const name = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") longName = paxRecords(data).path ?? longName;
    else if (type === "L") longName = data.toString("utf8").replace(/\0+$/, "");
    else if (type === "g") continue;
    else {
      if (type === "0" || type === "\0" || type === "7") files.set(longName ?? name, Buffer.from(data));
      longName = undefined;
    }
  }
  return files;
}

export function sha256(bytes: Buffer): string {
  return crypto.createHash("sha256").update(bytes).digest("hex");
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ChartDependency {
  name: string;
  alias?: string;
  version?: string;
}

/** One chart out of an archive: its metadata, defaults, schema, and its subcharts under charts/. */
export interface ArchiveChart {
  name: string;
  version: string;
  appVersion?: string;
  dependencies: ChartDependency[];
  values: Json;
  schema?: Record<string, unknown>;
  /** Subcharts by directory (or archive) name under charts/. */
  subcharts: Map<string, ArchiveChart>;
}

function chartAt(files: Map<string, Buffer>, root: string, where: string): ArchiveChart {
  const read = (rel: string) => files.get(`${root}/${rel}`);
  const chartYaml = read("Chart.yaml");
  if (!chartYaml) throw new Error(`${where}: no ${root}/Chart.yaml`);
  const meta = parseYaml(chartYaml.toString("utf8")) as {
    name?: string;
    version?: unknown;
    appVersion?: unknown;
    dependencies?: ChartDependency[];
  };
  if (!meta.name || meta.version === undefined)
    throw new Error(`${where}: Chart.yaml has no name or version`);
  const valuesYaml = read("values.yaml");
  const schemaJson = read("values.schema.json");

  const subcharts = new Map<string, ArchiveChart>();
  const prefix = `${root}/charts/`;
  const subRoots = new Set<string>();
  for (const [file, bytes] of files) {
    if (!file.startsWith(prefix)) continue;
    const rest = file.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash > 0) subRoots.add(rest.slice(0, slash));
    else if (rest.endsWith(".tgz")) {
      // `helm dependency build` leaves subcharts packed; published archives carry them so.
      const nested = readChartArchive(bytes, `${where}:${file}`);
      subcharts.set(nested.name, nested);
    }
  }
  for (const sub of subRoots) {
    if (files.has(`${prefix}${sub}/Chart.yaml`)) {
      subcharts.set(sub, chartAt(files, `${prefix}${sub}`, where));
    }
  }
  return {
    name: meta.name,
    version: String(meta.version),
    appVersion: meta.appVersion === undefined ? undefined : String(meta.appVersion),
    dependencies: meta.dependencies ?? [],
    values: valuesYaml ? ((parseYaml(valuesYaml.toString("utf8")) ?? {}) as Json) : {},
    schema: schemaJson ? (JSON.parse(schemaJson.toString("utf8")) as Record<string, unknown>) : undefined,
    subcharts,
  };
}

/** The chart in a packaged archive (`helm package` / `helm pull` output: one top-level folder). */
export function readChartArchive(bytes: Buffer, where = "archive"): ArchiveChart {
  let files: Map<string, Buffer>;
  try {
    files = untar(zlib.gunzipSync(bytes));
  } catch (err) {
    throw new Error(`${where}: not a gzipped tar (${(err as Error).message})`, { cause: err });
  }
  const roots = new Set([...files.keys()].map((f) => f.split("/")[0]));
  const charts = [...roots].filter((r) => files.has(`${r}/Chart.yaml`));
  if (charts.length !== 1) {
    throw new Error(`${where}: expected one chart folder, found ${charts.length} (${[...roots].join(", ")})`);
  }
  return chartAt(files, charts[0], where);
}

/** The archive file name Helm gives a chart: `<name>-<version>.tgz`. */
export function archiveFileName(name: string, version: string): string {
  return `${path.basename(name)}-${version}.tgz`;
}
