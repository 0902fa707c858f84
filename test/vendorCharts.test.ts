import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { parse as parseYaml } from "yaml";
import { CHARTS, vendoredChartArchive, type ChartName } from "../components/helm/catalog";
import { PULUMI_WORKING_DIR, releaseChartPath } from "../components/helm/helmRelease";
import { readChartArchive, sha256, untar } from "../tools/charts/archive";
import {
  indexDigest,
  pendingUpdates,
  pullArgs,
  updatedLock,
  vendorProblems,
  verifyPulledChart,
  type Expected,
  type Listing,
  type Lock,
} from "../tools/charts/lock";
import { updateVendor, type Edges } from "../tools/charts/update";
import { expectedFromCatalog, listVendor, readLock, VENDOR_PATH } from "../tools/charts/vendor";
import { PROJECT_ROOT } from "../tools/engine/engine";
import { planOf } from "./harness";

/** A minimal ustar archive of the given files, gzipped: what `helm package` produces, for fakes. */
function tgz(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, "utf8");
    const header = Buffer.alloc(512);
    header.write(name, 0, 100, "utf8");
    header.write("0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(`${data.length.toString(8).padStart(11, "0")}\0`, 124);
    header.write("00000000000\0", 136);
    header.write("        ", 148);
    header.write("0", 156);
    header.write("ustar\0", 257);
    header.write("00", 263);
    const sum = header.reduce((a, b) => a + b, 0);
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}

const chartTgz = (name: string, version: string) =>
  tgz({ [`${name}/Chart.yaml`]: `name: ${name}\nversion: ${version}\n`, [`${name}/values.yaml`]: "a: 1\n" });

describe("the vendored charts", () => {
  const expected = expectedFromCatalog();
  const lock = readLock();
  const listing = listVendor();

  it("hold every catalog chart and bundle, matching the lock's digests and the catalog's versions", () => {
    expect(vendorProblems(expected, lock, listing)).toEqual([]);
    expect(Object.keys(lock.charts).sort()).toEqual(Object.keys(CHARTS).sort());
  });

  it.each(Object.keys(CHARTS) as ChartName[])(
    "%s: the archive holds the chart at the catalog's version",
    (name) => {
      const file = path.join(PROJECT_ROOT, vendoredChartArchive(name));
      const chart = readChartArchive(fs.readFileSync(file), file);
      expect({ name: chart.name, version: chart.version }).toEqual({
        name: CHARTS[name].chart,
        version: CHARTS[name].version,
      });
      expect(sha256(fs.readFileSync(file))).toBe(lock.charts[name].sha256);
    },
  );

  it("record where each file came from", () => {
    for (const entry of [...Object.values(lock.charts), ...Object.values(lock.bundles)]) {
      const s = entry.source;
      const origin = s.kind === "git" ? s.git : s.kind === "repository" ? s.repo : s.url;
      expect(origin).toMatch(/^(https|oci):\/\//);
      if (s.kind === "git") expect(s.commit ?? s.tag).toBeTruthy();
    }
  });

  it.each(["staging", "production"])(
    "are what every Release of %s installs, by a path the provider resolves",
    async (stack) => {
      // The provider resolves the path against the Pulumi working directory: the project's `main`.
      const project = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8")) as {
        main: string;
      };
      expect(path.normalize(project.main)).toBe(path.normalize(`${PULUMI_WORKING_DIR}/`));
      const releases = (await planOf(stack)).resources.filter(
        (r) => r.type === "kubernetes:helm.sh/v3:Release",
      );
      expect(releases.length).toBeGreaterThan(10);
      for (const r of releases) {
        const chart = String(r.inputs.chart);
        const name = (Object.keys(CHARTS) as ChartName[]).find((n) => releaseChartPath(n) === chart);
        expect({ release: r.name, chart, vendored: name !== undefined }).toEqual({
          release: r.name,
          chart,
          vendored: true,
        });
        expect(r.inputs.repositoryOpts).toBeUndefined();
        const resolved = path.resolve(PROJECT_ROOT, project.main, chart);
        expect(path.relative(VENDOR_PATH, resolved)).toBe(path.basename(chart));
        const entry = lock.charts[name!];
        expect(sha256(fs.readFileSync(resolved))).toBe(entry.sha256);
        expect(r.inputs.version).toBe(entry.version);
      }
    },
    180_000,
  );
});

