/**
 * The repository needs nothing beside it: no file names a path outside the checkout, whether a
 * sibling folder, an absolute path of some machine, or a relative path (an import, a path.join
 * from __dirname or the project root) that climbs out of it. `.ci/run` proves the same by running
 * the tests in a copy with nothing beside it; this says which file is at fault.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/engine/engine";

/** Folders that are not the repository's own files (dependencies, caches, build output). */
const SKIP_DIRS = new Set([".git", "node_modules", ".cache", "bin", "coverage", ".bench"]);
const BINARY = /\.(tgz|gz|png|jpg|ico|zip)$/;

/** Absolute paths of the machines the project is built on, and the sibling reference folder. */
const SIBLING = [".", ".", "/", "shared"].join("");
const MACHINE_PATHS = [/\/work\//, /\/tmp\/prism\//];

const STRING = /(["'`])((?:\\.|(?!\1).)*)\1/g;
const PATH_CALL = /path\.(?:join|resolve)\(([^()]*)\)/g;

/** Where `file` (relative to the root) refers outside the root; [] when it does not. */
export function outsideReferences(file: string, text: string): string[] {
  const found: string[] = [];
  const dir = path.dirname(path.join(PROJECT_ROOT, file));
  const escapes = (p: string) => path.relative(PROJECT_ROOT, p).startsWith("..");
  text.split("\n").forEach((line, i) => {
    const at = `${file}:${i + 1}`;
    if (line.includes(SIBLING)) found.push(`${at}: names the sibling folder ${SIBLING}`);
    for (const re of MACHINE_PATHS)
      if (re.test(line)) found.push(`${at}: names a machine path (${re.source})`);
    if (!/\.(ts|js|mjs|cjs)$/.test(file)) return;
    // Relative paths in string literals (imports, requires, paths), resolved against the file.
    for (const m of line.matchAll(STRING)) {
      const s = m[2];
      if (/^\.\.?\//.test(s) && escapes(path.resolve(dir, s)))
        found.push(`${at}: ${s} leaves the repository`);
    }
    // path.join / path.resolve from __dirname or the project root with literal segments.
    for (const m of line.matchAll(PATH_CALL)) {
      const args = m[1].split(",").map((a) => a.trim());
      const base =
        args[0] === "__dirname" ? dir : /^(PROJECT_ROOT|ROOT)$/.test(args[0]) ? PROJECT_ROOT : undefined;
      if (base === undefined) continue;
      let at2 = base;
      for (const a of args.slice(1)) {
        const literal = /^(["'])(.*)\1$/.exec(a);
        if (!literal) break;
        at2 = path.resolve(at2, literal[2]);
        if (escapes(at2)) {
          found.push(`${at}: ${m[0]} leaves the repository`);
          break;
        }
      }
    }
  });
  return found;
}

function repositoryFiles(dir = PROJECT_ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : repositoryFiles(full);
    return e.isFile() && !BINARY.test(e.name) ? [path.relative(PROJECT_ROOT, full)] : [];
  });
}

describe("the repository is self-contained", () => {
  it("no file refers to a path outside it", () => {
    // This file holds the bad examples its own check is tested with.
    const files = repositoryFiles().filter((f) => f !== path.relative(PROJECT_ROOT, __filename));
    expect(files).toEqual(expect.arrayContaining(["README.md", "stacks/index.ts", "test/upstreamCharts.ts"]));
    const found = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(PROJECT_ROOT, f), "utf8");
      return text.includes("\0") ? [] : outsideReferences(f, text);
    });
    expect(found).toEqual([]);
  });

  it("the check finds each way out: sibling folder, machine path, climbing import, path.join", () => {
    const up = "../../..";
    expect(outsideReferences("test/x.ts", `const a = "${SIBLING}/charts";`)).toEqual([
      `test/x.ts:1: names the sibling folder ${SIBLING}`,
    ]);
    expect(outsideReferences("README.md", "see /work/main/README")).toHaveLength(1);
    expect(outsideReferences("test/x.ts", `import { y } from "${up}/elsewhere/y";`)).toEqual([
      `test/x.ts:1: ${up}/elsewhere/y leaves the repository`,
    ]);
    expect(
      outsideReferences("test/x.ts", `fs.readFileSync(path.join(PROJECT_ROOT, "..", "schemas", "p.json"))`),
    ).toEqual([`test/x.ts:1: path.join(PROJECT_ROOT, "..", "schemas", "p.json") leaves the repository`]);
    expect(outsideReferences("tools/a/b.ts", `path.resolve(__dirname, "..", "..", "..")`)).toHaveLength(1);
    // Inside the repository is fine, however it is spelt.
    expect(outsideReferences("tools/a/b.ts", `path.resolve(__dirname, "..", "..")`)).toEqual([]);
    expect(outsideReferences("test/policies/x.ts", `import { h } from "../../policies/rules/helm";`)).toEqual(
      [],
    );
  });
});
