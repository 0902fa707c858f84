/**
 * Which property paths of a resource are Pulumi secrets. CrossGuard hands analyzers secret values
 * already unwrapped, so a policy running under the Pulumi CLI cannot see secretness; the offline
 * plan knows it and records it here. Rules that depend on it are not applicable without it.
 */
const secretPaths = new WeakMap<object, readonly string[]>();

export function recordSecretPaths(props: object, paths: readonly string[]): void {
  secretPaths.set(props, paths);
}

/** Secret paths of these props, or undefined when secretness is not known (under CrossGuard). */
export function secretPathsOf(props: object): readonly string[] | undefined {
  return secretPaths.get(props);
}
