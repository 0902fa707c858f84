/**
 * Reads files out of a vendored chart archive (a gzipped tar), so a component can install part of
 * a chart on its own (its CRDs, ahead of the release) from exactly the bytes the release installs.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { vendoredChartArchive, type ChartName } from "./catalog";

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const raw = header.subarray(offset, offset + length);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

/** The PAX `path` record of an extended header, if it has one. */
function paxPath(data: Buffer): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString("utf8"))?.[1];
}

/** Every regular file of the archive, by path inside it (ustar, PAX and GNU long names). */
function archiveFiles(chart: ChartName): Map<string, Buffer> {
  const file = path.resolve(__dirname, "..", "..", vendoredChartArchive(chart));
  if (!fs.existsSync(file))
    throw new Error(
      `chart ${chart}: ${vendoredChartArchive(chart)} is missing; run \`npm run charts:update\``,
    );
  const tar = zlib.gunzipSync(fs.readFileSync(file));
  const files = new Map<string, Buffer>();
  let longName: string | undefined;
  for (let at = 0; at + BLOCK <= tar.length;) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156] || 48);
    const data = tar.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") longName = paxPath(data) ?? longName;
    else if (type === "L") longName = data.toString("utf8").replace(/\0+$/, "");
    else {
      const prefix = field(header, 345, 155);
      const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
      longName = undefined;
      if (type === "0" || type === "\0") files.set(name, Buffer.from(data));
    }
  }
  return files;
}

const memo = new Map<ChartName, Map<string, Buffer>>();

/** The text of one file of a vendored chart archive, e.g. `kube-prometheus-stack/Chart.yaml`. */
export function chartArchiveFile(chart: ChartName, inside: string): string {
  const files = memo.get(chart) ?? archiveFiles(chart);
  memo.set(chart, files);
  const found = files.get(inside);
  if (!found) throw new Error(`chart ${chart}: ${vendoredChartArchive(chart)} has no ${inside}`);
  return found.toString("utf8");
}
