/**
 * The pods an operator builds from a custom resource, as far as the resource decides them: the
 * CloudNativePG Cluster's instances and the Pooler's PgBouncer, the Prometheus and Alertmanager
 * StatefulSets of the Prometheus operator, and the SpiceDBCluster's Deployment and migration Job.
 * Each comes back as a Workload, so the container checks of the pod-template rules apply to it.
 *
 * A setting the resource exposes is taken from the resource, and left unset when the resource leaves
 * it to the operator's defaults: the rules then ask for it, so what runs does not depend on the
 * defaults of whichever operator version is installed. A setting the resource cannot express is
 * the operator's fixed choice, stated here (IMAGE defaults and the Prometheus operator's container
 * context); extra containers a resource adds are held to every check.
 */
import type { Container, PodSpec, Workload } from "./podSpec";

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj | undefined =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;

function list(v: unknown): Obj[] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((x: unknown) => {
    const o = obj(x);
    return o ? [o] : [];
  });
}

/** Images the operators run when the resource names none (their built-in defaults). */
export const OPERATOR_DEFAULT_IMAGES = {
  postgres: "ghcr.io/cloudnative-pg/postgresql",
  pgbouncer: "ghcr.io/cloudnative-pg/pgbouncer",
  prometheus: "quay.io/prometheus/prometheus",
  alertmanager: "quay.io/prometheus/alertmanager",
  spicedb: "ghcr.io/authzed/spicedb",
} as const;

/**
 * What the Prometheus operator sets on the containers it builds (no field of the resource sets it,
 * only a `containers` entry of the same name overrides it).
 */
const PROMETHEUS_OPERATOR_CONTAINER_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
};

/** The Pulumi type tokens of the custom resources whose pods the operator-pod rules check. */
export const OPERATOR_RESOURCE_TYPES = {
  cnpgCluster: "kubernetes:postgresql.cnpg.io/v1:Cluster",
  cnpgPooler: "kubernetes:postgresql.cnpg.io/v1:Pooler",
  prometheus: "kubernetes:monitoring.coreos.com/v1:Prometheus",
  alertmanager: "kubernetes:monitoring.coreos.com/v1:Alertmanager",
  spicedb: "kubernetes:authzed.com/v1alpha1:SpiceDBCluster",
} as const;

function workload(kind: string, props: Obj, spec: PodSpec): Workload {
  const metadata = obj(props.metadata) ?? {};
  return {
    kind,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
    name: typeof metadata.name === "string" ? metadata.name : undefined,
    annotations: {},
    spec,
    longRunning: true,
  };
}

/** The instance pods: one container, every setting exposed by the Cluster's spec. */
function cnpgCluster(props: Obj): Workload[] {
  const spec = obj(props.spec) ?? {};
  // `seccompProfile` applies to the pod and every container; a container's own context wins.
  const seccomp = obj(spec.seccompProfile);
  const podSc = { ...(seccomp ? { seccompProfile: seccomp } : {}), ...obj(spec.podSecurityContext) };
  const postgres: Container = {
    name: "postgres",
    image: typeof spec.imageName === "string" ? spec.imageName : OPERATOR_DEFAULT_IMAGES.postgres,
    securityContext: obj(spec.securityContext),
    resources: obj(spec.resources),
  };
  return [workload("Cluster", props, { securityContext: podSc, containers: [postgres] })];
}

/** The PgBouncer pods: the Pooler's template, with the operator's pgbouncer container always there. */
function cnpgPooler(props: Obj): Workload[] {
  const template = obj(obj(obj(props.spec)?.template)?.spec) ?? {};
  const containers = list(template.containers) as Container[];
  const pgbouncer = containers.find((c) => c.name === "pgbouncer");
  const rest = containers.filter((c) => c !== pgbouncer);
  const main: Container = { image: OPERATOR_DEFAULT_IMAGES.pgbouncer, ...pgbouncer, name: "pgbouncer" };
  return [
    workload("Pooler", props, {
      ...(template as PodSpec),
      containers: [main, ...rest],
    }),
  ];
}

