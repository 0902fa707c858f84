/** Kubernetes objects as the API server returns them. */
import { record, stableHex, stableUuid, str, type State } from "./common";

/** Kubernetes objects get the metadata the API server fills in; unnamed ones are auto-named. */
export function kubernetesObject(type: string, name: string, inputs: State): State {
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
