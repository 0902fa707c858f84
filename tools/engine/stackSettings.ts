/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program:
 * every key namespaced (`<project>:<key>` unless it names another package), structured values as
 * JSON strings, project-level defaults from Pulumi.yaml applied, declared types checked, and each
 * `secure:` value — or a declared secret the stack has not set — replaced by a placeholder secret,
 * since the offline plan never has the decryption key or the credentials.
 */
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

export interface StackSettings {
  project: string;
  stack: string;
  /** Flat `<namespace>:<key>` → string, as in `PULUMI_CONFIG`. */
  config: Record<string, string>;
  /** Keys whose values are secret. */
  secretKeys: string[];
}

/** Lets tests and experiments edit the stack file's config map (namespaced key → value). */
export type ConfigMutation = (config: Record<string, unknown>) => void;

type ConfigType = "string" | "integer" | "boolean" | "array";
interface Declaration {
  type?: ConfigType;
  default?: unknown;
  value?: unknown;
  secret?: boolean;
}

export class StackSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackSettingsError";
  }
}

export function placeholderSecret(key: string): string {
  return `offline-placeholder-for-${key}`;
}

function readYaml(file: string): unknown {
  if (!fs.existsSync(file)) throw new StackSettingsError(`${file} does not exist`);
  try {
    return parseYaml(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new StackSettingsError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
}

function describeYaml(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value} (${JSON.stringify(value).slice(0, 40)})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function namespaced(project: string, key: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

function isSecure(value: unknown): value is { secure: string } {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

/** Replaces nested `secure:` values with placeholders; reports whether any was found. */
function resolveSecure(key: string, value: unknown): { value: unknown; secret: boolean } {
  if (isSecure(value)) return { value: placeholderSecret(key), secret: true };
  if (Array.isArray(value)) {
    const items = value.map((v, i) => resolveSecure(`${key}[${i}]`, v));
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (isRecord(value)) {
    let secret = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const r = resolveSecure(`${key}.${k}`, v);
      out[k] = r.value;
      secret ||= r.secret;
    }
    return { value: out, secret };
  }
  return { value, secret: false };
}

function toConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function checkType(key: string, type: ConfigType, value: unknown): void {
  const ok =
    type === "string"
      ? typeof value === "string"
      : type === "integer"
        ? Number.isInteger(value)
        : type === "boolean"
          ? typeof value === "boolean"
          : Array.isArray(value);
  if (!ok) {
    throw new StackSettingsError(
      `Configuration key '${key}' is declared in Pulumi.yaml as ${type} but the stack sets ${JSON.stringify(value)}`,
    );
  }
}

export function loadStackSettings(root: string, stack: string, mutate?: ConfigMutation): StackSettings {
  const projectFile = readYaml(path.join(root, "Pulumi.yaml"));
  if (!isRecord(projectFile) || typeof projectFile.name !== "string") {
    throw new StackSettingsError("Pulumi.yaml has no project name");
  }
  const project = projectFile.name;
  const stackDir =
    typeof projectFile.stackConfigDir === "string" ? path.join(root, projectFile.stackConfigDir) : root;
  const stackFileName = `Pulumi.${stack}.yaml`;
  const stackFile = readYaml(path.join(stackDir, stackFileName));
  if (!isRecord(stackFile)) {
    throw new StackSettingsError(
      `${stackFileName} must be a YAML mapping with a \`config:\` section, but it holds ${describeYaml(stackFile)}`,
    );
  }
  if (!("config" in stackFile)) {
    throw new StackSettingsError(
      `${stackFileName} has no \`config:\` section; its keys (${Object.keys(stackFile).join(", ") || "none"}) ` +
        "must sit under `config:`, e.g. `config:\n  prism:environment: " +
        `${stack}\``,
    );
  }
  if (!isRecord(stackFile.config)) {
    throw new StackSettingsError(
      `${stackFileName}: \`config:\` must be a mapping of keys to values, but it holds ${describeYaml(stackFile.config)}`,
    );
  }
  const stackConfigRaw = stackFile.config;

  const stackConfig: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stackConfigRaw)) stackConfig[namespaced(project, key)] = value;
  mutate?.(stackConfig);

  const config: Record<string, string> = {};
  const secretKeys = new Set<string>();

  for (const [key, raw] of Object.entries(stackConfig)) {
    if (raw === undefined) continue;
    const { value, secret } = resolveSecure(key, raw);
    config[key] = toConfigString(value);
    if (secret) secretKeys.add(key);
  }

  const declarations = isRecord(projectFile.config) ? projectFile.config : {};
  for (const [rawKey, decl] of Object.entries(declarations)) {
    const key = namespaced(project, rawKey);
    const d: Declaration = isRecord(decl) ? decl : { value: decl };
    if (key in stackConfig && stackConfig[key] !== undefined) {
      // The CLI's own check and wording (never the value).
      if (d.secret && !isSecure(stackConfig[key])) {
        throw new StackSettingsError(
          `Stack '${stack}' with configuration key '${rawKey}' must be encrypted as it's secret; ` +
            `remove it from ${stackFileName} and run \`pulumi config set --secret ${rawKey}\``,
        );
      }
      if (d.type && !isSecure(stackConfig[key])) checkType(key, d.type, stackConfig[key]);
      if (d.secret) secretKeys.add(key);
      continue;
    }
    const fallback = d.default ?? d.value;
    if (fallback !== undefined) {
      config[key] = toConfigString(fallback);
    } else if (d.secret) {
      // The CLI would stop here until `pulumi config set --secret`; offline, a placeholder stands in.
      config[key] = placeholderSecret(key);
      secretKeys.add(key);
    } else {
      throw new StackSettingsError(
        `Stack '${stack}' is missing configuration value '${key}' (declared in Pulumi.yaml); set it in Pulumi.${stack}.yaml`,
      );
    }
  }
  return { project, stack, config, secretKeys: [...secretKeys].sort() };
}
