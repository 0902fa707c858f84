/**
 * Values still unknown during a preview, made renderable. The CLI sends an unknown as a sentinel
 * and CrossGuard's props proxy throws when a policy reads one; reading key by key, each unknown
 * becomes a stable placeholder of its type and its path is recorded, so a Release renders once
 * with placeholders "a" and once with placeholders "b": what differs depends on the unknowns.
 */

/** The wire's sentinels for unknown values (the same strings the Pulumi SDKs use), by type. */
const SENTINELS: Record<string, UnknownKind> = {
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9": "string",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421": "number",
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7": "boolean",
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2": "Array",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff": "Object",
};

export const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

const KINDS = ["string", "number", "boolean", "Array", "Object"] as const;
export type UnknownKind = (typeof KINDS)[number];

/** The placeholders of the two renders: stable, so renders stay cacheable. */
const PLACEHOLDERS: Record<"a" | "b", Record<UnknownKind, () => unknown>> = {
  a: {
    string: () => "preview-unknown-a",
    number: () => 0,
    boolean: () => false,
    Array: () => [],
    Object: () => ({}),
  },
  b: {
    string: () => "preview-unknown-b",
    number: () => 1,
    boolean: () => true,
    Array: () => [],
    Object: () => ({}),
  },
};

export interface UnknownValue {
  /** Dotted path, `[i]` for list items. */
  path: string;
  kind: UnknownKind;
}

/** The kind of unknown CrossGuard's proxy reports in the error it throws on reading one. */
function thrownUnknown(err: unknown): UnknownKind | undefined {
  if (!(err instanceof Error) || !/can't be known during preview/.test(err.message)) return undefined;
  const named = /^(\w+) value/.exec(err.message)?.[1];
  return KINDS.find((k) => k === named) ?? "Object";
}

type Read = { value: unknown } | { unknown: UnknownKind };

function read(container: object, key: string): Read {
  try {
    const value: unknown = Reflect.get(container, key);
    const sentinel = typeof value === "string" ? SENTINELS[value] : undefined;
    return sentinel ? { unknown: sentinel } : { value };
  } catch (err) {
    const kind = thrownUnknown(err);
    if (kind === undefined) throw err;
    return { unknown: kind };
  }
}

function walk(value: unknown, at: string, side: "a" | "b", found: UnknownValue[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  const list = Array.isArray(value);
  const entries = Object.keys(value).map((key): [string, unknown] => {
    const path = list ? `${at}[${key}]` : at ? `${at}.${key}` : key;
    const r = read(value, key);
    if ("unknown" in r) {
      found.push({ path, kind: r.unknown });
      return [key, PLACEHOLDERS[side][r.unknown]()];
    }
    return [key, walk(r.value, path, side, found)];
  });
  return list ? entries.map(([, v]) => v) : Object.fromEntries(entries);
}

/** A plain copy of `value` with placeholders `side` for its unknowns, and where they were. */
export function withPlaceholders(
  value: unknown,
  side: "a" | "b",
): { value: unknown; unknowns: UnknownValue[] } {
  const unknowns: UnknownValue[] = [];
  return { value: walk(value, "", side, unknowns), unknowns };
}

/** One input of a resource: its value, or the kind of unknown it is. */
export function readInput(props: object, key: string): Read {
  return read(props, key);
}
