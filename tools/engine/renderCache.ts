/**
 * The on-disk cache of chart renders (.cache/renders/<key>.json), shared by the service chart and the
 * Helm Releases: a key is a sha256 over everything that decides the output, so a hit is exact and a
 * warm plan runs no helm. Writes are atomic (temporary file, then rename).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./engine";

export const RENDER_CACHE_DIR = path.join(PROJECT_ROOT, ".cache", "renders");

export function readRenderCache<T>(key: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(RENDER_CACHE_DIR, `${key}.json`), "utf8")) as T;
  } catch {
    return undefined;
  }
}

export function writeRenderCache(key: string, value: unknown): void {
  fs.mkdirSync(RENDER_CACHE_DIR, { recursive: true });
  const file = path.join(RENDER_CACHE_DIR, `${key}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value));
  fs.renameSync(tmp, file);
}

/** sha256 over every file of a directory (paths and contents), for a chart that lives in the repository. */
export function directoryDigest(dir: string): string {
  const hash = crypto.createHash("sha256");
  const walk = (at: string) => {
    for (const entry of fs
      .readdirSync(at, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile())
        hash.update(path.relative(dir, full)).update("\0").update(fs.readFileSync(full)).update("\0");
    }
  };
  walk(dir);
  return hash.digest("hex");
}
