/**
 * URNs as the Pulumi engine builds them (Deployment.generateURN → resource.NewURN):
 * `urn:pulumi:<stack>::<project>::<qualified type>::<name>`, where the qualified type of a child is
 * its parent's whole qualified type, `$`, its own type — except that children of the root stack
 * (top-level resources) carry no `pulumi:pulumi:Stack$` prefix. Policy config that names URNs and
 * plan diffs therefore match real stacks. (The SDK's mock monitor keeps only the parent's last type
 * and prefixes top-level resources with the stack's type.)
 */
import { STACK_TYPE } from "./plan";

/** The qualified type of a URN: the type chain `a$b$c` (the third `::` segment). */
export function qualifiedTypeOf(urn: string): string {
  const parts = urn.split("::");
  if (parts.length < 4 || !parts[0].startsWith("urn:pulumi:")) throw new Error(`not a Pulumi URN: ${urn}`);
  return parts[2];
}

export function engineUrn(
  stack: string,
  project: string,
  parent: string | undefined,
  type: string,
  name: string,
) {
  const parentType = parent ? qualifiedTypeOf(parent) : "";
  const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * The engine's default provider for a package: `pulumi:providers:<pkg>` named `default`, or
 * `default_<major>_<minor>_<patch>` when the SDK asked for a version (ProviderRequest.DefaultName).
 */
export function defaultProviderUrn(stack: string, project: string, type: string, version: string): string {
  const pkg = type.split(":")[0];
  const v = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(version);
  const name = v ? ["default", v[1], v[2], v[3], ...(v[4] ? v[4].split(".") : [])].join("_") : "default";
  return engineUrn(stack, project, undefined, `pulumi:providers:${pkg}`, name);
}
