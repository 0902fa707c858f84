/**
 * The vendor folder as files: reads charts/vendor and its lock, and what the catalog expects of
 * them. The rules themselves are pure (lock.ts); this is the part that touches the disk.
 */
import * as fs from "fs";
import * as path from "path";
import {
  BUNDLES,
  CHARTS,
  VENDOR_DIR,
  vendoredBundle,
  vendoredChartArchive,
} from "../../components/helm/catalog";
import { readChartArchive, sha256 } from "./archive";
import { LOCK_FILE, type Expected, type Listing, type Lock } from "./lock";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const VENDOR_PATH = path.join(PROJECT_ROOT, VENDOR_DIR);

/** What components/helm/catalog.ts pins, as the lock must record it. */
export function expectedFromCatalog(): Expected {
  const base = (rel: string) => path.posix.basename(rel);
  return {
    charts: Object.fromEntries(
      Object.entries(CHARTS).map(([name, pin]) => [
        name,
        {
          chart: pin.chart,
          version: pin.version,
          repo: pin.repo,
          file: base(vendoredChartArchive(name as keyof typeof CHARTS)),
        },
      ]),
    ),
    bundles: Object.fromEntries(
      Object.entries(BUNDLES).map(([name, b]) => [
        name,
        { version: b.version, url: b.url, file: base(vendoredBundle(name as keyof typeof BUNDLES)) },
      ]),
    ),
  };
}

export function readLock(dir = VENDOR_PATH): Lock {
  const file = path.join(dir, LOCK_FILE);
  if (!fs.existsSync(file)) return { charts: {}, bundles: {} };
  const lock = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<Lock>;
  return { comment: lock.comment, charts: lock.charts ?? {}, bundles: lock.bundles ?? {} };
}

/** Every file of the folder but the lock, with its digest and, for .tgz, the chart inside. */
export function listVendor(dir = VENDOR_PATH): Listing {
  const listing: Listing = new Map();
  if (!fs.existsSync(dir)) return listing;
  for (const file of fs.readdirSync(dir).sort()) {
    if (file === LOCK_FILE) continue;
    const bytes = fs.readFileSync(path.join(dir, file));
    let chart: { name: string; version: string } | undefined;
    if (file.endsWith(".tgz")) {
      try {
        const c = readChartArchive(bytes, file);
        chart = { name: c.name, version: c.version };
      } catch {
        chart = { name: "(unreadable archive)", version: "(none)" };
      }
    }
    listing.set(file, { sha256: sha256(bytes), chart });
  }
  return listing;
}
