/**
 * ajv validators for CRD schemas, compiled once per schema and kept as standalone code in
 * .cache/crd-validators/: the large CRDs (Prometheus, CNPG, Argo CD) take seconds to compile, and a
 * warm plan should not pay that again. A key is a sha256 over the ajv version, its options and the
 * schema, so a hit is exact.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as vm from "vm";
import Ajv, { type ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { PROJECT_ROOT } from "./engine";

const CACHE_DIR = path.join(PROJECT_ROOT, ".cache", "crd-validators");

/** The module name compiled validators load the pattern engine by. */
const GO_REGEXP_MODULE = "prism:go-regexp";

/**
 * CRD patterns are Go (RE2) regular expressions; JavaScript has no inline flags, so a `(?i)` becomes
 * the `i` flag (for the whole pattern, as every vendored CRD uses it).
 */
export const goRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const inline = /\(\?i\)/g;
    return inline.test(pattern)
      ? new RegExp(pattern.replace(inline, ""), `${flags}i`)
      : new RegExp(pattern, flags);
  },
  { code: `require(${JSON.stringify(GO_REGEXP_MODULE)}).goRegExp` },
);

const OPTIONS = { strict: false, allErrors: true, validateFormats: false, logger: false } as const;
const ajv = new Ajv({ ...OPTIONS, code: { source: true, regExp: goRegExp } });
const AJV_VERSION = (
  JSON.parse(
    fs.readFileSync(path.join(path.dirname(require.resolve("ajv")), "..", "package.json"), "utf8"),
  ) as { version: string }
).version;

const memory = new Map<string, ValidateFunction>();

function isValidator(value: unknown): value is ValidateFunction {
  return typeof value === "function";
}

/** Runs a compiled validator's CommonJS module; its only imports are ajv's runtime and the pattern engine. */
function load(code: string, file: string): ValidateFunction | undefined {
  const wrapper: unknown = vm.runInThisContext(`(function (require, module) {${code}\n})`, {
    filename: file,
  });
  if (typeof wrapper !== "function") return undefined;
  const module: { exports: unknown } = { exports: undefined };
  const requireFor = (id: string): unknown => (id === GO_REGEXP_MODULE ? { goRegExp } : require(id));
  wrapper(requireFor, module);
  return isValidator(module.exports) ? module.exports : undefined;
}

/** The validator of a schema: from memory, from the disk cache, or compiled (and then stored). */
export function cachedValidator(schema: object): ValidateFunction {
  const key = crypto
    .createHash("sha256")
    .update(JSON.stringify([AJV_VERSION, OPTIONS, GO_REGEXP_MODULE, schema]))
    .digest("hex");
  let validate = memory.get(key);
  if (validate) return validate;
  const file = path.join(CACHE_DIR, `${key}.js`);
  if (fs.existsSync(file)) validate = load(fs.readFileSync(file, "utf8"), file);
  if (!validate) {
    validate = ajv.compile(schema);
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, standaloneCode(ajv, validate));
    fs.renameSync(partial, file);
    // Each compiled schema stays in the instance; once stored, it is loaded from disk instead.
    ajv.removeSchema(schema);
  }
  memory.set(key, validate);
  return validate;
}
