/**
 * Which CustomResourceDefinitions each vendored artifact installs, read from the archives and
 * bundles in charts/vendor (a chart's crds/ folder and any template that defines a CRD, subcharts
 * included). Only the text is read: a CRD's group and kind are literal even in templated files.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { gunzipSync } from "zlib";
import { PROJECT_ROOT } from "../tools/engine/engine";

export const VENDOR_DIR = path.join(PROJECT_ROOT, "charts", "vendor");

/** `group/Kind`, e.g. `traefik.io/IngressRoute`. */
export type CrdKey = string;

function crdsInText(text: string): CrdKey[] {
  const found: CrdKey[] = [];
  for (const doc of text.split(/^---\s*$/m)) {
    if (!/^kind:\s*CustomResourceDefinition\s*$/m.test(doc)) continue;
    const group = /^ {2}group:\s*["']?([a-z0-9.-]+)["']?\s*$/m.exec(doc)?.[1];
    const names = /^ {2}names:\s*$([\s\S]*?)(?=^ {2}\S)/m.exec(doc)?.[1] ?? "";
    const kind = /^ {4}kind:\s*["']?([A-Za-z0-9]+)["']?\s*$/m.exec(names)?.[1];
    if (group && kind) found.push(`${group}/${kind}`);
  }
  return found;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
  });
}

let memo: Map<string, CrdKey[]> | undefined;

/** Vendored artifact (chart name, or bundle file stem) → the CRDs it installs. */
export function vendoredCrds(): Map<string, CrdKey[]> {
  if (memo) return memo;
  memo = new Map();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "prism-crds-"));
  try {
    for (const file of fs.readdirSync(VENDOR_DIR).sort()) {
      const full = path.join(VENDOR_DIR, file);
      let crds: CrdKey[] = [];
      let key: string;
      if (file.endsWith(".tgz")) {
        key = file.replace(/-\d[^-]*\.tgz$/, "");
        const dest = path.join(tmp, key);
        fs.mkdirSync(dest);
        execFileSync("tar", ["-xzf", full, "-C", dest]);
        crds = walk(dest).flatMap((f) => crdsInText(fs.readFileSync(f, "utf8")));
      } else if (/\.ya?ml(\.gz)?$/.test(file)) {
        key = file.replace(/-v?\d[^-]*\.ya?ml(\.gz)?$/, "");
        const raw = fs.readFileSync(full);
        crds = crdsInText((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
      } else continue;
      if (crds.length) memo.set(key, [...new Set(crds)].sort());
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return memo;
}

/** The chart a Release installs: its name, or the stem of a local archive or URL. */
export function chartNameOf(chart: unknown): string {
  return path.basename(String(chart)).replace(/-\d[^-]*\.tgz$/, "");
}

/**
 * The product a vendored bundle belongs to: `external-secrets-crds` → `external-secrets` (the
 * chart's published package generates its CRDs from that bundle), `spicedb-operator-bundle` →
 * `spicedb-operator`.
 */
export function bundleProduct(stem: string): string {
  return stem.replace(/-(crds|bundle)$/, "");
}