/** A Prometheus or Alertmanager StatefulSet: the main container from the spec, overrides from `containers`. */
function prometheusOperator(kind: "Prometheus" | "Alertmanager", props: Obj): Workload[] {
  const spec = obj(props.spec) ?? {};
  const name = kind === "Prometheus" ? "prometheus" : "alertmanager";
  const overrides = list(spec.containers) as Container[];
  const own = overrides.find((c) => c.name === name);
  const main: Container = {
    ...own,
    name,
    image: own?.image ?? (typeof spec.image === "string" ? spec.image : OPERATOR_DEFAULT_IMAGES[name]),
    securityContext: { ...PROMETHEUS_OPERATOR_CONTAINER_CONTEXT, ...own?.securityContext },
    resources: own?.resources ?? obj(spec.resources),
  };
  return [
    workload(kind, props, {
      securityContext: obj(spec.securityContext),
      containers: [main, ...overrides.filter((c) => c !== own)],
      initContainers: list(spec.initContainers) as Container[],
    }),
  ];
}

/** Sets `value` at a JSON pointer, creating the objects on the way (JSON 6902 `add`/`replace`). */
function setPointer(target: Obj, pointer: string, value: unknown): void {
  const keys = pointer
    .split("/")
    .slice(1)
    .map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    const container = node as Obj | unknown[];
    const next = Array.isArray(container) ? container[Number(key)] : container[key];
    if (typeof next !== "object" || next === null) {
      const created = {};
      if (Array.isArray(container)) container[Number(key)] = created;
      else container[key] = created;
      node = created;
    } else node = next;
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(node)) {
    if (last === "-") node.push(value);
    else node[Number(last)] = value;
  } else (node as Obj)[last] = value;
}

function deepMerge(target: Obj, patch: Obj): void {
  for (const [k, v] of Object.entries(patch)) {
    const current = obj(target[k]);
    const incoming = obj(v);
    if (current && incoming) deepMerge(current, incoming);
    else target[k] = structuredClone(v);
  }
}

/**
 * The SpiceDBCluster's Deployment and migration Job: the operator sets no security context or
 * resources of its own, so only the resource's `patches` (JSON 6902 operations or strategic-merge
 * objects on the generated objects of a kind) decide them. Container 0 is SpiceDB in both.
 */
function spicedb(props: Obj): Workload[] {
  const spec = obj(props.spec) ?? {};
  const image =
    typeof obj(spec.config)?.image === "string"
      ? (obj(spec.config)?.image as string)
      : OPERATOR_DEFAULT_IMAGES.spicedb;
  return (["Deployment", "Job"] as const).map((kind) => {
    const generated: Obj = { spec: { template: { metadata: {}, spec: { containers: [{}] } } } };
    for (const entry of list(spec.patches)) {
      if (entry.kind !== kind && entry.kind !== "*") continue;
      const patch = obj(entry.patch);
      if (!patch) continue;
      if (typeof patch.op === "string" && typeof patch.path === "string") {
        if (patch.op === "add" || patch.op === "replace") setPointer(generated, patch.path, patch.value);
      } else deepMerge(generated, patch);
    }
    const podSpec = obj(obj(obj(generated.spec)?.template)?.spec) as PodSpec;
    const [first, ...rest] = podSpec.containers ?? [];
    const main: Container = { image, ...first, name: kind === "Deployment" ? "spicedb" : "migrate" };
    return {
      ...workload("SpiceDBCluster", props, { ...podSpec, containers: [main, ...rest] }),
      longRunning: kind === "Deployment",
    };
  });
}

/** The pods the operator builds from this custom resource; none for any other resource. */
export function operatorWorkloadsOf(type: string, props: Obj): Workload[] {
  switch (type) {
    case OPERATOR_RESOURCE_TYPES.cnpgCluster:
      return cnpgCluster(props);
    case OPERATOR_RESOURCE_TYPES.cnpgPooler:
      return cnpgPooler(props);
    case OPERATOR_RESOURCE_TYPES.prometheus:
      return prometheusOperator("Prometheus", props);
    case OPERATOR_RESOURCE_TYPES.alertmanager:
      return prometheusOperator("Alertmanager", props);
    case OPERATOR_RESOURCE_TYPES.spicedb:
      return spicedb(props);
    default:
      return [];
  }
}
