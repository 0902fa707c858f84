/**
 * The on-disk cache of chart renders (.cache/renders/<key>.json), shared by the service chart and the
 * Helm Releases: a key is a sha256 over everything that decides the output, so a hit is exact and a
 * warm plan runs no helm.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "./engine";
import { renderStoreIn, type RenderStore } from "../../policies/lib/packRenders";

export const RENDER_CACHE_DIR = path.join(PROJECT_ROOT, ".cache", "renders");

// The pack's store (policies/lib/packRenders.ts), so the plan and the pack share one cache format.
const store = renderStoreIn(() => RENDER_CACHE_DIR);
export const readRenderCache: RenderStore["read"] = (key) => store.read(key);
export const writeRenderCache: RenderStore["write"] = (key, value) => store.write(key, value);

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
