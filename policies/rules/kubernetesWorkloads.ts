/** Rules for every pod template: Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod, Rollout. */
import { workloadPolicy } from "../lib/define";
import { allContainers, type Container } from "../lib/podSpec";
import {
  DEFAULT_ALLOWED_REGISTRIES,
  escalationFinding,
  privilegedFinding,
  registryFinding,
  resourcesFinding,
  rootFindings,
  seccompFinding,
} from "../lib/containerChecks";
import { SA_TOKEN_ANNOTATION } from "../facts/kubernetes";

const SECRET_ENV_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?)$/i;

export const runAsNonRoot = workloadPolicy({
  name: "k8s-run-as-non-root",
  description: "Containers run as a non-root user (runAsNonRoot, and never runAsUser 0).",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      for (const finding of rootFindings(container, w.spec)) report(finding, container.name);
    }
  },
});

export const noPrivileged = workloadPolicy({
  name: "k8s-no-privileged",
  description: "No privileged containers.",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      const finding = privilegedFinding(container);
      if (finding) report(finding, container.name);
    }
  },
});

export const noPrivilegeEscalation = workloadPolicy({
  name: "k8s-no-privilege-escalation",
  description: "Containers set allowPrivilegeEscalation: false.",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      const finding = escalationFinding(container);
      if (finding) report(finding, container.name);
    }
  },
});

export const dropAllCapabilities = workloadPolicy({
  name: "k8s-drop-all-capabilities",
  description: "Containers drop ALL capabilities (adding back NET_BIND_SERVICE only).",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      const caps = container.securityContext?.capabilities ?? {};
      if (!(caps.drop ?? []).includes("ALL"))
        report(`container ${container.name} does not drop ALL capabilities`, container.name);
      const added = (caps.add ?? []).filter((c) => c !== "NET_BIND_SERVICE");
      if (added.length)
        report(`container ${container.name} adds capabilities ${added.join(", ")}`, container.name);
    }
  },
});

export const seccompRuntimeDefault = workloadPolicy({
  name: "k8s-seccomp-runtime-default",
  description: "Pods or all their containers use the RuntimeDefault (or Localhost) seccomp profile.",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      const finding = seccompFinding(container, w.spec);
      if (finding) report(finding, container.name);
    }
  },
});

export const resourceRequestsAndLimits = workloadPolicy({
  name: "k8s-resource-requests-limits",
  description: "Every container sets CPU and memory requests and limits.",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      const finding = resourcesFinding(container);
      if (finding) report(finding, container.name);
    }
  },
});

export const probes = workloadPolicy({
  name: "k8s-liveness-readiness-probes",
  description: "Long-running containers (not Jobs, not init containers) have liveness and readiness probes.",
  check(w, report) {
    if (!w.longRunning) return;
    for (const { container, init } of allContainers(w.spec)) {
      if (init) continue;
      if (!container.livenessProbe)
        report(`container ${container.name} has no livenessProbe`, container.name);
      if (!container.readinessProbe)
        report(`container ${container.name} has no readinessProbe`, container.name);
    }
  },
});

export const noHostAccess = workloadPolicy<{ exemptNamespaces: string[] }>({
  name: "k8s-no-host-access",
  description:
    "No hostPath volumes, hostNetwork, hostPID, hostIPC or hostPort, except in namespaces listed as exempt (the node agents').",
  configSchema: {
    properties: {
      exemptNamespaces: {
        type: "array",
        items: { type: "string" },
        default: ["node-agents"],
        description: "Namespaces whose workloads must read the host (node-exporter, Fluent Bit).",
      },
    },
  },
  check(w, report, config) {
    if (w.namespace && config.exemptNamespaces.includes(w.namespace)) return;
    for (const flag of ["hostNetwork", "hostPID", "hostIPC"] as const) {
      if (w.spec[flag] === true) report(`sets ${flag}`);
    }
    for (const v of w.spec.volumes ?? []) if (v.hostPath) report(`mounts hostPath volume ${v.name}`);
    for (const { container } of allContainers(w.spec)) {
      for (const p of container.ports ?? []) {
        if (p.hostPort) report(`container ${container.name} binds hostPort ${p.hostPort}`, container.name);
      }
    }
  },
});

