/**
 * Checks Helm values against the pinned upstream chart (../shared/charts/<chart>/): every key path
 * must exist in the chart's values.yaml or be declared by its values.schema.json, and the values
 * must satisfy that schema. Helm ignores a misspelt key silently; this does not.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020";
import { parse as parseYaml } from "yaml";
import { CHARTS } from "../components/helm/catalog";
import { PROJECT_ROOT } from "../tools/engine/engine";
import type { Plan } from "../tools/engine/plan";
import { UPSTREAM_KEYS_OUTSIDE_VALUES_YAML } from "./upstreamKeysOutsideValues";

export const SHARED_CHARTS_DIR =
  process.env.PRISM_SHARED_CHARTS ?? path.join(PROJECT_ROOT, "..", "shared", "charts");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = {
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  type?: unknown;
  $ref?: string;
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export interface UpstreamChart {
  name: string;
  version: string;
  values: Json;
  schema?: Record<string, unknown>;
}

export function loadUpstream(chartDir: string): UpstreamChart {
  const dir = path.join(SHARED_CHARTS_DIR, chartDir);
  if (!fs.existsSync(dir)) throw new Error(`upstream chart files missing: ${dir} (set PRISM_SHARED_CHARTS)`);
  const chart = parseYaml(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8")) as {
    name: string;
    version: string;
  };
  const schemaFile = path.join(dir, "values.schema.json");
  return {
    name: chart.name,
    version: String(chart.version),
    values: parseYaml(fs.readFileSync(path.join(dir, "values.yaml"), "utf8")) as Json,
    schema: fs.existsSync(schemaFile)
      ? (JSON.parse(fs.readFileSync(schemaFile, "utf8")) as Record<string, unknown>)
      : undefined,
  };
}

/** Key paths in `values` that the upstream chart does not know. */
export function unknownValueKeys(upstream: UpstreamChart, values: unknown): string[] {
  const unknown: string[] = [];
  const walk = (given: unknown, known: unknown, schema: Schema | undefined, at: string) => {
    if (!isObject(given)) return;
    // A free-form map upstream ({} or null, or a schema with open additionalProperties) takes any keys.
    const freeForm =
      known === null ||
      (isObject(known) && Object.keys(known).length === 0) ||
      (schema !== undefined &&
        !schema.properties &&
        schema.additionalProperties !== false &&
        known === undefined);
    if (freeForm) return;
    for (const [key, value] of Object.entries(given)) {
      const where = at ? `${at}.${key}` : key;
      const knownChild = isObject(known) ? known[key] : undefined;
      // A key the schema lists, or one its additionalProperties schema admits (e.g. Traefik's extra
      // entry points under `ports`), which is then checked against that schema.
      const open = isObject(schema?.additionalProperties)
        ? (schema.additionalProperties as Schema)
        : undefined;
      const schemaChild = schema?.properties?.[key] ?? open;
      const declared = (isObject(known) && key in known) || schemaChild !== undefined;
      if (!declared) {
        unknown.push(where);
        continue;
      }
      if (Array.isArray(knownChild)) continue; // lists are element data, not keys
      walk(value, knownChild, schemaChild, where);
    }
  };
  walk(values, upstream.values, upstream.schema as Schema | undefined, "");
  return unknown;
}

/** Schema violations of `values`, or [] when the chart has no schema. */
export function schemaErrors(upstream: UpstreamChart, values: unknown): string[] {
  if (!upstream.schema) return [];
  const draft2020 = String(upstream.schema.$schema ?? "").includes("2020-12");
  const ajv = draft2020
    ? new Ajv2020({ strict: false, allErrors: true })
    : new Ajv({ strict: false, allErrors: true });
  const { $schema: _ignored, ...schema } = upstream.schema;
  // Helm validates the user's values merged over the chart's defaults.
  const merged = deepMerge(upstream.values, values);
  const validate = ajv.compile(schema);
  return validate(merged) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message}`);
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (isObject(base) && isObject(over)) {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
    return out;
  }
  return over === undefined ? base : over;
}

/** Every Helm release in a plan, checked against its pinned upstream chart. */
export function releaseProblems(plan: Plan): string[] {
  const problems: string[] = [];
  for (const r of plan.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release")) {
    const entry = Object.entries(CHARTS).find(([, pin]) => pin.chart === r.inputs.chart);
    if (!entry) {
      problems.push(`${r.name}: chart ${String(r.inputs.chart)} is not in the catalog`);
      continue;
    }
    const [key, pin] = entry;
    const upstream = loadUpstream(key);
    if (r.inputs.version !== pin.version || upstream.version !== pin.version) {
      problems.push(
        `${r.name}: version ${String(r.inputs.version)}, catalog ${pin.version}, upstream files ${upstream.version}`,
      );
    }
    // Keys a template reads that values.yaml does not show, accepted only where documented.
    const documented = UPSTREAM_KEYS_OUTSIDE_VALUES_YAML.filter((u) => u.chart === key).flatMap(
      (u) => u.paths,
    );
    for (const k of unknownValueKeys(upstream, r.inputs.values)) {
      if (!documented.includes(k)) problems.push(`${r.name}: unknown value key ${k}`);
    }
    for (const e of schemaErrors(upstream, r.inputs.values)) problems.push(`${r.name}: schema: ${e}`);
  }
  return problems;
}
