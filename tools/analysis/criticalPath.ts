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

function longest(resources: GraphResource[], edges: Map<string, string[]>) {
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
    visiting.delete(urn);
    const r = byUrn.get(urn)!;
    const end = start + assumptionFor(r.type).seconds;
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
      seconds: assumptionFor(r.type).seconds,
      doneAt: doneAt.get(u)!,
    });
  }
  return { total, chain };
}

export function criticalPath(resources: GraphResource[]): CriticalPath {
  const edges = waitsFor(resources);
  const { total, chain } = longest(resources, edges);
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
    const saves = total - longest(resources, without).total;
    explicitWaits.push({ resource: r.urn, waitsFor: prev, savesSeconds: saves });
  }
  return { totalSeconds: total, chain, explicitWaits };
}

export function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  return m > 0 ? `${m} min${s ? ` ${s} s` : ""}` : `${s} s`;
}
