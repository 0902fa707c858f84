/**
 * The deploy critical path: the longest chain of waits in the plan's dependency graph, weighted by
 * how long a cold `pulumi up` takes to create each resource type. The durations are assumptions
 * (below, each with its basis); the chain and the explicit waits on it are facts of the plan.
 */
import { waitsFor, type GraphResource } from "./graph";

export interface DurationAssumption {
  /** Type tokens it applies to: exact, or a prefix ending in "*". */
  match: string;
  seconds: number;
  basis: string;
}

/** First match wins; anything unmatched is a short API call. */
export const DURATIONS: DurationAssumption[] = [
  {
    match: "digitalocean:index/kubernetesCluster:KubernetesCluster",
    seconds: 420,
    basis: "DOKS control plane and first pool: typically 5-8 min",
  },
  {
    match: "digitalocean:index/kubernetesNodePool:KubernetesNodePool",
    seconds: 240,
    basis: "droplets boot and join: 3-5 min",
  },
  { match: "digitalocean:index/vpc:Vpc", seconds: 5, basis: "API call" },
  { match: "digitalocean:index/spacesBucket:SpacesBucket", seconds: 10, basis: "API call" },
  {
    match: "kubernetes:helm.sh/v3:Release",
    seconds: 180,
    basis: "install and wait for readiness (atomic): 1-5 min",
  },
  {
    match: "kubernetes:core/v1:Service",
    seconds: 90,
    basis: "a LoadBalancer Service waits for its DO load balancer (ClusterIP: seconds)",
  },
  { match: "kubernetes:apps/v1:*", seconds: 60, basis: "rollout to ready replicas" },
  { match: "kubernetes:*", seconds: 3, basis: "server-side apply" },
  {
    match: "azure-native:compute:VirtualMachine",
    seconds: 240,
    basis: "confidential VM provisioning: 3-5 min",
  },
  { match: "azure-native:keyvault:*", seconds: 30, basis: "vault/key creation" },
  { match: "azure-native:compute:DiskEncryptionSet", seconds: 30, basis: "API call" },
  { match: "azure-native:network:NatGateway", seconds: 60, basis: "API call" },
  { match: "azure-native:*", seconds: 15, basis: "ARM deployment of a small resource" },
  { match: "gcp:compute/instance:Instance", seconds: 90, basis: "VM boot" },
  { match: "gcp:compute/routerNat:RouterNat", seconds: 60, basis: "API call" },
  { match: "gcp:*", seconds: 15, basis: "API call" },
  { match: "aws:ec2/instance:Instance", seconds: 90, basis: "instance running" },
  { match: "aws:ec2/natGateway:NatGateway", seconds: 120, basis: "NAT gateway available: 1-3 min" },
  { match: "aws:*", seconds: 10, basis: "API call" },
  { match: "cloudflare:*", seconds: 3, basis: "API call" },
  { match: "vault:*", seconds: 2, basis: "API call" },
  { match: "pulumi:providers:*", seconds: 0, basis: "provider configuration" },
  { match: "prism:*", seconds: 0, basis: "component: no cloud work of its own" },
  { match: "pulumi:pulumi:Stack", seconds: 0, basis: "the stack itself" },
];

/**
 * A workload pinned to a node pool (its pods' nodeSelector names the pool's labels) has no edge
 * to the pool in the graph, yet Pulumi's wait for it (a Release's Helm wait, a workload's rollout)
 * cannot end before the pool's nodes are Ready and the pods have started there.
 */
export const PLACED_POD_START: DurationAssumption = {
  match: "nodeSelector",
  seconds: 120,
  basis: "pods on nodes that have just joined: volume create and attach, image pull, readiness (1-3 min)",
};

const NODE_POOL = "digitalocean:index/kubernetesNodePool:KubernetesNodePool";
/** The resources Pulumi waits on until their pods are ready. */
const AWAITS_PODS = (type: string) =>
  type === "kubernetes:helm.sh/v3:Release" || type.startsWith("kubernetes:apps/v1:");

/** Every nodeSelector in a resource's inputs (a Release's values, a workload's pod template). */
function nodeSelectors(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(value)) for (const v of value) nodeSelectors(v, found);
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (k === "nodeSelector" && v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length)
        found.push(v as Record<string, unknown>);
      else nodeSelectors(v, found);
    }
  return found;
}

