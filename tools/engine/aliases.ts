/**
 * The URNs a resource's `aliases` option names, as the engine resolves them: an alias is either a
 * whole URN or a spec whose missing parts (name, type, parent, stack, project) default to the
 * resource's own. The plan records them so a diff pairs a renamed resource with its old URN.
 */
import type { RegisterResourceRequest } from "@pulumi/pulumi/proto/resource_pb";
import { engineUrn } from "./urn";

/** "urn:pulumi:<stack>::<project>::<qualified type>::<name>" → its parts. */
function urnParts(urn: string): { stack: string; project: string; qualifiedType: string } | undefined {
  const match = /^urn:pulumi:([^:]*)::([^:]*)::(.*)::[^:]*$/.exec(urn);
  return match ? { stack: match[1], project: match[2], qualifiedType: match[3] } : undefined;
}

export function aliasUrns(req: RegisterResourceRequest, ownUrn: string): string[] {
  const own = urnParts(ownUrn);
  const out = new Set<string>(req.getAliasurnsList());
  for (const alias of req.getAliasesList()) {
    const whole = alias.getUrn();
    if (whole) {
      out.add(whole);
      continue;
    }
    const spec = alias.getSpec();
    if (!spec || !own) continue;
    const type = spec.getType() || req.getType();
    const name = spec.getName() || req.getName();
    const stack = spec.getStack() || own.stack;
    const project = spec.getProject() || own.project;
    const parentUrn = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
    // Resolved as the engine resolves the resource's own URN (its parent's whole qualified type).
    out.add(engineUrn(stack, project, parentUrn || undefined, type, name));
  }
  return [...out].sort();
}
