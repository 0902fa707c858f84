/**
 * The simulated cloud behind the offline plan: answers resource registrations with the outputs a
 * real provider would return (ids, endpoints, kubeconfigs, Kubernetes metadata) and answers the
 * invokes the program makes. Every value is derived from the resource's type and name, so two
 * plans of the same program are identical. An invoke it does not know is an error, never a guess.
 */
import type * as pulumi from "@pulumi/pulumi";
import { isRpcSecret, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { INVOKE_ANSWERS, RESOURCE_OUTPUTS } from "./cloud";
import { plain, record, stableUuid, str, type State } from "./cloud/common";
import { kubernetesObject } from "./cloud/kubernetes";

type Args = pulumi.runtime.MockResourceArgs;
type CallArgs = pulumi.runtime.MockCallArgs;

export { plain, stableHex, stableUuid } from "./cloud/common";

/**
 * A create's outputs in a preview: the inputs as given (unknown ones stay unknown), and every other
 * output the provider would return unknown. No id: the engine then reports it unknown too.
 */
function previewState(inputs: State, derived: State): State {
  const state: State = { ...inputs };
  for (const k of Object.keys(derived)) if (k !== "id" && !(k in inputs)) state[k] = unknownValue;
  return state;
}

export class SimulatedCloud implements pulumi.runtime.Mocks {
  /**
   * @param priorOutputs the outputs this stack's previous update left (what a StackReference to
   *   the stack itself reads); none by default, as for a stack that has never been deployed.
   * @param firstPreview answer as providers do in the first `pulumi preview` of a new stack: a
   *   resource to be created has its inputs as outputs, and everything else the provider would
   *   compute (id, addresses, endpoints, generated names) is unknown.
   */
  constructor(
    private readonly priorOutputs: Record<string, unknown> = {},
    private readonly firstPreview = false,
  ) {}

  newResource(args: Args): pulumi.runtime.MockResourceResult {
    const inputs = record(args.inputs);
    if (args.type === "pulumi:pulumi:StackReference") {
      const name = str(inputs.name, args.name);
      return { id: name, state: { name, outputs: this.priorOutputs, secretOutputNames: [] } };
    }
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
        : { ...record(plain(inputs)), id: stableUuid(args.type, args.name) };
    if (this.firstPreview) return { id: undefined, state: previewState(inputs, derived) };
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
