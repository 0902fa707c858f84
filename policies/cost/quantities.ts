/**
 * Quantities the bill depends on that live in Kubernetes objects rather than in cloud resources:
 * the block-storage volumes every PVC, StatefulSet volumeClaimTemplate, CloudNativePG Cluster and
 * Prometheus/Alertmanager storage spec will provision, and the load balancers Services ask for.
 * Input is a flat list of objects — rendered chart manifests and the plan's own Kubernetes
 * resources alike (planManifests) — so any renderer's output plugs in unchanged.
 */

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const int = (v: unknown, fallback: number): number => (typeof v === "number" ? v : fallback);

/** A Kubernetes object and where it comes from (a Helm release, or the plan resource's URN). */
export interface SourcedManifest {
  source: string;
  /** Namespace of objects that name none (a chart rendered into its release's namespace). */
  namespace?: string;
  manifest: { apiVersion?: unknown; kind?: unknown; metadata?: unknown; [field: string]: unknown };
}

/** Volumes of one size that one object provisions. */
export interface VolumeClaim {
  source: string;
  /** e.g. `StatefulSet monitoring/prometheus-x volumeClaimTemplate data`. */
  what: string;
  namespace: string;
  gib: number;
  /** How many such volumes (replicas × templates). */
  count: number;
}

const BYTES: Record<string, number> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};

/** A Kubernetes quantity ("20Gi", "500M", "1.5Ti") in GiB; throws on anything else. */
export function quantityGiB(value: unknown): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$/.exec(String(value).trim());
  if (!m) throw new Error(`storage size ${JSON.stringify(value)} is not a Kubernetes quantity`);
  return (Number(m[1]) * BYTES[m[2] ?? ""]) / 2 ** 30;
}

const requested = (pvcSpec: unknown): unknown => obj(obj(obj(pvcSpec).resources).requests).storage;

function claimsOf({ source, manifest, namespace: releaseNamespace }: SourcedManifest): VolumeClaim[] {
  const kind = String(manifest.kind);
  const group = String(manifest.apiVersion).split("/")[0];
  const meta = obj(manifest.metadata);
  const spec = obj(manifest.spec);
  const namespace = String(meta.namespace ?? releaseNamespace ?? "default");
  const where = `${kind} ${namespace}/${String(meta.name)}`;
  const claim = (what: string, size: unknown, count: number): VolumeClaim => ({
    source,
    what: `${where}${what}`,
    namespace,
    gib: quantityGiB(size),
    count,
  });
  if (kind === "PersistentVolumeClaim" && group === "v1") return [claim("", requested(spec), 1)];
  if (kind === "StatefulSet" && group === "apps") {
    return arr(spec.volumeClaimTemplates).map((t) =>
      claim(
        ` volumeClaimTemplate ${String(obj(obj(t).metadata).name)}`,
        requested(obj(t).spec),
        int(spec.replicas, 1),
      ),
    );
  }
  if (kind === "Cluster" && group === "postgresql.cnpg.io") {
    const instances = int(spec.instances, 1);
    const out = [claim(" data", obj(spec.storage).size, instances)];
    if (obj(spec.walStorage).size !== undefined)
      out.push(claim(" WAL", obj(spec.walStorage).size, instances));
    return out;
  }
  if ((kind === "Prometheus" || kind === "Alertmanager") && group === "monitoring.coreos.com") {
    const template = obj(obj(spec.storage).volumeClaimTemplate);
    if (Object.keys(template).length === 0) return [];
    const copies = int(spec.replicas, 1) * (kind === "Prometheus" ? int(spec.shards, 1) : 1);
    return [claim(" storage", requested(template.spec), copies)];
  }
  return [];
}

/** Every block-storage volume the objects provision. */
export function volumeClaims(manifests: SourcedManifest[]): VolumeClaim[] {
  return manifests.flatMap(claimsOf);
}

export interface LoadBalancerRequest {
  source: string;
  what: string;
  /** DigitalOcean load-balancer nodes (do-loadbalancer-size-unit, default 1). */
  nodes: number;
}

const SIZE_UNIT = "service.beta.kubernetes.io/do-loadbalancer-size-unit";

/** Every Service of type LoadBalancer, with the node count its annotation asks for. */
export function loadBalancers(manifests: SourcedManifest[]): LoadBalancerRequest[] {
  return manifests
    .filter((m) => m.manifest.kind === "Service" && obj(m.manifest.spec).type === "LoadBalancer")
    .map(({ source, manifest, namespace }) => {
      const meta = obj(manifest.metadata);
      const units = Number(obj(meta.annotations)[SIZE_UNIT] ?? 1);
      return {
        source,
        what: `Service ${String(meta.namespace ?? namespace ?? "default")}/${String(meta.name)}`,
        nodes: Number.isInteger(units) && units > 0 ? units : 1,
      };
    });
}

interface TypedResource {
  urn: string;
  type: string;
  inputs: Record<string, unknown>;
}

/**
 * The plan's own Kubernetes resources as objects: "kubernetes:<group>/<version>:<Kind>" with their
 * inputs. Helm releases and YAML bundles are not objects themselves; their renders are added apart.
 */
export function planManifests(resources: TypedResource[]): SourcedManifest[] {
  const out: SourcedManifest[] = [];
  for (const r of resources) {
    const m = /^kubernetes:([^:]+):([A-Za-z]+)$/.exec(r.type);
    if (!m || m[1] === "helm.sh/v3" || m[1].startsWith("yaml/")) continue;
    const apiVersion = m[1].startsWith("core/") ? m[1].slice("core/".length) : m[1];
    out.push({ source: r.urn, manifest: { ...r.inputs, apiVersion, kind: m[2] } });
  }
  return out;
}
