/**
 * `npm run charts:update`: brings charts/vendor in line with the catalog. For every chart whose
 * lock entry is missing or at another version (every chart with --all), `helm pull` fetches the
 * published archive (OCI where the catalog names a registry), which is checked against the pin and
 * the digest the repository index publishes before it replaces the old archive; bundles are fetched
 * from their URL. The lock is then rewritten and the folder checked against it. The network calls
 * are the `Edges`; everything else is the pure logic of lock.ts.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { parse as parseYaml } from "yaml";
import { helm } from "../helm";
import { readChartArchive, sha256 } from "./archive";
import {
  indexDigest,
  pendingUpdates,
  pullArgs,
  serializeLock,
  updatedLock,
  vendorProblems,
  verifyPulledChart,
  LOCK_FILE,
  type Fetched,
} from "./lock";
import { expectedFromCatalog, listVendor, readLock, VENDOR_PATH } from "./vendor";

/** The calls that leave the machine. */
export interface Edges {
  /** Runs `helm <args>` (a pull into args' --destination). */
  helm(args: string[]): void;
  /** GETs a URL; undefined when it does not exist (404). */
  get(url: string): Promise<Buffer | undefined>;
}

export const NETWORK: Edges = {
  helm: (args) => void helm(args),
  get: async (url) => {
    const res = await fetch(url);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  },
};

export interface UpdateOptions {
  /** Re-fetch every entry, not only the stale ones. */
  all?: boolean;
  vendorDir?: string;
  log?: (line: string) => void;
}

export async function updateVendor(edges: Edges, options: UpdateOptions = {}): Promise<string[]> {
  const dir = options.vendorDir ?? VENDOR_PATH;
  const log = options.log ?? (() => undefined);
  const expected = expectedFromCatalog();
  const lock = readLock(dir);
  const listing = listVendor(dir);
  const pending = options.all
    ? { charts: Object.keys(expected.charts), bundles: Object.keys(expected.bundles) }
    : pendingUpdates(expected, lock, listing);

  const fetched: Fetched[] = [];
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "charts-update-"));
  try {
    for (const name of pending.charts) {
      const want = expected.charts[name];
      const into = path.join(staging, name);
      fs.mkdirSync(into);
      log(`pulling ${want.chart} ${want.version} from ${want.repo}`);
      edges.helm(pullArgs(want, into));
      const pulled = fs.readdirSync(into).filter((f) => f.endsWith(".tgz"));
      if (pulled.length !== 1) throw new Error(`${name}: helm pull left ${pulled.length} archives`);
      const bytes = fs.readFileSync(path.join(into, pulled[0]));
      const chart = readChartArchive(bytes, pulled[0]);
      const digest = sha256(bytes);
      const oci = /^oci:\/\//i.test(want.repo);
      const index = oci ? undefined : await edges.get(`${want.repo.replace(/\/+$/, "")}/index.yaml`);
      const published = index
        ? indexDigest(parseYaml(index.toString("utf8"), { schema: "failsafe" }), want.chart, want.version)
        : undefined;
      const problems = verifyPulledChart(
        want,
        { name: chart.name, version: chart.version, sha256: digest },
        published,
      );
      if (problems.length > 0) throw new Error(`${name}: ${problems.join("; ")}`);
      fs.writeFileSync(path.join(staging, want.file), bytes);
      fetched.push({
        section: "charts",
        name,
        entry: {
          version: want.version,
          file: want.file,
          sha256: digest,
          source: { kind: "repository", repo: want.repo, chart: want.chart, publishedDigest: published },
          dependencies: chart.dependencies.map((d) => ({ name: d.name, version: d.version })),
        },
      });
    }
    for (const name of pending.bundles) {
      const want = expected.bundles[name];
      log(`fetching ${want.url}`);
      const yaml = await edges.get(want.url);
      if (!yaml) throw new Error(`${name}: ${want.url} does not exist`);
      const bytes = zlib.gzipSync(yaml, { level: 9 });
      fs.writeFileSync(path.join(staging, want.file), bytes);
      fetched.push({
        section: "bundles",
        name,
        entry: {
          version: want.version,
          file: want.file,
          sha256: sha256(bytes),
          source: { kind: "url", url: want.url },
        },
      });
    }

    // Only now, with everything fetched and verified, does the folder change.
    const next = updatedLock(expected, lock, fetched, listing);
    for (const f of fetched) fs.copyFileSync(path.join(staging, f.entry.file), path.join(dir, f.entry.file));
    for (const file of next.remove) {
      log(`removing ${file}`);
      fs.rmSync(path.join(dir, file));
    }
    fs.writeFileSync(path.join(dir, LOCK_FILE), serializeLock(next.lock));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return vendorProblems(expected, readLock(dir), listVendor(dir));
}

if (require.main === module) {
  const all = process.argv.includes("--all");
  updateVendor(NETWORK, { all, log: (l) => console.log(l) }).then(
    (problems) => {
      if (problems.length > 0) {
        console.error(
          `charts/vendor does not match the catalog:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
        );
        process.exit(1);
      }
      console.log("charts/vendor matches the catalog and its lock");
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
