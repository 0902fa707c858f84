/**
 * Which property paths of a resource are Pulumi secrets. The offline plan records them from the
 * engine; under the Pulumi CLI they come from the wire: the CLI sends secrets marked (the secret
 * signature, MarshalOptions.KeepSecrets) but CrossGuard unwraps them before a policy sees its
 * props, so the serving entry installs `recordSecretsFromWire`, which notes where the marks were.
 * Rules that depend on secretness are not applicable where it is unknown.
 */
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

const secretPaths = new WeakMap<object, readonly string[]>();

/** CrossGuard's props proxy hands out its target under this key (@pulumi/policy proxy.ts). */
const PROXY_TARGET = "__getSpecialProxyTarget";

export function recordSecretPaths(props: object, paths: readonly string[]): void {
  secretPaths.set(props, paths);
}

/** Secret paths of these props, or undefined when secretness is not known. */
export function secretPathsOf(props: Record<string, unknown>): readonly string[] | undefined {
  const target = props[PROXY_TARGET];
  return secretPaths.get(typeof target === "object" && target !== null ? target : props);
}

/** Dotted paths (`a.b[0]`) of the values wrapped in the secret signature, outermost only. */
export function wireSecretPaths(value: unknown, path = "", found: string[] = []): string[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => wireSecretPaths(v, `${path}[${i}]`, found));
  } else if (typeof value === "object" && value !== null) {
    if (specialSigKey in value && value[specialSigKey] === specialSecretSig) {
      found.push(path);
    } else {
      for (const [k, v] of Object.entries(value)) wireSecretPaths(v, path ? `${path}.${k}` : k, found);
    }
  }
  return found;
}

interface WireStruct {
  toJavaScript(): Record<string, unknown>;
}

/**
 * Wraps CrossGuard's deserializer (called for every resource's and provider's props) so that the
 * props it returns carry the paths that arrived secret. @pulumi/policy is pinned to an exact
 * version and the gRPC test exercises this path; if the deserializer moves, the pack refuses to
 * start rather than silently stop checking.
 */
export function recordSecretsFromWire(): void {
  const mod: Record<string, unknown> = require("@pulumi/policy/deserialize");
  const original = mod.deserializeProperties;
  if (typeof original !== "function") {
    throw new Error("@pulumi/policy/deserialize has no deserializeProperties: secretness cannot be tracked");
  }
  mod.deserializeProperties = (struct: WireStruct, proxySecrets: boolean): object => {
    const props: object = original(struct, proxySecrets);
    recordSecretPaths(props, wireSecretPaths(struct.toJavaScript()));
    return props;
  };
}
