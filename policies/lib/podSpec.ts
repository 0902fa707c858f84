/**
 * Where the pod spec lives in each kind that carries one, so every workload rule covers
 * Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod and Argo Rollout alike —
 * whether it arrives as a Pulumi resource or as a manifest rendered from a chart.
 */

export interface Container {
  name?: string;
  image?: string;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type?: string };
  };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  ports?: { containerPort?: number; hostPort?: number }[];
  env?: { name?: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name?: string; mountPath?: string }[];
}

export interface PodSpec {
  containers?: Container[];
  initContainers?: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type?: string } };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name?: string; hostPath?: unknown }[];
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
}

export interface Workload {
  kind: string;
  namespace?: string;
  name?: string;
  annotations: Record<string, string>;
  spec: PodSpec;
  /** Runs until stopped (needs probes), unlike a Job's pods. */
  longRunning: boolean;
}

type Obj = Record<string, unknown>;

function obj(value: unknown): Obj | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Obj) : undefined;
}

/** Pulumi type tokens of the kinds with pod templates, and where their pod spec is. */
const POD_SPEC_PATHS: Record<string, { kind: string; path: string[]; longRunning: boolean }> = {
  "kubernetes:apps/v1:Deployment": {
    kind: "Deployment",
    path: ["spec", "template", "spec"],
    longRunning: true,
  },
  "kubernetes:apps/v1:StatefulSet": {
    kind: "StatefulSet",
    path: ["spec", "template", "spec"],
    longRunning: true,
  },
  "kubernetes:apps/v1:DaemonSet": {
    kind: "DaemonSet",
    path: ["spec", "template", "spec"],
    longRunning: true,
  },
  "kubernetes:apps/v1:ReplicaSet": {
    kind: "ReplicaSet",
    path: ["spec", "template", "spec"],
    longRunning: true,
  },
  "kubernetes:batch/v1:Job": { kind: "Job", path: ["spec", "template", "spec"], longRunning: false },
  "kubernetes:batch/v1:CronJob": {
    kind: "CronJob",
    path: ["spec", "jobTemplate", "spec", "template", "spec"],
    longRunning: false,
  },
  "kubernetes:core/v1:Pod": { kind: "Pod", path: ["spec"], longRunning: true },
  "kubernetes:argoproj.io/v1alpha1:Rollout": {
    kind: "Rollout",
    path: ["spec", "template", "spec"],
    longRunning: true,
  },
};

export const WORKLOAD_TYPES = Object.keys(POD_SPEC_PATHS);

/** The Pulumi type token of a Kubernetes manifest (apiVersion + kind), as rendered charts give them. */
export function typeTokenOf(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  return `kubernetes:${group}/${version}:${kind}`;
}

/** The workload a resource of this type describes, or undefined when it has no pod template. */
export function workloadOf(type: string, props: Obj): Workload | undefined {
  const where = POD_SPEC_PATHS[type];
  if (!where) return undefined;
  let node: Obj | undefined = props;
  for (const key of where.path) node = obj(node?.[key]);
  const metadata = obj(props.metadata) ?? {};
  const templateMeta = obj(obj(obj(props.spec)?.template)?.metadata) ?? {};
  const annotations = { ...(obj(metadata.annotations) ?? {}), ...(obj(templateMeta.annotations) ?? {}) };
  return {
    kind: where.kind,
    namespace: typeof metadata.namespace === "string" ? metadata.namespace : undefined,
    name: typeof metadata.name === "string" ? metadata.name : undefined,
    annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [k, String(v)])),
    spec: (node ?? {}) as PodSpec,
    longRunning: where.longRunning,
  };
}

export function allContainers(spec: PodSpec): { container: Container; init: boolean }[] {
  return [
    ...(spec.initContainers ?? []).map((container) => ({ container, init: true })),
    ...(spec.containers ?? []).map((container) => ({ container, init: false })),
  ];
}
