/**
 * Options for a resource whose loss loses data or locks it away (clusters, buckets, databases,
 * volumes, keys). In a stack that protects its state Pulumi refuses to delete it (`protect`), and should it ever be
 * removed from the program or the state on purpose, the cloud object stays (`retainOnDelete`):
 * a rename or a refactor can then never delete data as a side effect.
 */
export interface StatefulOptions {
  protect: boolean;
  retainOnDelete: boolean;
}

/** The options for a stateful resource of a stack that protects its state (`protect`) or not. */
export function keepStateful(protect: boolean): StatefulOptions {
  return { protect, retainOnDelete: protect };
}
