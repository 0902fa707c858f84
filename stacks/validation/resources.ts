/**
 * Containers' requests and limits, and the memory settings of the processes inside them, as the
 * stack config spells them: each in the units its reader takes, a request never above its limit,
 * and a process's own memory ceiling below its container's limit.
 */
import { z } from "zod";

/** Bytes per unit of the memory sizes accepted here (Kubernetes, PostgreSQL, Valkey and Go spell them differently). */
const BYTE_UNITS: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  kB: 2 ** 10,
  MB: 2 ** 20,
  GB: 2 ** 30,
  kb: 2 ** 10,
  mb: 2 ** 20,
  gb: 2 ** 30,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
};

/** A memory size in bytes, or NaN when malformed (its own regex reports that). */
function bytesOf(size: string): number {
  const match = /^(\d+)([A-Za-z]+)$/.exec(size);
  const unit = match ? BYTE_UNITS[match[2]] : undefined;
  return match && unit ? Number(match[1]) * unit : NaN;
}

/** A CPU quantity in millicores, or NaN when malformed. */
function millicoresOf(cpu: string): number {
  return cpu.endsWith("m") ? Number(cpu.slice(0, -1)) : Number(cpu) * 1000;
}

const cpuQuantity = z.string().regex(/^(\d+m|\d+(\.\d+)?)$/, 'must be a CPU quantity such as "500m" or "2"');
const memoryQuantity = z
  .string()
  .regex(/^\d+(Ki|Mi|Gi)$/, 'must be a memory quantity in Ki, Mi or Gi such as "512Mi"');

/** A container's requests and limits; a request above its limit is refused by the API server. */
export const containerResources = z
  .strictObject({
    requests: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
    limits: z.strictObject({ cpu: cpuQuantity, memory: memoryQuantity }),
  })
  .superRefine((r, ctx) => {
    const amount = { cpu: millicoresOf, memory: bytesOf };
    for (const kind of ["cpu", "memory"] as const) {
      if (amount[kind](r.requests[kind]) > amount[kind](r.limits[kind])) {
        ctx.addIssue({
          code: "custom",
          path: ["requests", kind],
          input: r.requests[kind],
          message: `must not exceed limits.${kind} (${r.limits[kind]})`,
        });
      }
    }
  });

/** A memory setting of the process (the key `key`) that must stay below the container's memory limit. */
export function belowMemoryLimit<
  K extends string,
  T extends Record<K, string> & { resources: { limits: { memory: string } } },
>(key: K, why: string) {
  return (settings: T, ctx: z.core.$RefinementCtx<T>) => {
    const limit = settings.resources.limits.memory;
    const size = settings[key];
    if (bytesOf(size) >= bytesOf(limit)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        input: size,
        message: `must be below resources.limits.memory (${limit}), ${why}`,
      });
    }
  };
}
