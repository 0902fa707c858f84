/**
 * @pulumi/random as the simulated cloud answers it: generated passwords of the requested length,
 * derived from the resource's name (plans stay identical) and visibly fake; the SDK marks them secret.
 */
import { stableHex, stableUuid, type InvokeAnswer, type ResourceOutputs } from "./common";

export const randomOutputs: Record<string, ResourceOutputs> = {
  "random:index/randomPassword:RandomPassword": (name, inputs) => {
    const length = typeof inputs.length === "number" && inputs.length > 0 ? inputs.length : 16;
    let result = "";
    for (let i = 0; result.length < length; i++) result += stableHex(64, "random-password", name, String(i));
    result = `sim${result}`.slice(0, length);
    return {
      ...inputs,
      id: stableUuid("random-password", name),
      result,
      bcryptHash: `$2a$10$simulated${name}`,
    };
  },
};
export const randomInvokes: Record<string, InvokeAnswer> = {};
