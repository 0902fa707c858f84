/**
 * The pack config as the Pulumi CLI turns a `--policy-pack-config` file into the analyzer's
 * Configure request (pkg/resource/analyzer/config.go: parsePolicyPackConfig, then
 * ReconcilePolicyPackConfig): every policy starts from the level the pack reports and its schema's
 * top-level defaults; `all` sets every policy's level; a policy's own entry then overrides level
 * and merges properties; the result is validated against each schema. Names that are no policy
 * are passed through untouched and the pack ignores them — the CLI does not reject them.
 */
import Ajv from "ajv";
import type { EnforcementLevel, Policies } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL } from "./pack";

/** A policy's config schema as GetAnalyzerInfo carries it (properties and required only). */
export interface ConfigSchemaInfo {
  properties?: Record<string, unknown>;
  required?: string[];
}

/** What GetAnalyzerInfo tells the CLI about a policy. */
export interface PolicyInfo {
  name: string;
  enforcementLevel: EnforcementLevel;
  configSchema?: ConfigSchemaInfo;
}

/** One policy's entry of the Configure request. */
export interface PolicyConfigEntry {
  enforcementLevel?: EnforcementLevel;
  properties: Record<string, unknown>;
}

export type ReconciledConfig = Record<string, PolicyConfigEntry>;

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];

function isLevel(value: unknown): value is EnforcementLevel {
  return typeof value === "string" && LEVELS.includes(value);
}

export function policyInfos(policies: Policies): PolicyInfo[] {
  return policies.map((p) => ({
    name: p.name,
    enforcementLevel: p.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL,
    configSchema: p.configSchema,
  }));
}

/** A config file's JSON as the CLI parses it: level strings or objects, `environments` set aside. */
export function parsePackConfigFile(json: unknown): ReconciledConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new Error("policy pack config must be a JSON object of policy names");
  }
  const result: ReconciledConfig = {};
  for (const [name, value] of Object.entries(json)) {
    if (name === "environments") continue;
    let entry: PolicyConfigEntry;
    if (typeof value === "string") {
      if (!isLevel(value))
        throw new Error(`parsing enforcement level for "${name}": "${value}" is not valid`);
      entry = { enforcementLevel: value, properties: {} };
    } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const { enforcementLevel, ...properties } = value as Record<string, unknown>;
      if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
        throw new Error(
          `parsing enforcement level for "${name}": ${JSON.stringify(enforcementLevel)} is not one of ${LEVELS.join(", ")}`,
        );
      }
      entry = { enforcementLevel, properties };
    } else {
      throw new Error(`parsing "${name}": must be an enforcement level or an object`);
    }
    if (entry.enforcementLevel === undefined && Object.keys(entry.properties).length === 0) continue;
    result[name] = entry;
  }
  return result;
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new WeakMap<ConfigSchemaInfo, ReturnType<typeof ajv.compile>>();

/** The CLI validates `{type: object, properties, required}` of each schema (convertSchema). */
function validatorOf(schema: ConfigSchemaInfo) {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile({ type: "object", properties: schema.properties, required: schema.required });
    validators.set(schema, validate);
  }
  return validate;
}

/** The Configure request the CLI sends for this file (throws on schema violations, as the CLI stops). */
export function reconcilePackConfig(infos: PolicyInfo[], file: ReconciledConfig): ReconciledConfig {
  const result: ReconciledConfig = {};
  for (const info of infos) {
    const properties: Record<string, unknown> = {};
    for (const [k, schema] of Object.entries(info.configSchema?.properties ?? {})) {
      if (typeof schema === "object" && schema !== null && "default" in schema) {
        properties[k] = structuredClone(schema.default);
      }
    }
    result[info.name] = { enforcementLevel: info.enforcementLevel, properties };
  }
  const all = file.all?.enforcementLevel;
  if (all) for (const entry of Object.values(result)) entry.enforcementLevel = all;
  for (const [name, given] of Object.entries(file)) {
    const current = result[name] ?? { properties: {} };
    result[name] = {
      enforcementLevel: given.enforcementLevel ?? current.enforcementLevel,
      properties: { ...current.properties, ...given.properties },
    };
  }
  const errors: string[] = [];
  for (const info of infos) {
    if (!info.configSchema) continue;
    const validate = validatorOf(info.configSchema);
    if (!validate(result[info.name].properties)) {
      for (const e of validate.errors ?? [])
        errors.push(`${info.name}: ${e.instancePath || "(root)"} ${e.message}`);
    }
  }
  if (errors.length) throw new Error(`validating policy config: ${errors.sort().join("; ")}`);
  return result;
}