/** urn → the node pools its pods are pinned to (a pool matches when it carries every selected label). */
export function placements(resources: GraphResource[]): Map<string, string[]> {
  const pools = resources
    .filter((r) => r.type === NODE_POOL)
    .map((r) => ({ urn: r.urn, labels: (r.inputs?.labels ?? {}) as Record<string, unknown> }));
  const out = new Map<string, string[]>();
  for (const r of resources) {
    if (!AWAITS_PODS(r.type)) continue;
    const selectors = nodeSelectors(r.inputs);
    const on = pools
      .filter((p) => selectors.some((sel) => Object.entries(sel).every(([k, v]) => p.labels[k] === v)))
      .map((p) => p.urn);
    if (on.length) out.set(r.urn, on);
  }
  return out;
}

export function assumptionFor(type: string): DurationAssumption {
  return (
    DURATIONS.find((d) =>
      d.match.endsWith("*") ? type.startsWith(d.match.slice(0, -1)) : type === d.match,
    ) ?? {
      match: "*",
      seconds: 5,
      basis: "unlisted type: a short API call",
    }
  );
}

export interface PathStep {
  urn: string;
  type: string;
  name: string;
  /** Seconds this step adds to the one before it on the chain. */
  seconds: number;
  /** Seconds after the start of `pulumi up` that this resource is done. */
  doneAt: number;
}

export interface ExplicitWait {
  resource: string;
  waitsFor: string;
  /** How much shorter the whole deploy would be without this wait. */
  savesSeconds: number;
}

export interface CriticalPath {
  totalSeconds: number;
  chain: PathStep[];
  /**
   * Explicit dependsOn edges on the chain, which carry no data: each is either an order the
   * program needs (a CRD, a store) or a needless wait; the saving says what it costs.
   */
  explicitWaits: ExplicitWait[];
}

function longest(resources: GraphResource[], edges: Map<string, string[]>, placed: Map<string, string[]>) {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const doneAt = new Map<string, number>();
  const via = new Map<string, string | undefined>();
  const visiting = new Set<string>();
  const finish = (urn: string): number => {
    const cached = doneAt.get(urn);
    if (cached !== undefined) return cached;
    if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
    visiting.add(urn);
    let start = 0;
    let before: string | undefined;
    for (const d of edges.get(urn) ?? []) {
      const t = finish(d);
      if (t > start || (t === start && before === undefined)) {
        start = t;
        before = d;
      }
    }
    const r = byUrn.get(urn)!;
    let end = start + assumptionFor(r.type).seconds;
    for (const pool of placed.get(urn) ?? []) {
      const ready = finish(pool) + PLACED_POD_START.seconds;
      if (ready > end) {
        end = ready;
        before = pool;
      }
    }
    visiting.delete(urn);
    doneAt.set(urn, end);
    via.set(urn, before);
    return end;
  };
  let last: string | undefined;
  let total = 0;
  for (const r of resources) {
    const t = finish(r.urn);
    if (t > total) {
      total = t;
      last = r.urn;
    }
  }
  const chain: PathStep[] = [];
  for (let u = last; u; u = via.get(u)) {
    const r = byUrn.get(u)!;
    chain.unshift({
      urn: u,
      type: r.type,
      name: r.name,
      // What this step adds after the one before it: its own duration, or for a workload on a
      // node pool, the pods' start after the pool.
      seconds: doneAt.get(u)! - (via.get(u) ? doneAt.get(via.get(u)!)! : 0),
      doneAt: doneAt.get(u)!,
    });
  }
  return { total, chain };
}

export function criticalPath(resources: GraphResource[]): CriticalPath {
  const edges = waitsFor(resources);
  const placed = placements(resources);
  const { total, chain } = longest(resources, edges, placed);
  const explicitWaits: ExplicitWait[] = [];
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  for (let i = 1; i < chain.length; i++) {
    const r = byUrn.get(chain[i].urn)!;
    const prev = chain[i - 1].urn;
    if (!r.options.dependsOn.includes(prev)) continue;
    const without = new Map(edges);
    without.set(
      r.urn,
      (edges.get(r.urn) ?? []).filter((d) => d !== prev),
    );
    const saves = total - longest(resources, without, placed).total;
    explicitWaits.push({ resource: r.urn, waitsFor: prev, savesSeconds: saves });
  }
  return { totalSeconds: total, chain, explicitWaits };
}

export function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} min${s ? ` ${s} s` : ""}` : `${s} s`;
}
