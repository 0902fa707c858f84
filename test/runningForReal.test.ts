/**
 * The README's "Running for real" is what a first real deployment follows: it names every secret
 * the program requires, the clouds each stack needs, the bootstrap order, and refresh/destroy.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/engine/engine";

const read = (...p: string[]) => fs.readFileSync(path.join(PROJECT_ROOT, ...p), "utf8");
const section = /^## Running for real\n([\s\S]*?)^## /m.exec(read("README.md"))?.[1] ?? "";

describe("README: Running for real", () => {
  it("names every secret the program reads", () => {
    const keys = [...read("stacks", "secrets.ts").matchAll(/config\.(?:require|get)Secret\("(\w+)"\)/g)].map(
      (m) => m[1],
    );
    expect(keys.length).toBeGreaterThan(5);
    expect(keys.filter((k) => !section.includes(`\`${k}\``))).toEqual([]);
  });

  it("says what each stack needs and in which order the bootstrap runs", () => {
    expect(section).toMatch(/\*\*What each stack needs\.\*\*/);
    for (const stack of ["staging", "production"]) expect(section).toContain(`| \`${stack}\` |`);
    const order = /\*\*Bootstrap order\*\*([\s\S]*?)\n\n[^\d ]/.exec(section)?.[1] ?? "";
    const steps = [
      "ci-trust",
      "First `pulumi up`",
      "openbaoToken",
      "Second `pulumi up`",
      "externalIntermediateCertificate",
    ];
    const at = steps.map((s) => order.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  });

  it("covers refresh and destroy", () => {
    expect(section).toContain("pulumi refresh --run-program");
    expect(section).toContain("pulumi destroy --run-program");
  });
});
