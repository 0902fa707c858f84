import type * as k8s from "@pulumi/kubernetes";
import { SA_TOKEN_ANNOTATION } from "../../policies/facts/kubernetes";

/**
 * The container security context the restricted Pod Security profile and the policy pack ask for:
 * non-root, no privilege escalation, no capabilities, RuntimeDefault seccomp, read-only root.
 * Plain data, so it serves Kubernetes objects and Helm values alike.
 */
export const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
} as const satisfies k8s.types.input.core.v1.SecurityContext;

/**
 * Pod annotations declaring why a pod needs its service-account token (the pack's
 * k8s-no-automount-sa-token accepts a mounted token only with a stated reason).
 */
export function tokenNeeded(reason: string): Record<string, string> {
  return { [SA_TOKEN_ANNOTATION]: reason };
}
