/** Narrow per-stack exemptions of workload rules, and the secret-env rule's file-path case. */
import * as k8s from "@pulumi/kubernetes";
import type { PolicyPackConfig } from "@pulumi/policy";
import { kubernetesWorkloadPolicies } from "../../policies/rules/kubernetesWorkloads";
import { messagesOf } from "../policyHarness";

type Container = k8s.types.input.core.v1.Container;

const hardened: Container = {
  name: "agent",
  image: "docker.io/fluent/fluent-bit:5.1.1",
  securityContext: {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  },
  resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "50m", memory: "32Mi" } },
  livenessProbe: { tcpSocket: { port: 2020 } },
  readinessProbe: { tcpSocket: { port: 2020 } },
};

function daemonSet(containers: Container[], config: PolicyPackConfig = {}) {
  return messagesOf(
    kubernetesWorkloadPolicies,
    ({ k8s: provider }) => {
      new k8s.apps.v1.DaemonSet(
        "agent",
        {
          metadata: { name: "agent", namespace: "node-agents" },
          spec: {
            selector: { matchLabels: { app: "agent" } },
            template: {
              metadata: { labels: { app: "agent" } },
              spec: { automountServiceAccountToken: false, containers },
            },
          },
        },
        { provider },
      );
    },
    config,
  );
}

const root: Container = {
  ...hardened,
  securityContext: { ...hardened.securityContext, runAsNonRoot: false, runAsUser: 0 },
};
const REASON = "reads root-owned host log files, nothing else can";

describe("workload rule exemptions", () => {
  it("silence exactly the workload and containers they name", async () => {
    const config = {
      "k8s-run-as-non-root": {
        exemptions: [{ workload: "DaemonSet node-agents/agent", containers: ["agent"], reason: REASON }],
      },
    };
    expect(await daemonSet([root], config)).toEqual([]);
    // Another container of the same workload is still checked.
    expect(await daemonSet([root, { ...root, name: "other" }], config)).toEqual([
      "k8s-run-as-non-root: DaemonSet node-agents/agent: container other does not set runAsNonRoot: true",
      "k8s-run-as-non-root: DaemonSet node-agents/agent: container other runs as user 0",
    ]);
  });

  it("do not reach another workload, another rule or other findings", async () => {
    const elsewhere = {
      "k8s-run-as-non-root": { exemptions: [{ workload: "DaemonSet node-agents/other", reason: REASON }] },
    };
    expect(await daemonSet([root], elsewhere)).toHaveLength(2);
    const onlyUser0 = {
      "k8s-run-as-non-root": {
        exemptions: [{ workload: "DaemonSet node-agents/agent", finding: "runs as user 0", reason: REASON }],
      },
    };
    expect(await daemonSet([root], onlyUser0)).toEqual([
      "k8s-run-as-non-root: DaemonSet node-agents/agent: container agent does not set runAsNonRoot: true",
    ]);
    const privileged = { ...root, securityContext: { ...root.securityContext, privileged: true } };
    const exempt = {
      "k8s-run-as-non-root": { exemptions: [{ workload: "DaemonSet node-agents/agent", reason: REASON }] },
    };
    expect(await daemonSet([privileged], exempt)).toEqual([
      "k8s-no-privileged: DaemonSet node-agents/agent: container agent is privileged",
    ]);
  });

  it("must give a reason and a well-formed workload", async () => {
    await expect(
      daemonSet([root], {
        "k8s-run-as-non-root": { exemptions: [{ workload: "DaemonSet node-agents/agent" }] },
      }),
    ).rejects.toThrow(
      /policy config: k8s-run-as-non-root: \/exemptions\/0 must have required property .reason./,
    );
    await expect(
      daemonSet([root], { "k8s-run-as-non-root": { exemptions: [{ workload: "agent", reason: REASON }] } }),
    ).rejects.toThrow(/policy config: k8s-run-as-non-root: \/exemptions\/0\/workload/);
  });
});

describe("k8s-no-literal-secret-env and file paths", () => {
  const mounted: Container = {
    ...hardened,
    volumeMounts: [{ name: "credentials", mountPath: "/credentials" }],
  };
  it("accepts a variable naming a file inside a mounted volume", async () => {
    expect(
      await daemonSet([
        { ...mounted, env: [{ name: "GOOGLE_APPLICATION_CREDENTIALS", value: "/credentials/cloud" }] },
      ]),
    ).toEqual([]);
  });
  it("rejects a path outside every mount, or a literal secret", async () => {
    for (const value of ["/etc/cloud", "/credentials", "/credentials/../etc/shadow", "hunter2"]) {
      expect(
        await daemonSet([{ ...mounted, env: [{ name: "GOOGLE_APPLICATION_CREDENTIALS", value }] }]),
      ).toEqual([
        "k8s-no-literal-secret-env: DaemonSet node-agents/agent: container agent sets GOOGLE_APPLICATION_CREDENTIALS to a literal value; use valueFrom.secretKeyRef",
      ]);
    }
  });
});
