/**
 * What this stack's previous update left behind, read through a StackReference to the stack
 * itself (the last checkpoint's outputs; nothing on a stack never deployed). The program reads it
 * before building anything, to refuse runs that would silently undo earlier work, e.g. dropping the
 * PKI for a missing token.
 */
import * as pulumi from "@pulumi/pulumi";

export interface PreviousRun {
  /** The `pkiStatus` output of the previous update. */
  pkiStatus?: string;
  /** The DOKS version slug the cluster had at the previous update (`kubernetesVersion` output). */
  kubernetesVersion?: string;
}

export async function readPreviousRun(): Promise<PreviousRun> {
  const self = new pulumi.StackReference("previous-run", {
    name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`,
  });
  const text = async (key: string) => {
    const { value } = await self.getOutputDetails(key);
    return typeof value === "string" ? value : undefined;
  };
  return { pkiStatus: await text("pkiStatus"), kubernetesVersion: await text("kubernetesVersion") };
}
