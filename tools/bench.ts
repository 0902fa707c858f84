/**
 * `npm run bench`: times the offline plan of each stack against the floor — a process that only
 * loads the same Pulumi SDKs — and prints median wall time, peak memory and the ratio.
 * Each measurement is a fresh process, as a user runs it. Target: production ≤ 2.5× the floor.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { getAnalyzerInfo, installPackedPack, startPack } from "./policy/analyzerWire";

const ROOT = path.resolve(__dirname, "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const PRELOAD = path.join(__dirname, "bench", "reportUsage.js");
const RUNS = Number(process.env.PRISM_BENCH_RUNS ?? 5);
const TARGET_RATIO = 2.5;
/** The packed pack answers GetAnalyzerInfo within this long of a cold start, as the CLI starts it. */
const PACK_START_TARGET_MS = 3000;
const STACKS = ["staging", "production"];
/** The Release render cache (tools/engine/renderReleases.ts): emptied before each cold run. */
const RENDER_CACHE = path.join(ROOT, ".cache", "renders");

interface Sample {
  ms: number;
  maxRssKiB: number;
  sdks: string[];
}

function measure(args: string[], env: Record<string, string> = {}): Sample {
  const report = fs.mkdtempSync(path.join(os.tmpdir(), "prism-bench-"));
  const started = process.hrtime.bigint();
  const result = spawnSync(TSX, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env, NODE_OPTIONS: `--require ${PRELOAD}`, PRISM_BENCH_REPORT: report },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`${args.join(" ")} exited ${result.status}:\n${result.stderr}`);
  }
  const usages = fs
    .readdirSync(report)
    .map(
      (f) =>
        JSON.parse(fs.readFileSync(path.join(report, f), "utf8")) as { maxRssKiB: number; sdks: string[] },
    );
  fs.rmSync(report, { recursive: true, force: true });
  return {
    ms,
    maxRssKiB: Math.max(...usages.map((u) => u.maxRssKiB)),
    sdks: [...new Set(usages.flatMap((u) => u.sdks))].sort(),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function series(runs: number, args: string[], env?: Record<string, string>): Sample[] {
  measure(args, env); // warm the file cache and the render cache; not counted
  return Array.from({ length: runs }, () => measure(args, env));
}

/** A plan with nothing rendered yet: every Release is templated by helm. */
function coldSeries(runs: number, args: string[]): Sample[] {
  return Array.from({ length: runs }, () => {
    fs.rmSync(RENDER_CACHE, { recursive: true, force: true });
    return measure(args);
  });
}

/** Spawn of the packed pack, as the CLI starts it, to its GetAnalyzerInfo reply; a fresh process each time. */
async function packColdStarts(runs: number): Promise<number[]> {
  const dir = installPackedPack();
  const times: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = Date.now();
    const pack = await startPack(dir);
    try {
      await getAnalyzerInfo(pack.client);
      if (i > 0) times.push(Date.now() - started); // the first run warms the file cache
    } finally {
      pack.client.close();
      pack.process.kill();
    }
  }
  return times;
}

async function main(): Promise<number> {
  const rows: string[] = [];
  let failed = false;
  for (const stack of STACKS) {
    const planArgs = [path.join(ROOT, "tools", "plan.ts"), "--stack", stack];
    const cold = coldSeries(Math.max(1, Math.ceil(RUNS / 2)), planArgs);
    const plan = series(RUNS, planArgs);
    const sdks = plan[0].sdks;
    const floor = series(RUNS, [path.join(__dirname, "bench", "floor.ts")], {
      PRISM_BENCH_SDKS: sdks.join(","),
    });
    const planMs = median(plan.map((s) => s.ms));
    const floorMs = median(floor.map((s) => s.ms));
    const ratio = planMs / floorMs;
    const peakMiB = (samples: Sample[]) => (Math.max(...samples.map((s) => s.maxRssKiB)) / 1024).toFixed(0);
    const verdict = stack === "production" ? (ratio <= TARGET_RATIO ? "ok" : "OVER TARGET") : "";
    if (verdict === "OVER TARGET") failed = true;
    rows.push(
      `${stack.padEnd(11)} plan ${planMs.toFixed(0).padStart(6)} ms  ${peakMiB(plan).padStart(5)} MiB | ` +
        `floor ${floorMs.toFixed(0).padStart(6)} ms  ${peakMiB(floor).padStart(5)} MiB | ratio ${ratio.toFixed(2)}× ${verdict}`,
    );
    const coldMs = median(cold.map((s) => s.ms));
    rows.push(
      `${"".padEnd(11)} cold (no rendered Release cached) ${coldMs.toFixed(0).padStart(6)} ms  ${peakMiB(cold).padStart(5)} MiB | ratio ${(coldMs / floorMs).toFixed(2)}×`,
    );
    rows.push(`${"".padEnd(11)} SDKs loaded: ${sdks.join(", ")}`);
  }
  const packMs = median(await packColdStarts(RUNS));
  const packVerdict = packMs <= PACK_START_TARGET_MS ? "ok" : "OVER TARGET";
  if (packVerdict === "OVER TARGET") failed = true;
  rows.push(
    `policy pack cold start to GetAnalyzerInfo ${packMs.toFixed(0).padStart(6)} ms | target ${PACK_START_TARGET_MS} ms ${packVerdict}`,
  );
  process.stdout.write(
    `Offline plan benchmark: median of ${RUNS} runs per series, fresh process each; target warm production ≤ ${TARGET_RATIO}× floor\n` +
      `(warm = rendered Releases cached in .cache/renders; cold = that cache emptied first)\n` +
      `(floor = a process that only loads the same Pulumi SDKs)\n\n${rows.join("\n")}\n`,
  );
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
