/**
 * Where Helm values ask for persistent volumes, and which storage class they name. Charts spell it
 * differently (persistence, dataStorage, storageSpec, pvc, volumeClaimTemplate…), so these look
 * for the block under any of those keys and the class under any of the class keys inside it.
 */

/** Values keys under which the platform's charts declare a volume. */
const VOLUME_KEYS =
  /^(persistence|dataStorage|auditStorage|volumeClaimTemplates?|storageSpec|pvc|fileStore)$/;
/** Keys a volume block names its storage class with. */
const CLASS_KEYS = /^(storageClass|storageClassName|className)$/;

export interface VolumeBlock {
  /** Dotted path of the block in the values. */
  path: string;
  /** The storage class it names; undefined means the cluster's default class. */
  storageClass?: string;
}

function findClass(value: unknown): string | undefined {
  if (Array.isArray(value)) {
    for (const v of value) {
      const c = findClass(v);
      if (c !== undefined) return c;
    }
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (CLASS_KEYS.test(k) && typeof v === "string" && v !== "") return v;
      const c = findClass(v);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}

/** Every enabled volume block in a release's values (outermost blocks only). */
export function volumeBlocks(values: unknown, prefix = ""): VolumeBlock[] {
  if (Array.isArray(values)) return values.flatMap((v, i) => volumeBlocks(v, `${prefix}[${i}]`));
  if (typeof values !== "object" || values === null) return [];
  const out: VolumeBlock[] = [];
  for (const [key, value] of Object.entries(values)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (VOLUME_KEYS.test(key) && typeof value === "object" && value !== null && !Array.isArray(value)) {
      if ((value as Record<string, unknown>).enabled !== false)
        out.push({ path, storageClass: findClass(value) });
      continue;
    }
    out.push(...volumeBlocks(value, path));
  }
  return out;
}

/** True when a Helm release's values ask for a persistent volume. */
export function releaseHoldsVolumes(values: unknown): boolean {
  return volumeBlocks(values).length > 0;
}
