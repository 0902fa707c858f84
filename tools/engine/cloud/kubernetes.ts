/** Kubernetes objects as the API server returns them. */
import { record, stableHex, stableUuid, str, type State } from "./common";

/** Kubernetes objects get the metadata the API server fills in; unnamed ones are auto-named. */
export function kubernetesObject(type: string, name: string, inputs: State): State {
  const metadata = record(inputs.metadata);
  const objectName = str(metadata.name, `${name}-${stableHex(8, type, name)}`);
  const status = loadBalancerStatus(type, name, inputs);
  return {
    ...inputs,
    ...(status ? { status } : {}),
    metadata: {
      ...metadata,
      name: objectName,
      uid: stableUuid("k8s", type, name),
      resourceVersion: "1",
      creationTimestamp: "2026-01-01T00:00:00Z",
    },
  };
}

/** A LoadBalancer Service gets the public address its cloud load balancer was given. */
function loadBalancerStatus(type: string, name: string, inputs: State): State | undefined {
  if (type !== "kubernetes:core/v1:Service" || record(inputs.spec).type !== "LoadBalancer") return undefined;
  // A documentation address (RFC 5737), stable per Service.
  const host = (parseInt(stableHex(2, "lb", name), 16) % 250) + 2;
  return { loadBalancer: { ingress: [{ ip: `198.51.100.${host}` }] } };
}
