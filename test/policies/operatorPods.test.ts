/**
 * The operator-pod rules on hand-built custom resources: one good object per kind passes every rule,
 * and each rule rejects one broken property.
 */
import * as k8s from "@pulumi/kubernetes";
import { operatorPodPolicies } from "../../policies/rules/operatorPods";
import { restrictedPatches } from "../../components/authz/spicedbCluster";
import {
  INSTANCE_POD_SECURITY,
  POOLER_POD_SECURITY,
  RESTRICTED_CONTAINER,
} from "../../components/data/postgresCluster";
import { messagesOf } from "../policyHarness";

type Spec = Record<string, unknown>;

const RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const POD_SECURITY = {
  runAsNonRoot: true,
  runAsUser: 1000,
  runAsGroup: 2000,
  fsGroup: 2000,
  seccompProfile: { type: "RuntimeDefault" },
};

/** One good object of every kind the rules read; each test breaks one property of one of them. */
function goodSpecs(): Record<string, { apiVersion: string; spec: Spec }> {
  return {
    Cluster: {
      apiVersion: "postgresql.cnpg.io/v1",
      spec: {
        instances: 3,
        imageName: "ghcr.io/cloudnative-pg/postgresql:18.1-system-trixie",
        resources: RESOURCES,
        seccompProfile: { type: "RuntimeDefault" },
        podSecurityContext: { ...INSTANCE_POD_SECURITY },
        securityContext: { ...RESTRICTED_CONTAINER },
      },
    },
    Pooler: {
      apiVersion: "postgresql.cnpg.io/v1",
      spec: {
        cluster: { name: "users-db" },
        template: {
          spec: {
            securityContext: { ...POOLER_POD_SECURITY },
            containers: [
              { name: "pgbouncer", resources: RESOURCES, securityContext: { ...RESTRICTED_CONTAINER } },
            ],
          },
        },
      },
    },
    Prometheus: {
      apiVersion: "monitoring.coreos.com/v1",
      spec: {
        image: "quay.io/prometheus/prometheus:v3.14.0-distroless",
        resources: RESOURCES,
        securityContext: { ...POD_SECURITY },
      },
    },
    Alertmanager: {
      apiVersion: "monitoring.coreos.com/v1",
      spec: {
        image: "quay.io/prometheus/alertmanager:v0.34.0",
        resources: RESOURCES,
        securityContext: { ...POD_SECURITY },
      },
    },
    SpiceDBCluster: {
      apiVersion: "authzed.com/v1alpha1",
      spec: { channel: "stable", config: {}, patches: restrictedPatches(RESOURCES, RESOURCES) },
    },
  };
}

function check(edit: (specs: ReturnType<typeof goodSpecs>) => void = () => undefined) {
  const specs = goodSpecs();
  edit(specs);
  return messagesOf(operatorPodPolicies, ({ k8s: provider }) => {
    for (const [kind, { apiVersion, spec }] of Object.entries(specs)) {
      new k8s.apiextensions.CustomResource(
        kind.toLowerCase(),
        { apiVersion, kind, metadata: { name: kind.toLowerCase(), namespace: "ops" }, spec },
        { provider },
      );
    }
  });
}

const pooler = (s: ReturnType<typeof goodSpecs>) =>
  (s.Pooler.spec.template as { spec: { containers: Spec[]; securityContext: Spec } }).spec;

