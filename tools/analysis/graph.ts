/**
 * The plan's dependency graph: what each resource waits for before the engine can create it —
 * the sources of its inputs, its explicit dependsOn, and its provider — and the component-level
 * view of it, exported as Mermaid (rendered by GitHub in the PR comment) and DOT.
 */

/** The fields the analyses need; both a recorded Plan's resources and a JSON plan's have them. */
export interface GraphResource {
  urn: string;
  type: string;
  name: string;
  custom?: boolean;
  parent?: string;
  provider?: string;
  dependencies: string[];
  options: { dependsOn: string[] };
  /** The resource's inputs, where the analysis reads them (pool labels, pod placement). */
  inputs?: Record<string, unknown>;
}

export const STACK_TYPE = "pulumi:pulumi:Stack";

/** urn → the urns it waits for, restricted to resources in the plan. */
export function waitsFor(resources: GraphResource[]): Map<string, string[]> {
  const known = new Set(resources.map((r) => r.urn));
  const edges = new Map<string, string[]>();
  for (const r of resources) {
    const deps = new Set(r.dependencies.filter((d) => known.has(d)));
    if (r.provider && known.has(r.provider)) deps.add(r.provider);
    deps.delete(r.urn);
    edges.set(r.urn, [...deps].sort());
  }
  return edges;
}

export interface ComponentGraph {
  nodes: { id: string; label: string; type: string }[];
  /** [from, to]: `to` waits for `from`. */
  edges: [string, string][];
}

/** The top-level owner of a resource: the child of the stack it sits under (itself if top-level). */
function topLevelOwner(r: GraphResource, byUrn: Map<string, GraphResource>, stackUrn?: string): string {
  let current = r;
  while (current.parent && current.parent !== stackUrn) {
    const parent = byUrn.get(current.parent);
    if (!parent) break;
    current = parent;
  }
  return current.urn;
}

/** Resources folded into their top-level components, with the waits between components. */
export function componentGraph(resources: GraphResource[]): ComponentGraph {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const stackUrn = resources.find((r) => r.type === STACK_TYPE)?.urn;
  const owner = new Map<string, string>();
  for (const r of resources) if (r.urn !== stackUrn) owner.set(r.urn, topLevelOwner(r, byUrn, stackUrn));
  const nodes = [...new Set(owner.values())].sort().map((urn) => {
    const r = byUrn.get(urn)!;
    return { id: nodeId(urn), label: r.name, type: r.type };
  });
  const edgeSet = new Set<string>();
  for (const [urn, deps] of waitsFor(resources)) {
    const to = owner.get(urn);
    for (const d of deps) {
      const from = owner.get(d);
      if (from && to && from !== to) edgeSet.add(`${nodeId(from)}\0${nodeId(to)}`);
    }
  }
  const edges = [...edgeSet].sort().map((e) => e.split("\0") as [string, string]);
  return { nodes, edges };
}

/** A short identifier, stable for a URN, usable in Mermaid and DOT. */
function nodeId(urn: string): string {
  const [, , qualifiedType = "", name = ""] = urn.split("::");
  const type = qualifiedType.split("$").pop() ?? "";
  return `${type.split(":").pop()}_${name}`.replace(/[^A-Za-z0-9_]/g, "_");
}

export function toMermaid(graph: ComponentGraph): string {
  const lines = ["flowchart LR"];
  for (const n of graph.nodes) lines.push(`  ${n.id}["${n.label}<br/><small>${n.type}</small>"]`);
  for (const [from, to] of graph.edges) lines.push(`  ${from} --> ${to}`);
  return lines.join("\n");
}

export function toDot(graph: ComponentGraph): string {
  const lines = ["digraph prism {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];'];
  for (const n of graph.nodes) lines.push(`  ${n.id} [label="${n.label}\\n${n.type}"];`);
  for (const [from, to] of graph.edges) lines.push(`  ${from} -> ${to};`);
  lines.push("}");
  return lines.join("\n");
}
