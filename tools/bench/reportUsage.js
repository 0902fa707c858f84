// Preloaded (NODE_OPTIONS=--require) into every benchmarked process: at exit, writes the process's
// peak resident memory and the Pulumi SDK packages it loaded into the directory $PRISM_BENCH_REPORT
// (one file per process: the tsx launcher and the program it runs are two processes).
"use strict";
const fs = require("fs");
const report = process.env.PRISM_BENCH_REPORT;
if (report) {
  process.on("exit", () => {
    const sdks = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules\/(@pulumi\/[^/]+)\//.exec(file);
      if (m) sdks.add(m[1]);
    }
    fs.writeFileSync(
      `${report}/${process.pid}.json`,
      JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS, sdks: [...sdks].sort() }),
    );
  });
}
