/**
 * What the pod-template rules (k8s-*) and the operator-pod rules (operator-pod-*) both ask of one
 * container, as findings: the same test and the same words for a Deployment's container and for the
 * container an operator builds from its custom resource.
 */
import type { Container, PodSpec } from "./podSpec";

/** The registries images may come from unless the pack config says otherwise. */
export const DEFAULT_ALLOWED_REGISTRIES = [
  "ghcr.io/",
  "quay.io/",
  "registry.k8s.io/",
  "docker.io/",
  "public.ecr.aws/",
];

/** runAsNonRoot (container or pod) and never user 0. */
export function rootFindings(container: Container, pod: PodSpec): string[] {
  const sc = container.securityContext ?? {};
  const podSc = pod.securityContext ?? {};
  const findings: string[] = [];
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true)
    findings.push(`container ${container.name} does not set runAsNonRoot: true`);
  if ((sc.runAsUser ?? podSc.runAsUser) === 0) findings.push(`container ${container.name} runs as user 0`);
  return findings;
}

export function privilegedFinding(container: Container): string | undefined {
  return container.securityContext?.privileged === true
    ? `container ${container.name} is privileged`
    : undefined;
}

export function escalationFinding(container: Container): string | undefined {
  return container.securityContext?.allowPrivilegeEscalation === false
    ? undefined
    : `container ${container.name} does not set allowPrivilegeEscalation: false`;
}

/** RuntimeDefault or Localhost, on the container or else the pod. */
export function seccompFinding(container: Container, pod: PodSpec): string | undefined {
  const profile =
    container.securityContext?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  return profile === "RuntimeDefault" || profile === "Localhost"
    ? undefined
    : `container ${container.name} has seccomp profile ${profile ?? "unset"}, not RuntimeDefault`;
}

/** CPU and memory, requested and limited. */
export function resourcesFinding(container: Container): string | undefined {
  const missing: string[] = [];
  for (const kind of ["requests", "limits"] as const) {
    for (const resource of ["cpu", "memory"]) {
      if (container.resources?.[kind]?.[resource] === undefined) missing.push(`${kind}.${resource}`);
    }
  }
  return missing.length ? `container ${container.name} lacks resources ${missing.join(", ")}` : undefined;
}

/** Fully qualified image reference: Docker Hub short names get their implied registry. */
export function qualifiedImage(image: string): string {
  const first = image.split("/")[0];
  const hasRegistry =
    image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasRegistry) return image;
  return image.includes("/") ? `docker.io/${image}` : `docker.io/library/${image}`;
}

export function registryFinding(container: Container, registries: string[]): string | undefined {
  const image = qualifiedImage(container.image ?? "");
  return registries.some((prefix) => image.startsWith(prefix))
    ? undefined
    : `container ${container.name} image "${image}" is not from an allowed registry (${registries.join(", ")})`;
}
