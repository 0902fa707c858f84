import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { kubernetesWorkloadPolicies } from "../../policies/rules/kubernetesWorkloads";
import { messagesOf } from "../policyHarness";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;

/** A container that satisfies every workload rule; each test breaks one thing. */
function goodContainer(overrides: Partial<Container> = {}): Container {
  return {
    name: "app",
    image: "ghcr.io/example-org/app:v1.2.3",
    securityContext: {
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
    livenessProbe: { httpGet: { path: "/health", port: 8080 } },
    readinessProbe: { httpGet: { path: "/health", port: 8080 } },
    env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
    ...overrides,
  };
}

function goodPod(overrides: Partial<PodSpec> = {}, container: Partial<Container> = {}): PodSpec {
  return { automountServiceAccountToken: false, containers: [goodContainer(container)], ...overrides };
}

const meta = (name: string, namespace = "prism"): pulumi.Input<k8s.types.input.meta.v1.ObjectMeta> => ({
  name,
  namespace,
});

function deployment(pod: PodSpec, namespace = "prism") {
  return messagesOf(kubernetesWorkloadPolicies, ({ k8s: provider }) => {
    new k8s.apps.v1.Deployment(
      "app",
      {
        metadata: meta("app", namespace),
        spec: {
          selector: { matchLabels: { app: "app" } },
          template: { metadata: { labels: { app: "app" } }, spec: pod },
        },
      },
      { provider },
    );
  });
}

describe("Kubernetes workload rules", () => {
  it("accept a hardened Deployment, StatefulSet, DaemonSet, Job, CronJob, Pod and Rollout", async () => {
    const messages = await messagesOf(kubernetesWorkloadPolicies, ({ k8s: provider }) => {
      const template = { metadata: { labels: { app: "x" } }, spec: goodPod() };
      const selector = { matchLabels: { app: "x" } };
      new k8s.apps.v1.Deployment("d", { metadata: meta("d"), spec: { selector, template } }, { provider });
      new k8s.apps.v1.StatefulSet(
        "s",
        { metadata: meta("s"), spec: { selector, serviceName: "s", template } },
        { provider },
      );
      new k8s.apps.v1.DaemonSet("ds", { metadata: meta("ds"), spec: { selector, template } }, { provider });
      const jobPod = goodPod(
        { restartPolicy: "Never" },
        { livenessProbe: undefined, readinessProbe: undefined },
      );
      new k8s.batch.v1.Job("j", { metadata: meta("j"), spec: { template: { spec: jobPod } } }, { provider });
      new k8s.batch.v1.CronJob(
        "c",
        {
          metadata: meta("c"),
          spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec: jobPod } } } },
        },
        { provider },
      );
      new k8s.core.v1.Pod("p", { metadata: meta("p"), spec: goodPod() }, { provider });
      new k8s.apiextensions.CustomResource(
        "r",
        {
          apiVersion: "argoproj.io/v1alpha1",
          kind: "Rollout",
          metadata: meta("r"),
          spec: { selector, template },
        },
        { provider },
      );
    });
    expect(messages).toEqual([]);
  });

  it.each<[string, PodSpec, string, string]>([
    [
      "root user",
      goodPod({}, { securityContext: { ...goodContainer().securityContext, runAsNonRoot: false } }),
      "k8s-run-as-non-root",
      "runAsNonRoot",
    ],
    [
      "privileged",
      goodPod({}, { securityContext: { ...goodContainer().securityContext, privileged: true } }),
      "k8s-no-privileged",
      "is privileged",
    ],
    [
      "privilege escalation",
      goodPod(
        {},
        { securityContext: { ...goodContainer().securityContext, allowPrivilegeEscalation: true } },
      ),
      "k8s-no-privilege-escalation",
      "allowPrivilegeEscalation",
    ],
    [
      "kept capabilities",
      goodPod(
        {},
        {
          securityContext: {
            ...goodContainer().securityContext,
            capabilities: { drop: ["NET_RAW"], add: ["SYS_ADMIN"] },
          },
        },
      ),
      "k8s-drop-all-capabilities",
      "drop ALL",
    ],
    [
      "unconfined seccomp",
      goodPod(
        {},
        { securityContext: { ...goodContainer().securityContext, seccompProfile: { type: "Unconfined" } } },
      ),
      "k8s-seccomp-runtime-default",
      "Unconfined",
    ],
    [
      "no limits",
      goodPod({}, { resources: { requests: { cpu: "100m", memory: "1Gi" } } }),
      "k8s-resource-requests-limits",
      "limits.cpu, limits.memory",
    ],
    [
      "no probes",
      goodPod({}, { livenessProbe: undefined, readinessProbe: undefined }),
      "k8s-liveness-readiness-probes",
      "no livenessProbe",
    ],
    ["host network", goodPod({ hostNetwork: true }), "k8s-no-host-access", "hostNetwork"],
    [
      "hostPath volume",
      goodPod({ volumes: [{ name: "logs", hostPath: { path: "/var/log" } }] }),
      "k8s-no-host-access",
      "hostPath volume logs",
    ],
    [
      "hostPort",
      goodPod({}, { ports: [{ containerPort: 80, hostPort: 80 }] }),
      "k8s-no-host-access",
      "hostPort 80",
    ],
    [
      "latest tag",
      goodPod({}, { image: "ghcr.io/example-org/app:latest" }),
      "k8s-image-tag-pinned",
      "untagged or latest",
    ],
    [
      "untagged image",
      goodPod({}, { image: "ghcr.io/example-org/app" }),
      "k8s-image-tag-pinned",
      "untagged or latest",
    ],
    [
      "unknown registry",
      goodPod({}, { image: "evil.example.net/app:v1" }),
      "k8s-allowed-registries",
      "not from an allowed registry",
    ],
    [
      "service-account token",
      goodPod({ automountServiceAccountToken: undefined }),
      "k8s-no-automount-sa-token",
      "service-account token",
    ],
    [
      "literal secret env",
      goodPod({}, { env: [{ name: "API_TOKEN", value: "hunter2" }] }),
      "k8s-no-literal-secret-env",
      "API_TOKEN",
    ],
  ])("reject %s", async (_label, pod, policy, says) => {
    const messages = await deployment(pod);
    expect(messages).toContainEqual(expect.stringContaining(says));
    expect(messages.length).toBeGreaterThan(0);
    // Only the broken rule fires: the other rules accept the same Deployment.
    expect(messages.every((m) => m.startsWith(`${policy}:`))).toBe(true);
  });

  it("exempts the node agents' namespace from the host-access rule only", async () => {
    expect(await deployment(goodPod({ hostPID: true }), "node-agents")).toEqual([]);
  });

  it("accepts a digest-pinned image and a declared service-account token", async () => {
    const digest = `ghcr.io/example-org/app@sha256:${"a".repeat(64)}`;
    expect(await deployment(goodPod({}, { image: digest }))).toEqual([]);
    const messages = await messagesOf(kubernetesWorkloadPolicies, ({ k8s: provider }) => {
      new k8s.apps.v1.Deployment(
        "api",
        {
          metadata: meta("api"),
          spec: {
            selector: { matchLabels: { app: "api" } },
            template: {
              metadata: {
                labels: { app: "api" },
                annotations: { "prism.io/service-account-token": "reads leases for leader election" },
              },
              spec: goodPod({ automountServiceAccountToken: true }),
            },
          },
        },
        { provider },
      );
    });
    expect(messages).toEqual([]);
  });
});
