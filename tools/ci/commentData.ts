/**
 * The data the PR plan job hands to the comment job. The plan job runs the pull request's own
 * code, so everything here is untrusted: the comment job reads it only through readCommentData,
 * which bounds its size, refuses anything but a regular file and checks every field's shape and
 * length. Nothing in it decides where the comment goes.
 */
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";

export const COMMENT_DATA_FILE = "comment.json";
/** Far above a real comment's data (a few hundred KiB for both stacks), far below memory trouble. */
export const MAX_COMMENT_DATA_BYTES = 4 * 1024 * 1024;

const text = (max: number) => z.string().max(max);
const usd = z.number().finite();

const Violation = z
  .object({
    policy: text(200),
    enforcementLevel: text(40),
    message: text(4000),
    urn: text(2000).optional(),
  })
  .strict();

const Change = z
  .object({ path: text(2000), before: z.unknown(), after: z.unknown(), replaces: z.boolean() })
  .strict();

const Resource = z
  .object({
    kind: z.enum(["add", "delete", "update", "replace"]),
    urn: text(2000),
    type: text(300),
    name: text(300),
    changes: z.array(Change).max(2000),
  })
  .strict();

const Danger = z
  .object({
    kind: z.enum([
      "loses-data",
      "loses-identity",
      "create-only",
      "cascade",
      "rename-without-alias",
      "protection-off",
      "persistence-off",
      "retention-shortened",
    ]),
    urn: text(2000),
    name: text(300),
    type: text(300),
    message: text(4000),
  })
  .strict();

const Diff = z
  .object({
    base: text(100),
    head: text(100),
    resources: z.array(Resource).max(10000),
    newViolations: z.array(Violation).max(2000),
    fixedViolations: z.array(Violation).max(2000),
    dangers: z.array(Danger).max(10000),
    cost: z
      .object({
        before: usd,
        after: usd,
        maxBefore: usd.optional(),
        maxAfter: usd.optional(),
        items: z
          .array(
            z
              .object({
                item: text(1000),
                priceKey: text(300),
                before: usd,
                after: usd,
                maxBefore: usd,
                maxAfter: usd,
              })
              .strict(),
          )
          .max(10000),
      })
      .strict()
      .optional(),
  })
  .strict();

/** ok: planned; failed: the plan exited non-zero; install: npm ci failed; missing: never ran. */
const Side = z
  .object({ status: z.enum(["ok", "failed", "install", "missing"]), reason: text(4000).optional() })
  .strict();

const StackData = z
  .object({
    stack: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
    base: Side,
    head: Side,
    headMandatory: z.array(Violation).max(2000),
    diff: Diff.optional(),
  })
  .strict();

export const CommentData = z
  .object({ schema: z.literal(1), stacks: z.array(StackData).min(1).max(4) })
  .strict();
export type CommentData = z.infer<typeof CommentData>;
export type StackCommentData = z.infer<typeof StackData>;
export type SideStatus = z.infer<typeof Side>;

export type ReadResult = { ok: true; data: CommentData } | { ok: false; problem: string };

/** Reads and validates the artifact; a problem is described without echoing the artifact's bytes. */
export function readCommentData(dir: string): ReadResult {
  const file = path.join(dir, COMMENT_DATA_FILE);
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(file);
  } catch {
    return { ok: false, problem: "the plan run uploaded no comment data" };
  }
  if (!stat.isFile()) return { ok: false, problem: `${COMMENT_DATA_FILE} is not a regular file` };
  if (stat.size > MAX_COMMENT_DATA_BYTES)
    return {
      ok: false,
      problem: `${COMMENT_DATA_FILE} is ${stat.size} bytes, over the ${MAX_COMMENT_DATA_BYTES}-byte limit`,
    };
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return { ok: false, problem: `${COMMENT_DATA_FILE} is not JSON` };
  }
  const parsed = CommentData.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .slice(0, 120);
    return {
      ok: false,
      problem: `${COMMENT_DATA_FILE} does not match the comment data schema at \`$${at}\` (${issue.code})`,
    };
  }
  return { ok: true, data: parsed.data };
}
