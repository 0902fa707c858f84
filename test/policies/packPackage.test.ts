/**
 * The pack is a package of its own: everything it imports is inside policies/ or a dependency it
 * declares, at the root's exact version, and it compiles with its own tsconfig (no extends), so the
 * folder `npm pack` / `pulumi policy publish` uploads starts anywhere.
 */
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..", "..");
const PACK = path.join(ROOT, "policies");
const packJson = JSON.parse(fs.readFileSync(path.join(PACK, "package.json"), "utf8")) as {
  main: string;
  dependencies: Record<string, string>;
};
const rootJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "bin" || e.name === "node_modules" ? [] : sources(full);
    return e.name.endsWith(".ts") ? [full] : [];
  });
}

/** Module specifiers of import/export-from statements and require calls. */
function specifiers(text: string): string[] {
  const found = [...text.matchAll(/(?:from\s+|import\s+|require\()\s*"([^"]+)"/g)].map((m) => m[1]);
  return [...new Set(found)];
}

/** The npm package a bare specifier names ("@scope/name/sub" → "@scope/name"). */
function packageOf(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

const BUILTINS = new Set(["fs", "path", "process", "os", "util", "crypto", "child_process", "zlib"]);

describe("the policy pack as a package", () => {
  const files = sources(PACK);

  it("has sources to check", () => {
    expect(files.map((f) => path.relative(PACK, f))).toEqual(
      expect.arrayContaining(["index.ts", "rules/index.ts", "lib/evaluate.ts", "facts/confidential.ts"]),
    );
  });

  it.each(files.map((f) => [path.relative(PACK, f), f]))(
    "%s imports only from inside policies/ and declared dependencies",
    (_name, file) => {
      const problems: string[] = [];
      for (const spec of specifiers(fs.readFileSync(file, "utf8"))) {
        if (spec.startsWith(".")) {
          const target = path.resolve(path.dirname(file), spec);
          if (path.relative(PACK, target).startsWith("..")) problems.push(`${spec} is outside policies/`);
        } else if (!BUILTINS.has(spec.replace(/^node:/, ""))) {
          if (!(packageOf(spec) in packJson.dependencies))
            problems.push(`${spec} is not a declared dependency`);
        }
      }
      expect(problems).toEqual([]);
    },
  );

  it("declares every dependency at the root's exact version, TypeScript included", () => {
    const rootVersions = { ...rootJson.devDependencies, ...rootJson.dependencies };
    const mismatches = Object.entries(packJson.dependencies)
      .filter(([name, version]) => rootVersions[name] !== version)
      .map(([name, version]) => `${name}@${version} (root: ${rootVersions[name] ?? "absent"})`);
    expect(mismatches).toEqual([]);
    expect(packJson.dependencies.typescript).toBe(rootJson.devDependencies.typescript);
  });

  it("compiles with its own tsconfig, as the CLI's ts-node would load it (module nodenext)", () => {
    const tsconfig = JSON.parse(fs.readFileSync(path.join(PACK, "tsconfig.json"), "utf8")) as {
      extends?: string;
      compilerOptions: { module: string; moduleResolution: string; outDir: string };
    };
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions.module).toBe("nodenext");
    expect(tsconfig.compilerOptions.moduleResolution).toBe("nodenext");
    // The entry the CLI requires is what `tsc -p policies` emits for index.ts.
    expect(packJson.main).toBe(`${tsconfig.compilerOptions.outDir}/index.js`);
  });
});