describe("operator-pod rules", () => {
  it("accept a Cluster, Pooler, Prometheus, Alertmanager and SpiceDBCluster with restricted pods", async () => {
    expect(await check()).toEqual([]);
  });

  it("operator-pod-security-context rejects a Cluster whose pods may escalate privileges", async () => {
    const messages = await check((s) => {
      (s.Cluster.spec.securityContext as Spec).allowPrivilegeEscalation = true;
    });
    expect(messages).toEqual([
      "operator-pod-security-context: Cluster ops/cluster: container postgres does not set allowPrivilegeEscalation: false",
    ]);
  });

  it("operator-pod-security-context asks a Cluster for the settings it leaves to the operator", async () => {
    const messages = await check((s) => {
      delete s.Cluster.spec.securityContext;
      delete s.Cluster.spec.podSecurityContext;
      delete s.Cluster.spec.seccompProfile;
    });
    expect(messages).toEqual([
      "operator-pod-security-context: Cluster ops/cluster: container postgres does not set runAsNonRoot: true",
      "operator-pod-security-context: Cluster ops/cluster: container postgres does not set allowPrivilegeEscalation: false",
      "operator-pod-security-context: Cluster ops/cluster: container postgres has seccomp profile unset, not RuntimeDefault",
    ]);
  });

  it("operator-pod-security-context rejects Prometheus running as root", async () => {
    const messages = await check((s) => {
      (s.Prometheus.spec.securityContext as Spec).runAsUser = 0;
    });
    expect(messages).toEqual([
      "operator-pod-security-context: Prometheus ops/prometheus: container prometheus runs as user 0",
    ]);
  });

  it("operator-pod-security-context rejects an Alertmanager container override that escalates", async () => {
    const messages = await check((s) => {
      s.Alertmanager.spec.containers = [
        { name: "alertmanager", securityContext: { allowPrivilegeEscalation: true } },
      ];
    });
    expect(messages).toEqual([
      "operator-pod-security-context: Alertmanager ops/alertmanager: container alertmanager does not set allowPrivilegeEscalation: false",
    ]);
  });

  it("operator-pod-security-context rejects a SpiceDBCluster without its security patches", async () => {
    const messages = await check((s) => {
      s.SpiceDBCluster.spec.patches = restrictedPatches(RESOURCES, RESOURCES).filter(
        (p) => !(p.kind === "Job" && p.patch.path.endsWith("/securityContext")),
      );
    });
    expect(messages).toEqual([
      "operator-pod-security-context: SpiceDBCluster ops/spicedbcluster: container migrate does not set runAsNonRoot: true",
      "operator-pod-security-context: SpiceDBCluster ops/spicedbcluster: container migrate does not set allowPrivilegeEscalation: false",
      "operator-pod-security-context: SpiceDBCluster ops/spicedbcluster: container migrate has seccomp profile unset, not RuntimeDefault",
    ]);
  });

  it("operator-pod-resources rejects a Pooler whose PgBouncer has no limits", async () => {
    const messages = await check((s) => {
      pooler(s).containers[0].resources = { requests: RESOURCES.requests };
    });
    expect(messages).toEqual([
      "operator-pod-resources: Pooler ops/pooler: container pgbouncer lacks resources limits.cpu, limits.memory",
    ]);
  });

  it("operator-pod-resources rejects a Pooler that leaves PgBouncer out of its template", async () => {
    const messages = await check((s) => {
      pooler(s).containers = [];
    });
    expect(messages).toContain(
      "operator-pod-resources: Pooler ops/pooler: container pgbouncer lacks resources requests.cpu, requests.memory, limits.cpu, limits.memory",
    );
  });

  it("operator-pod-allowed-registries rejects a Cluster image from an unknown registry", async () => {
    const messages = await check((s) => {
      s.Cluster.spec.imageName = "registry.example.net/postgresql:18";
    });
    expect(messages).toEqual([
      expect.stringMatching(
        /^operator-pod-allowed-registries: Cluster ops\/cluster: container postgres image "registry.example.net\/postgresql:18" is not from an allowed registry/,
      ),
    ]);
  });

  it("operator-pod-allowed-registries follows the pack config's allow-list and the operators' default images", async () => {
    const specs = goodSpecs();
    delete specs.Prometheus.spec.image;
    const messages = await messagesOf(
      operatorPodPolicies,
      ({ k8s: provider }) => {
        new k8s.apiextensions.CustomResource(
          "p",
          {
            apiVersion: specs.Prometheus.apiVersion,
            kind: "Prometheus",
            metadata: { name: "p", namespace: "ops" },
            spec: specs.Prometheus.spec,
          },
          { provider },
        );
      },
      { "operator-pod-allowed-registries": { registries: ["ghcr.io/"] } },
    );
    expect(messages).toEqual([
      expect.stringContaining(
        'container prometheus image "quay.io/prometheus/prometheus" is not from an allowed registry',
      ),
    ]);
  });

  it("exempt one custom resource's finding through the pack config, with its reason", async () => {
    const messages = await messagesOf(
      operatorPodPolicies,
      ({ k8s: provider }) => {
        const spec = { ...goodSpecs().Prometheus.spec, resources: {} };
        new k8s.apiextensions.CustomResource(
          "p",
          {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "Prometheus",
            metadata: { name: "p", namespace: "ops" },
            spec,
          },
          { provider },
        );
      },
      {
        "operator-pod-resources": {
          exemptions: [
            { workload: "Prometheus ops/p", reason: "sized by the vertical pod autoscaler in this test" },
          ],
        },
      },
    );
    expect(messages).toEqual([]);
  });
});
