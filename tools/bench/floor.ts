/**
 * The benchmark's floor: a process that loads the Pulumi SDK packages the plan loaded
 * ($PRISM_BENCH_SDKS, comma-separated) and does nothing else.
 */
const sdks = (process.env.PRISM_BENCH_SDKS ?? "").split(",").filter(Boolean);
if (sdks.length === 0) throw new Error("PRISM_BENCH_SDKS names no packages");
for (const sdk of sdks) require(sdk);
