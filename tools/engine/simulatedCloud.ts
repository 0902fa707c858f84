/**
 * The simulated cloud behind the offline plan: answers resource registrations with the outputs a
 * real provider would return (ids, endpoints, kubeconfigs, Kubernetes metadata) and answers the
 * invokes the program makes. Every value is derived from the resource's type and name, so two
 * plans of the same program are identical. An invoke it does not know is an error, never a guess.
 */
import { createHash } from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { isRpcSecret, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";

type State = Record<string, unknown>;
type Args = pulumi.runtime.MockResourceArgs;
type CallArgs = pulumi.runtime.MockCallArgs;

/** Deterministic hex derived from the parts; the same inputs always give the same ids. */
export function stableHex(length: number, ...parts: string[]): string {
  return createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, length);
}

export function stableUuid(...parts: string[]): string {
  const h = stableHex(32, ...parts);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Deep copy of inputs with Pulumi's secret wrappers removed, for deriving outputs. */
export function plain(value: unknown): unknown {
  if (isRpcSecret(value)) return plain(unwrapRpcSecret(value));
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

function record(value: unknown): State {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as State) : {};
}

function str(value: unknown, fallback: string): string {
  return typeof value === "string" && value.length > 0 ? value : fallback;
}

/** Available DOKS versions, newest first, as the DigitalOcean API lists them. */
const DOKS_VERSIONS = ["1.35.1-do.0", "1.34.3-do.1", "1.34.2-do.0", "1.33.6-do.2"];

function kubeconfigFor(clusterName: string, clusterId: string): string {
  const server = `https://${clusterId}.k8s.ondigitalocean.com`;
  const ca = Buffer.from(`simulated CA for ${clusterName}`).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: do-${clusterName}`,
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${ca}`,
    "contexts:",
    `- name: do-${clusterName}`,
    "  context:",
    `    cluster: do-${clusterName}`,
    `    user: do-${clusterName}-admin`,
    `current-context: do-${clusterName}`,
    "users:",
    `- name: do-${clusterName}-admin`,
    "  user:",
    `    token: simulated-${stableHex(24, clusterId, "token")}`,
    "",
  ].join("\n");
}

function doksCluster(name: string, inputs: State): State {
  // Keyed by the cluster's physical name, so the data source finds the same cluster.
  const clusterName = str(inputs.name, name);
  const id = stableUuid("doks", clusterName);
  const raw = kubeconfigFor(clusterName, id);
  return {
    ...inputs,
    id,
    urn: `do:kubernetes:${id}`,
    status: "running",
    endpoint: `https://${id}.k8s.ondigitalocean.com`,
    ipv4Address: `164.90.${parseInt(id.slice(0, 2), 16)}.${parseInt(id.slice(2, 4), 16)}`,
    kubeConfigs: [
      { rawConfig: raw, host: `https://${id}.k8s.ondigitalocean.com`, expiresAt: "2026-12-03T00:00:00Z" },
    ],
    nodePool: {
      ...record(inputs.nodePool),
      id: stableUuid("pool", name, "system"),
      actualNodeCount: record(inputs.nodePool).nodeCount,
    },
  };
}

/** Outputs by type token, for resources whose outputs differ from their inputs. */
const RESOURCE_OUTPUTS: Record<string, (name: string, inputs: State) => State> = {
  "digitalocean:index/vpc:Vpc": (name, inputs) => {
    const id = stableUuid("vpc", name);
    return { ...inputs, id, urn: `do:vpc:${id}`, default: false };
  },
  "digitalocean:index/kubernetesCluster:KubernetesCluster": doksCluster,
  "digitalocean:index/kubernetesNodePool:KubernetesNodePool": (name, inputs) => ({
    ...inputs,
    id: stableUuid("pool", name),
    actualNodeCount: inputs.minNodes ?? inputs.nodeCount,
  }),
};

/** Kubernetes objects get the metadata the API server fills in; unnamed ones are auto-named. */
function kubernetesObject(type: string, name: string, inputs: State): State {
  const metadata = record(inputs.metadata);
  const objectName = str(metadata.name, `${name}-${stableHex(8, type, name)}`);
  return {
    ...inputs,
    metadata: {
      ...metadata,
      name: objectName,
      uid: stableUuid("k8s", type, name),
      resourceVersion: "1",
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
  };
}

/** Invoke answers by function token. */
const INVOKE_ANSWERS: Record<string, (inputs: State) => State> = {
  "digitalocean:index/getKubernetesVersions:getKubernetesVersions": (inputs) => {
    const prefix = str(inputs.versionPrefix, "");
    const valid = DOKS_VERSIONS.filter((v) => v.startsWith(prefix));
    return {
      id: "doks-versions",
      versionPrefix: prefix,
      validVersions: DOKS_VERSIONS,
      latestVersion: valid[0] ?? "",
    };
  },
  "digitalocean:index/getKubernetesCluster:getKubernetesCluster": (inputs) => {
    const name = str(inputs.name, "cluster");
    const cluster = doksCluster(name, { name });
    return { ...cluster, name, kubeConfigs: cluster.kubeConfigs };
  },
};

export class SimulatedCloud implements pulumi.runtime.Mocks {
  newResource(args: Args): pulumi.runtime.MockResourceResult {
    const inputs = record(args.inputs);
    if (!args.custom) return { id: undefined, state: {} };
    if (args.type.startsWith("pulumi:providers:")) {
      return { id: stableUuid("provider", args.type, args.name), state: inputs };
    }
    const derive = RESOURCE_OUTPUTS[args.type];
    // Derive from unwrapped inputs, but return the original inputs so secrets stay secret.
    const derived = derive
      ? derive(args.name, record(plain(inputs)))
      : args.type.startsWith("kubernetes:")
        ? kubernetesObject(args.type, args.name, record(plain(inputs)))
        : { id: stableUuid(args.type, args.name) };
    const state: State = { ...derived };
    for (const [k, v] of Object.entries(inputs)) if (isRpcSecret(v)) state[k] = v;
    const id = str(derived.id, stableUuid(args.type, args.name));
    delete state.id;
    return { id, state };
  }

  call(args: CallArgs): pulumi.runtime.MockCallResult {
    const answer = INVOKE_ANSWERS[args.token];
    if (!answer) {
      throw new Error(
        `the simulated cloud has no answer for invoke ${args.token}; add one to tools/engine/simulatedCloud.ts`,
      );
    }
    return answer(record(plain(args.inputs)));
  }
}
