/**
 * Checks Helm values against the pinned chart as vendored (charts/vendor/<chart>-<version>.tgz, the
 * very archive the release installs): every key path must exist in the chart's values.yaml, a
 * subchart's values.yaml (under its name or alias), or be declared by a values.schema.json, and the
 * values must satisfy those schemas. Helm ignores a misspelt key silently; this does not.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020";
import { CHARTS, vendoredChartArchive, type ChartName } from "../components/helm/catalog";
import { releaseChartPath } from "../components/helm/helmRelease";
import { readChartArchive, type ArchiveChart } from "../tools/charts/archive";
import { PROJECT_ROOT } from "../tools/engine/engine";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { UPSTREAM_KEYS_OUTSIDE_VALUES_YAML } from "./upstreamKeysOutsideValues";

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
  /** Subcharts by the values key the parent hands them (alias, else name). */
  subcharts: Record<string, UpstreamChart>;
}

function fromArchive(chart: ArchiveChart): UpstreamChart {
  const subcharts: Record<string, UpstreamChart> = {};
  for (const dep of chart.dependencies) {
    const sub = chart.subcharts.get(dep.name);
    if (sub) subcharts[dep.alias ?? dep.name] = fromArchive(sub);
  }
  return { name: chart.name, version: chart.version, values: chart.values, schema: chart.schema, subcharts };
}

const loaded = new Map<ChartName, UpstreamChart>();

/** The vendored archive of a catalog chart, read in memory (once per test process). */
export function loadUpstream(name: ChartName): UpstreamChart {
  const cached = loaded.get(name);
  if (cached) return cached;
  const file = path.join(PROJECT_ROOT, vendoredChartArchive(name));
  if (!fs.existsSync(file)) throw new Error(`vendored chart archive missing: ${vendoredChartArchive(name)}`);
  const chart = fromArchive(readChartArchive(fs.readFileSync(file), vendoredChartArchive(name)));
  loaded.set(name, chart);
  return chart;
}

/** The catalog chart a planned Release installs, by the archive path its `chart` input names. */
export function chartOfRelease(r: PlannedResource): ChartName | undefined {
  return (Object.keys(CHARTS) as ChartName[]).find((name) => releaseChartPath(name) === r.inputs.chart);
}

/** The planned Release of a catalog chart, if any. */
export function releaseOf(plan: Plan, name: ChartName): PlannedResource | undefined {
  return plan.resources.find((r) => r.type === "kubernetes:helm.sh/v3:Release" && chartOfRelease(r) === name);
}

/** Values as Helm sees them for key checking: subchart defaults under their key, parent's over them. */
function knownValues(upstream: UpstreamChart): Json {
  if (!isObject(upstream.values) || Object.keys(upstream.subcharts).length === 0) return upstream.values;
  const out: { [key: string]: Json } = { ...upstream.values };
  for (const [key, sub] of Object.entries(upstream.subcharts)) {
    out[key] = deepMerge(knownValues(sub), upstream.values[key]) as Json;
  }
  return out;
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
  walk(values, knownValues(upstream), upstream.schema as Schema | undefined, "");
  return unknown;
}

/** Schema violations of `values` for the chart and each subchart that has a schema; [] when none. */
export function schemaErrors(upstream: UpstreamChart, values: unknown): string[] {
  const own = ownSchemaErrors(upstream, values);
  const subErrors = Object.entries(upstream.subcharts).flatMap(([key, sub]) => {
    const parentDefaults = isObject(upstream.values) ? upstream.values[key] : undefined;
    const given = deepMerge(parentDefaults, isObject(values) ? values[key] : undefined);
    return schemaErrors(sub, given).map((e) => `${key}: ${e}`);
  });
  return [...own, ...subErrors];
}

function ownSchemaErrors(upstream: UpstreamChart, values: unknown): string[] {
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
    const key = chartOfRelease(r);
    if (!key) {
      problems.push(`${r.name}: chart ${String(r.inputs.chart)} is not a vendored archive of the catalog`);
      continue;
    }
    const pin = CHARTS[key];
    const upstream = loadUpstream(key);
    if (r.inputs.version !== pin.version || upstream.version !== pin.version) {
      problems.push(
        `${r.name}: version ${String(r.inputs.version)}, catalog ${pin.version}, vendored archive ${upstream.version}`,
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
