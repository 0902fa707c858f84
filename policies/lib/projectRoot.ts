/**
 * The repository root, wherever the pack runs from: policies/lib under ts-node or jest,
 * policies/bin/lib once compiled, or a copy of the pack outside the repository (then the working
 * directory, or PRISM_PROJECT_ROOT, names it). The root is the folder holding the vendored charts'
 * lock file, the one marker every checkout has.
 */
import * as fs from "fs";
import * as path from "path";

/** The vendored charts' lock file, relative to the root. */
export const ROOT_MARKER = path.join("charts", "vendor", "charts.lock.json");

/** The nearest folder at or above `from` that holds the marker. */
function above(from: string): string | undefined {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, ROOT_MARKER))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

let found: string | undefined;

/** The root: PRISM_PROJECT_ROOT if set, else above this file, else above the working directory. */
export function projectRoot(): string {
  if (found) return found;
  const fromEnv = process.env.PRISM_PROJECT_ROOT;
  if (fromEnv) {
    if (!fs.existsSync(path.join(fromEnv, ROOT_MARKER))) {
      throw new Error(
        `PRISM_PROJECT_ROOT=${fromEnv} has no ${ROOT_MARKER}; it must name the repository root`,
      );
    }
    found = path.resolve(fromEnv);
    return found;
  }
  found = above(__dirname) ?? above(process.cwd());
  if (!found) {
    throw new Error(
      `no ${ROOT_MARKER} above ${__dirname} or ${process.cwd()}: run the pack from the repository, or set PRISM_PROJECT_ROOT to its root`,
    );
  }
  return found;
}
