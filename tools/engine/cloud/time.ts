/**
 * @pulumiverse/time as the simulated cloud answers it: a rotation schedule starts at one fixed
 * instant (plans stay identical) and rotates after the days, hours or minutes it is given.
 */
import type { ResourceOutputs } from "./common";

/** When every simulated schedule starts. */
export const SIMULATED_NOW = "2026-01-01T00:00:00Z";

function addToDate(base: Date, inputs: Record<string, unknown>): Date {
  const n = (key: string): number => {
    const value = inputs[key];
    return typeof value === "number" ? value : 0;
  };
  const out = new Date(base);
  out.setUTCFullYear(out.getUTCFullYear() + n("rotationYears"));
  out.setUTCMonth(out.getUTCMonth() + n("rotationMonths"));
  out.setUTCDate(out.getUTCDate() + n("rotationDays"));
  out.setUTCHours(out.getUTCHours() + n("rotationHours"));
  out.setUTCMinutes(out.getUTCMinutes() + n("rotationMinutes"));
  return out;
}

export const timeOutputs: Record<string, ResourceOutputs> = {
  "time:index/rotating:Rotating": (_name, inputs) => {
    const start = typeof inputs.rfc3339 === "string" ? inputs.rfc3339 : SIMULATED_NOW;
    const rotation =
      typeof inputs.rotationRfc3339 === "string"
        ? inputs.rotationRfc3339
        : addToDate(new Date(start), inputs).toISOString().replace(".000Z", "Z");
    return { ...inputs, id: start, rfc3339: start, rotationRfc3339: rotation };
  },
};
