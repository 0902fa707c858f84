/**
 * `npm run plan:diff -- <base.json> <head.json> [--title <text>]`:
 * prints the Markdown of one pull-request comment comparing two JSON plans.
 */
import * as fs from "fs";
import { parseArgs } from "util";
import { diffPlans, renderDiffMarkdown } from "./analysis/planDiff";
import { parsePlanJson } from "./engine/plan";

const USAGE = "usage: npm run plan:diff -- <base.json> <head.json> [--title <text>]";

function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { title: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const [baseFile, headFile] = parsed.positionals;
  if (!baseFile || !headFile || parsed.positionals.length > 2) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const base = parsePlanJson(fs.readFileSync(baseFile, "utf8"), baseFile);
    const head = parsePlanJson(fs.readFileSync(headFile, "utf8"), headFile);
    process.stdout.write(renderDiffMarkdown(diffPlans(base, head), parsed.values.title));
    return 0;
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exit(main(process.argv.slice(2)));