describe("the lock rules", () => {
  const expected: Expected = {
    charts: {
      app: { chart: "app", version: "1.2.0", repo: "https://charts.example.com", file: "app-1.2.0.tgz" },
    },
    bundles: {
      crds: { version: "v2.0.0", file: "crds-v2.0.0.yaml.gz", url: "https://example.com/crds.yaml" },
    },
  };
  const entry = (version: string, file: string, digest: string) => ({
    version,
    file,
    sha256: digest,
    source: { kind: "url" as const, url: "https://example.com" },
  });
  const goodLock = (): Lock => ({
    charts: { app: entry("1.2.0", "app-1.2.0.tgz", "aa") },
    bundles: { crds: entry("v2.0.0", "crds-v2.0.0.yaml.gz", "bb") },
  });
  const goodListing = (): Listing =>
    new Map([
      ["app-1.2.0.tgz", { sha256: "aa", chart: { name: "app", version: "1.2.0" } }],
      ["crds-v2.0.0.yaml.gz", { sha256: "bb" }],
    ]);

  it("accept a folder, lock and catalog that agree", () => {
    expect(vendorProblems(expected, goodLock(), goodListing())).toEqual([]);
    expect(pendingUpdates(expected, goodLock(), goodListing())).toEqual({ charts: [], bundles: [] });
  });

  it("report a missing archive", () => {
    const listing = goodListing();
    listing.delete("app-1.2.0.tgz");
    expect(vendorProblems(expected, goodLock(), listing)).toEqual([
      "charts.app: app-1.2.0.tgz is missing from the vendor folder",
    ]);
    expect(pendingUpdates(expected, goodLock(), listing).charts).toEqual(["app"]);
  });

  it("report an archive that differs from the lock", () => {
    const listing = goodListing();
    listing.set("app-1.2.0.tgz", { sha256: "cc", chart: { name: "app", version: "1.2.0" } });
    expect(vendorProblems(expected, goodLock(), listing)).toEqual([
      "charts.app: app-1.2.0.tgz has sha256 cc, lock aa",
    ]);
  });

  it("report an archive holding another version than its name and the catalog say", () => {
    const listing = goodListing();
    listing.set("app-1.2.0.tgz", { sha256: "aa", chart: { name: "app", version: "1.1.0" } });
    expect(vendorProblems(expected, goodLock(), listing)).toEqual([
      "charts.app: archive holds chart app 1.1.0, catalog pins app 1.2.0",
    ]);
  });

  it("report a stale lock after a catalog bump, and what the update must fetch", () => {
    const bumped: Expected = {
      ...expected,
      charts: { app: { ...expected.charts.app, version: "1.3.0", file: "app-1.3.0.tgz" } },
    };
    expect(vendorProblems(bumped, goodLock(), goodListing())).toEqual([
      "charts.app: lock has version 1.2.0, catalog 1.3.0 (stale)",
      "charts.app: lock names file app-1.2.0.tgz, catalog expects app-1.3.0.tgz",
      "charts.app: archive holds chart app 1.2.0, catalog pins app 1.3.0",
    ]);
    expect(pendingUpdates(bumped, goodLock(), goodListing())).toEqual({ charts: ["app"], bundles: [] });
  });

  it("report entries and files the catalog no longer names", () => {
    const lock = goodLock();
    lock.charts.old = entry("0.1.0", "old-0.1.0.tgz", "dd");
    const listing = goodListing();
    listing.set("old-0.1.0.tgz", { sha256: "dd" });
    listing.set("stray.tgz", { sha256: "ee" });
    expect(vendorProblems(expected, lock, listing)).toEqual([
      "charts.old: in the lock but not in the catalog",
      "stray.tgz: in the vendor folder but not in the lock",
    ]);
    const next = updatedLock(expected, lock, [], listing);
    expect(Object.keys(next.lock.charts)).toEqual(["app"]);
    expect(next.remove).toEqual(["old-0.1.0.tgz", "stray.tgz"]);
  });

  it("report a catalog chart the lock lacks", () => {
    const lock = goodLock();
    delete lock.charts.app;
    expect(vendorProblems(expected, lock, goodListing())).toEqual([
      "charts.app: catalog pins 1.2.0 but the lock has no entry",
      "app-1.2.0.tgz: in the vendor folder but not in the lock",
    ]);
  });

  it("rewrite fetched entries and keep the others", () => {
    const fetched = entry("1.2.0", "app-1.2.0.tgz", "ff");
    const next = updatedLock(
      expected,
      goodLock(),
      [{ section: "charts", name: "app", entry: fetched }],
      goodListing(),
    );
    expect(next.lock.charts.app).toEqual(fetched);
    expect(next.lock.bundles.crds).toEqual(goodLock().bundles.crds);
    expect(next.remove).toEqual([]);
  });

  it("verify a pulled archive: its chart, its version, the digest the index publishes", () => {
    const want = { chart: "app", version: "1.2.0" };
    expect(verifyPulledChart(want, { name: "app", version: "1.2.0", sha256: "ab" }, "ab")).toEqual([]);
    expect(verifyPulledChart(want, { name: "app", version: "1.2.0", sha256: "ab" }, undefined)).toEqual([]);
    expect(verifyPulledChart(want, { name: "other", version: "1.1.0", sha256: "ab" }, "sha256:cd")).toEqual([
      "pulled chart is named other, expected app",
      "pulled chart has version 1.1.0, expected 1.2.0",
      "pulled archive has sha256 ab, the repository index publishes sha256:cd",
    ]);
    const index = {
      entries: {
        app: [
          { version: "1.1.0", digest: "x" },
          { version: "1.2.0", digest: "y" },
        ],
      },
    };
    expect(indexDigest(index, "app", "1.2.0")).toBe("y");
    expect(indexDigest(index, "app", "9.9.9")).toBeUndefined();
  });

  it("pull from a repository by --repo, from an OCI registry by reference, from nothing else", () => {
    expect(pullArgs({ chart: "app", repo: "https://charts.example.com", version: "1.2.0" }, "/d")).toEqual([
      "pull",
      "app",
      "--repo",
      "https://charts.example.com",
      "--version",
      "1.2.0",
      "--destination",
      "/d",
    ]);
    expect(pullArgs({ chart: "app", repo: "oci://ghcr.io/org/charts/", version: "1.2.0" }, "/d")).toEqual([
      "pull",
      "oci://ghcr.io/org/charts/app",
      "--version",
      "1.2.0",
      "--destination",
      "/d",
    ]);
    expect(() =>
      pullArgs({ chart: "app", repo: "http://charts.example.com", version: "1.2.0" }, "/d"),
    ).toThrow(/neither https:\/\/ nor oci:\/\//);
  });
});

describe("charts:update against fake edges", () => {
  /** A copy of the real vendor folder in which one chart's lock entry is stale. */
  function staleCopy(stale: ChartName): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-"));
    for (const f of fs.readdirSync(VENDOR_PATH))
      fs.copyFileSync(path.join(VENDOR_PATH, f), path.join(dir, f));
    const lock = readLock(dir);
    const old = lock.charts[stale];
    fs.rmSync(path.join(dir, old.file));
    fs.writeFileSync(
      path.join(dir, `${CHARTS[stale].chart}-0.0.1.tgz`),
      chartTgz(CHARTS[stale].chart, "0.0.1"),
    );
    lock.charts[stale] = { ...old, version: "0.0.1", file: `${CHARTS[stale].chart}-0.0.1.tgz` };
    fs.writeFileSync(path.join(dir, "charts.lock.json"), JSON.stringify(lock));
    return dir;
  }
  const pin = CHARTS.valkey;
  const published = chartTgz(pin.chart, pin.version);

  function edges(archive: Buffer, digest: string | undefined, calls: string[][]): Edges {
    return {
      helm: (args) => {
        calls.push(args);
        const dest = args[args.indexOf("--destination") + 1];
        fs.writeFileSync(path.join(dest, `${pin.chart}-${pin.version}.tgz`), archive);
      },
      get: async (url) =>
        url === `${pin.repo}/index.yaml`
          ? Buffer.from(`entries:\n  ${pin.chart}:\n    - version: ${pin.version}\n      digest: ${digest}\n`)
          : undefined,
    };
  }

  it("pulls only the stale chart, verifies it, replaces the old archive and rewrites the lock", async () => {
    const dir = staleCopy("valkey");
    const calls: string[][] = [];
    const problems = await updateVendor(edges(published, sha256(published), calls), { vendorDir: dir });
    expect(problems).toEqual([]);
    expect(calls).toHaveLength(1);
    expect(calls[0].slice(0, 6)).toEqual(["pull", pin.chart, "--repo", pin.repo, "--version", pin.version]);
    const lock = readLock(dir);
    expect(lock.charts.valkey).toMatchObject({
      version: pin.version,
      file: `${pin.chart}-${pin.version}.tgz`,
      sha256: sha256(published),
      source: { kind: "repository", repo: pin.repo, chart: pin.chart, publishedDigest: sha256(published) },
    });
    expect(fs.existsSync(path.join(dir, `${pin.chart}-0.0.1.tgz`))).toBe(false);
    // Untouched entries keep their provenance.
    expect(lock.charts.traefik).toEqual(readLock().charts.traefik);
    fs.rmSync(dir, { recursive: true });
  });

  it("changes nothing when the pulled archive does not match the published digest", async () => {
    const dir = staleCopy("valkey");
    const before = fs.readFileSync(path.join(dir, "charts.lock.json"), "utf8");
    await expect(updateVendor(edges(published, "ab".repeat(32), []), { vendorDir: dir })).rejects.toThrow(
      /valkey: pulled archive has sha256 [0-9a-f]{64}, the repository index publishes (ab){32}/,
    );
    expect(fs.readFileSync(path.join(dir, "charts.lock.json"), "utf8")).toBe(before);
    expect(fs.existsSync(path.join(dir, `${pin.chart}-0.0.1.tgz`))).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });

  it("refuses an archive of another version than the catalog pins", async () => {
    const dir = staleCopy("valkey");
    await expect(
      updateVendor(edges(chartTgz(pin.chart, "9.9.9"), undefined, []), { vendorDir: dir }),
    ).rejects.toThrow(`valkey: pulled chart has version 9.9.9, expected ${pin.version}`);
    fs.rmSync(dir, { recursive: true });
  });
});

describe("the archive reader", () => {
  it("reads ustar files, and fails plainly on something that is not an archive", () => {
    const files = untar(zlib.gunzipSync(chartTgz("demo", "0.1.0")));
    expect([...files.keys()]).toEqual(["demo/Chart.yaml", "demo/values.yaml"]);
    expect(readChartArchive(chartTgz("demo", "0.1.0"))).toMatchObject({
      name: "demo",
      version: "0.1.0",
      values: { a: 1 },
    });
    expect(() => readChartArchive(Buffer.from("not a tgz"), "x.tgz")).toThrow(/x\.tgz: not a gzipped tar/);
  });
});
