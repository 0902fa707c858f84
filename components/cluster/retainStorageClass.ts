/**
 * A block-storage class whose volumes outlive their claims: DOKS's default class deletes the
 * DigitalOcean volume when its PersistentVolumeClaim is deleted, so deleting a release, a
 * database cluster or a namespace would delete the data with it. A stack that retains its volumes
 * (config stateful.retainVolumes) names this class; an orphaned volume can be re-bound or deleted
 * by hand.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";

/** The class every PVC of a stack that retains its volumes names. */
export const RETAIN_STORAGE_CLASS = "prism-block-retain";

/** DOKS's default class: its volumes are deleted with their claims (scratch copies only, where volumes are retained). */
export const DO_DEFAULT_STORAGE_CLASS = "do-block-storage";

/** DigitalOcean's block-storage CSI driver on DOKS. */
export const DO_BLOCK_STORAGE_PROVISIONER = "dobs.csi.digitalocean.com";

/** The storage class a chart's volumes should name: the Retain class when volumes are retained, DOKS's default otherwise. */
export function storageClassFor(retainVolumes: boolean): string | undefined {
  return retainVolumes ? RETAIN_STORAGE_CLASS : undefined;
}

export interface RetainStorageClassArgs {
  provider: k8s.Provider;
  parent?: pulumi.Resource;
}

export function retainStorageClass(args: RetainStorageClassArgs): k8s.storage.v1.StorageClass {
  return new k8s.storage.v1.StorageClass(
    "retain-storage-class",
    {
      metadata: { name: RETAIN_STORAGE_CLASS },
      provisioner: DO_BLOCK_STORAGE_PROVISIONER,
      reclaimPolicy: "Retain",
      // Volumes are created where the pod is scheduled, and can grow in place.
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
    },
    { provider: args.provider, parent: args.parent },
  );
}
