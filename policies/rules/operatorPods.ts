/**
 * Rules for the pods operators create from the platform's custom resources (CloudNativePG Cluster
 * and Pooler, Prometheus and Alertmanager, SpiceDBCluster): the same container checks as the
 * pod-template rules, on the settings those resources expose (policies/lib/operatorPods.ts), with
 * the same per-workload exemptions (`<Kind> <namespace>/<name>` of the custom resource).
 */
import { workloadPolicy } from "../lib/define";
import {
  DEFAULT_ALLOWED_REGISTRIES,
  escalationFinding,
  privilegedFinding,
  registryFinding,
  resourcesFinding,
  rootFindings,
  seccompFinding,
} from "../lib/containerChecks";
import { operatorWorkloadsOf } from "../lib/operatorPods";
import { allContainers } from "../lib/podSpec";

export const operatorPodSecurityContext = workloadPolicy(
  {
    name: "operator-pod-security-context",
    description:
      "Pods that operators create from custom resources run as non-root, unprivileged, without privilege escalation and under the RuntimeDefault (or Localhost) seccomp profile.",
    check(w, report) {
      for (const { container } of allContainers(w.spec)) {
        const findings = [
          ...rootFindings(container, w.spec),
          privilegedFinding(container),
          escalationFinding(container),
          seccompFinding(container, w.spec),
        ];
        for (const f of findings) if (f) report(f, container.name);
      }
    },
  },
  operatorWorkloadsOf,
);

export const operatorPodResources = workloadPolicy(
  {
    name: "operator-pod-resources",
    description: "Containers of pods that operators create set CPU and memory requests and limits.",
    check(w, report) {
      for (const { container } of allContainers(w.spec)) {
        const finding = resourcesFinding(container);
        if (finding) report(finding, container.name);
      }
    },
  },
  operatorWorkloadsOf,
);

export const operatorPodRegistries = workloadPolicy<{ registries: string[] }>(
  {
    name: "operator-pod-allowed-registries",
    description:
      "Images of pods that operators create (named by the resource, else the operator's default) come only from the allowed registries.",
    configSchema: {
      properties: {
        registries: {
          type: "array",
          items: { type: "string" },
          default: DEFAULT_ALLOWED_REGISTRIES,
          description:
            "Allowed image prefixes (registry host, optionally with a path), as k8s-allowed-registries.",
        },
      },
    },
    check(w, report, config) {
      for (const { container } of allContainers(w.spec)) {
        const finding = registryFinding(container, config.registries);
        if (finding) report(finding, container.name);
      }
    },
  },
  operatorWorkloadsOf,
);

export const operatorPodPolicies = [operatorPodSecurityContext, operatorPodResources, operatorPodRegistries];
