import { planOf, ofType, one, programResources } from "./harness";

const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";
const POOL = "digitalocean:index/kubernetesNodePool:KubernetesNodePool";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

describe.each(["staging", "production"])("the %s plan", (stack) => {
  it("registers the cluster, its VPC, pools, namespaces and policies", async () => {
    const plan = await planOf(stack);
    const types = new Set(programResources(plan).map((r) => r.type));
    for (const type of [
      "digitalocean:index/vpc:Vpc",
      CLUSTER,
      POOL,
      K8S_PROVIDER,
      "kubernetes:core/v1:Namespace",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    ]) {
      expect(types).toContain(type);
    }
  });

  it("puts the cluster in the VPC and builds the Kubernetes provider from its kubeconfig, as a secret", async () => {
    const plan = await planOf(stack);
    const vpc = one(plan, "digitalocean:index/vpc:Vpc");
    const cluster = one(plan, CLUSTER);
    expect(vpc.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(cluster.inputs.vpcUuid).toBe(vpc.id);
    expect(cluster.dependencies).toContain(vpc.urn);
    const provider = one(plan, K8S_PROVIDER);
    expect(provider.secretPaths).toContain("kubeconfig");
    expect(String(provider.inputs.kubeconfig)).toContain(`server: ${String(cluster.outputs.endpoint)}`);
    expect(plan.outputSecretPaths).toContain("kubeconfig");
  });

  it("names the cluster's Kubernetes provider on every Kubernetes resource", async () => {
    const plan = await planOf(stack);
    const provider = one(plan, K8S_PROVIDER);
    const k8sResources = plan.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(k8sResources.length).toBeGreaterThan(20);
    for (const r of k8sResources)
      expect({ urn: r.urn, provider: r.provider }).toEqual({ urn: r.urn, provider: provider.urn });
  });

  it("labels every namespace for Pod Security Admission and gives it a default-deny policy", async () => {
    const plan = await planOf(stack);
    const namespaces = ofType(plan, "kubernetes:core/v1:Namespace");
    const policies = ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
    expect(namespaces.length).toBeGreaterThanOrEqual(10);
    for (const ns of namespaces) {
      const meta = ns.inputs.metadata as { name: string; labels: Record<string, string> };
      expect(["restricted", "baseline", "privileged"]).toContain(
        meta.labels["pod-security.kubernetes.io/enforce"],
      );
      expect(meta.labels["pod-security.kubernetes.io/enforce-version"]).toMatch(/^v1\.\d+$/);
      const deny = policies.find((p) => p.name === `${meta.name}-default-deny`);
      expect(deny?.inputs).toMatchObject({
        metadata: { name: "default-deny", namespace: meta.name },
        spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
      });
      expect((deny?.inputs.spec as Record<string, unknown>).ingress).toBeUndefined();
    }
    // Only the host-level collectors' namespace may relax Pod Security.
    const relaxed = namespaces.filter(
      (ns) =>
        (ns.inputs.metadata as { labels: Record<string, string> }).labels[
          "pod-security.kubernetes.io/enforce"
        ] !== "restricted",
    );
    expect(relaxed.map((ns) => ns.name)).toEqual(["node-agents"]);
  });

  it("gives the provider for DigitalOcean its token as a secret", async () => {
    const plan = await planOf(stack);
    const doProvider = one(plan, "pulumi:providers:digitalocean");
    expect(doProvider.secretPaths).toContain("token");
    for (const r of plan.resources.filter((x) => x.type.startsWith("digitalocean:"))) {
      expect(r.provider).toBe(doProvider.urn);
    }
  });
});

describe("stacks differ as configured", () => {
  it("runs production with an HA, firewalled, surge-upgraded, protected cluster", async () => {
    const cluster = one(await planOf("production"), CLUSTER);
    expect(cluster.inputs).toMatchObject({
      ha: true,
      surgeUpgrade: true,
      controlPlaneFirewall: { enabled: true, allowedAddresses: ["198.51.100.0/24", "203.0.113.8/29"] },
      maintenancePolicy: { day: "sunday", startTime: "02:30" },
      nodePool: { name: "system", size: "g-4vcpu-16gb", nodeCount: 3, autoScale: false },
      region: "fra1",
      name: "prism-production",
    });
    expect(cluster.options.protect).toBe(true);
  });

  it("runs staging with a single control plane, no firewall and an unprotected cluster", async () => {
    const cluster = one(await planOf("staging"), CLUSTER);
    expect(cluster.inputs).toMatchObject({
      ha: false,
      maintenancePolicy: { day: "sunday", startTime: "03:00" },
      nodePool: { size: "s-4vcpu-8gb", nodeCount: 2 },
      name: "prism-staging",
    });
    expect(cluster.inputs.controlPlaneFirewall).toBeUndefined();
    expect(cluster.options.protect).toBe(false);
  });

  it("resolves the configured Kubernetes minor to the newest DOKS patch", async () => {
    expect(one(await planOf("production"), CLUSTER).inputs.version).toMatch(/^1\.34\.\d+-do\.\d+$/);
  });

  it("creates autoscaling workload pools per stack config, leaving the node count to the autoscaler", async () => {
    const pools = (stack: string) =>
      planOf(stack).then((plan) =>
        ofType(plan, POOL).map((p) => ({
          name: p.inputs.name,
          size: p.inputs.size,
          min: p.inputs.minNodes,
          max: p.inputs.maxNodes,
          autoScale: p.inputs.autoScale,
          taints: p.inputs.taints,
          ignored: p.options.ignoreChanges,
        })),
      );
    expect(await pools("staging")).toEqual([
      {
        name: "services",
        size: "s-4vcpu-8gb",
        min: 1,
        max: 4,
        autoScale: true,
        taints: [],
        ignored: ["nodeCount"],
      },
    ]);
    const production = await pools("production");
    expect(production).toHaveLength(2);
    expect(production).toContainEqual({
      name: "data",
      size: "m-4vcpu-32gb",
      min: 3,
      max: 6,
      autoScale: true,
      taints: [{ key: "prism.io/workload", value: "data", effect: "NoSchedule" }],
      ignored: ["nodeCount"],
    });
  });
});