/** `repo/name:tag` or `repo/name@sha256:…`; true when the reference pins something other than latest. */
function pinnedTag(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const lastSlash = image.lastIndexOf("/");
  const tagAt = image.indexOf(":", lastSlash + 1);
  if (tagAt < 0) return false;
  const tag = image.slice(tagAt + 1);
  return tag.length > 0 && tag !== "latest";
}

export const imageTagPinned = workloadPolicy({
  name: "k8s-image-tag-pinned",
  description:
    "Images name a tag other than latest, or a digest (advisory in staging, mandatory in production).",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      const image = container.image ?? "";
      if (!pinnedTag(image))
        report(`container ${container.name} image "${image}" is untagged or latest`, container.name);
    }
  },
});

export const allowedRegistries = workloadPolicy<{ registries: string[] }>({
  name: "k8s-allowed-registries",
  description: "Images come only from the allowed registries.",
  configSchema: {
    properties: {
      registries: {
        type: "array",
        items: { type: "string" },
        default: DEFAULT_ALLOWED_REGISTRIES,
        description: "Allowed image prefixes (registry host, optionally with a path).",
      },
    },
  },
  check(w, report, config) {
    for (const { container } of allContainers(w.spec)) {
      const finding = registryFinding(container, config.registries);
      if (finding) report(finding, container.name);
    }
  },
});

export const noAutomountToken = workloadPolicy({
  name: "k8s-no-automount-sa-token",
  description: `Pods do not mount a service-account token unless they declare why in the ${SA_TOKEN_ANNOTATION} annotation.`,
  check(w, report) {
    const declared = (w.annotations[SA_TOKEN_ANNOTATION] ?? "").trim().length > 0;
    if (!declared && w.spec.automountServiceAccountToken !== false) {
      report(
        `mounts a service-account token without declaring the need (set automountServiceAccountToken: false or annotate ${SA_TOKEN_ANNOTATION})`,
      );
    }
  },
});

/**
 * True when the value is the path of a file inside one of the container's volume mounts: such a
 * variable (GOOGLE_APPLICATION_CREDENTIALS=/credentials/cloud) names where a mounted Secret is,
 * not the secret itself.
 */
function pathIntoMount(value: string, container: Container): boolean {
  if (!value.startsWith("/") || value.includes("..")) return false;
  return (container.volumeMounts ?? []).some((m) => {
    const mount = (m.mountPath ?? "").replace(/\/+$/, "");
    return mount.length > 0 && value.startsWith(`${mount}/`) && value.length > mount.length + 1;
  });
}

export const noLiteralSecretEnv = workloadPolicy({
  name: "k8s-no-literal-secret-env",
  description:
    "Secret-looking environment variables come from Secrets (valueFrom, or the path of a file the container mounts), never literal values.",
  check(w, report) {
    for (const { container } of allContainers(w.spec)) {
      for (const env of container.env ?? []) {
        if (
          env.name &&
          SECRET_ENV_NAME.test(env.name) &&
          typeof env.value === "string" &&
          env.value.length > 0 &&
          !pathIntoMount(env.value, container)
        ) {
          report(
            `container ${container.name} sets ${env.name} to a literal value; use valueFrom.secretKeyRef`,
            container.name,
          );
        }
      }
    }
  },
});

export const kubernetesWorkloadPolicies = [
  runAsNonRoot,
  noPrivileged,
  noPrivilegeEscalation,
  dropAllCapabilities,
  seccompRuntimeDefault,
  resourceRequestsAndLimits,
  probes,
  noHostAccess,
  imageTagPinned,
  allowedRegistries,
  noAutomountToken,
  noLiteralSecretEnv,
];
