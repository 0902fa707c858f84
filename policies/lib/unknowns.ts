/**
 * Values not yet known during a preview. The CLI sends an analyzer each one as a sentinel string;
 * CrossGuard hands policies their props behind a proxy that throws UnknownValueError when a policy
 * reads one, and reports "can't run policy … during preview" (advisory) for that resource, or for the
 * whole stack when a stack policy reads one. The offline evaluator does the same with the same
 * proxy, so a first preview shows exactly which policies cannot decide and on what.
 *
 * Rules that must decide on a first preview read the known properties that settle the question
 * first, and look at a possibly-unknown one only when those do not (`isUnknownValue` lets a rule
 * test a value without reading it through the proxy).
 */

/** The sentinel the engine sends for an unknown value (the string form; CrossGuard's "string value"). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Every sentinel CrossGuard's proxy treats as unknown (@pulumi/policy proxy.ts). */
const SENTINELS = new Set([
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
  UNKNOWN,
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
  "030794c1-ac77-496b-92df-f27374a8bd58",
  "e48ece36-62e2-4504-bad9-02848725956a",
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

export function isUnknownValue(value: unknown): boolean {
  return typeof value === "string" && SENTINELS.has(value);
}

/** True when the value is or holds an unknown anywhere. */
export function containsUnknown(value: unknown): boolean {
  if (isUnknownValue(value)) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/** What CrossGuard calls each sentinel in its message (@pulumi/policy proxy.ts unknownToString). */
const KIND_OF: Record<string, string> = Object.fromEntries(
  [...SENTINELS].map((s, i) => [
    s,
    ["boolean", "number", "string", "Array", "asset", "archive", "Object"][i],
  ]),
);

/** CrossGuard's props proxy answers these keys itself (@pulumi/policy proxy.ts). */
const PROXY_TARGET = "__getSpecialProxyTarget";
const IS_SPECIAL_PROXY = "__isSpecialProxy";

/** Thrown when a policy reads an unknown value: CrossGuard's UnknownValueError, name and message alike. */
export class UnknownValueError extends Error {
  constructor(
    sentinel: string,
    readonly props: string[],
  ) {
    super(`${KIND_OF[sentinel] ?? "string"} value at .${props.join(".")} can't be known during preview`);
    this.name = "UnknownValueError";
  }
}

/**
 * CrossGuard's unknown-checking proxy, rebuilt: every read of a sentinel throws UnknownValueError
 * with its path; objects read from it are proxied in turn. (CrossGuard's own tests `instanceof
 * Object`, which props cloned in another realm, as under a test runner, would slip past.)
 */
function proxyOf<T extends object>(target: T, path: string[]): T {
  return new Proxy(target, {
    get: (obj, prop) => {
      if (prop === IS_SPECIAL_PROXY) return true;
      if (prop === PROXY_TARGET) return obj;
      const next = [...path, String(prop)];
      const field: unknown = Reflect.get(obj, prop);
      if (typeof field === "string" && isUnknownValue(field)) throw new UnknownValueError(field, next);
      // The Proxy invariant: a non-configurable, non-writable data property reads as itself.
      const desc = Object.getOwnPropertyDescriptor(obj, prop);
      if (desc && "value" in desc && desc.configurable === false && desc.writable === false) return field;
      return typeof field === "object" && field !== null ? proxyOf(field, next) : field;
    },
  });
}

/** The props as CrossGuard hands them to a policy during a preview. */
export function unknownCheckingProps<T extends object>(props: T): T {
  return proxyOf(props, []);
}

/** The property path (`.spec.content`) of CrossGuard's UnknownValueError, or undefined for any other error. */
export function unknownPathOf(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.constructor.name !== "UnknownValueError") return undefined;
  const props: unknown = "props" in err ? err.props : undefined;
  return Array.isArray(props) ? `.${props.map(String).join(".")}` : undefined;
}

/**
 * A value as it is, unknowns included, without reading through CrossGuard's proxy (which throws on
 * an unknown): for a rule that decides without the unknown parts.
 */
export function rawValue(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const target: unknown = Reflect.get(value, PROXY_TARGET);
  return typeof target === "object" && target !== null ? target : value;
}

/** A property of some props, unknown or not, without reading it through the proxy. */
export function peek(props: object, key: string): unknown {
  const raw = rawValue(props);
  return typeof raw === "object" && raw !== null ? Reflect.get(raw, key) : undefined;
}

/** The known items of a list (none for anything but a list), leaving out those still unknown. */
export function knownItems(list: unknown): unknown[] {
  const raw = rawValue(list);
  return Array.isArray(raw) ? raw.filter((item) => !isUnknownValue(item)) : [];
}
