import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceAndNetworkPolicies } from "../../policies/rules/namespacesAndNetwork";
import { stackSafetyPolicies } from "../../policies/rules/stackSafety";
import { messagesOf } from "../policyHarness";

const rules = [...namespaceAndNetworkPolicies, ...stackSafetyPolicies];
const psa = (level: string) => ({ "pod-security.kubernetes.io/enforce": level });
const denyAll = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };

describe("namespace and network rules", () => {
  it("accept a restricted namespace with a default-deny policy, and the listed privileged exception", async () => {
    const messages = await messagesOf(rules, ({ k8s: provider }) => {
      for (const [name, level] of [
        ["apps", "restricted"],
        ["node-agents", "privileged"],
      ]) {
        new k8s.core.v1.Namespace(name, { metadata: { name, labels: psa(level) } }, { provider });
        new k8s.networking.v1.NetworkPolicy(
          `${name}-deny`,
          { metadata: { name: "default-deny", namespace: name }, spec: denyAll },
          { provider },
        );
      }
    });
    expect(messages).toEqual([]);
  });

  it("reject a namespace without a PSA label, an unlisted baseline one, and namespaces without default-deny", async () => {
    const messages = await messagesOf(rules, ({ k8s: provider }) => {
      new k8s.core.v1.Namespace("bare", { metadata: { name: "bare" } }, { provider });
      new k8s.core.v1.Namespace(
        "loose",
        { metadata: { name: "loose", labels: psa("baseline") } },
        { provider },
      );
      // A policy that allows ingress is not a default deny.
      new k8s.networking.v1.NetworkPolicy(
        "loose-open",
        { metadata: { name: "open", namespace: "loose" }, spec: { ...denyAll, ingress: [{}] } },
        { provider },
      );
    });
    expect(messages).toEqual(
      expect.arrayContaining([
        "k8s-namespace-pod-security: namespace bare has no pod-security.kubernetes.io/enforce label",
        expect.stringContaining('k8s-namespace-pod-security: namespace loose enforces "baseline"'),
        expect.stringContaining("k8s-default-deny-network-policy: namespace bare has no default-deny"),
        expect.stringContaining("k8s-default-deny-network-policy: namespace loose has no default-deny"),
      ]),
    );
  });

  it("reject objects in the default namespace and accept cluster-scoped kinds and manifest components", async () => {
    const messages = await messagesOf(rules, ({ k8s: provider }) => {
      new k8s.core.v1.ConfigMap("cm", { metadata: { name: "cm" }, data: { a: "b" } }, { provider });
      new k8s.rbac.v1.ClusterRole("reader", { metadata: { name: "reader" }, rules: [] }, { provider });
      // A ConfigFile's objects name their own namespaces; the component itself has none.
      new k8s.yaml.v2.ConfigFile("bundle", { file: "https://example.com/bundle.yaml" }, { provider });
    });
    expect(messages).toEqual(["k8s-no-default-namespace: ConfigMap cm is in no namespace (default)"]);
  });

  it("allow only allow-listed load balancers, and only with source ranges", async () => {
    const lb = (name: string, namespace: string, ranges?: string[]) => ({
      metadata: { name, namespace },
      spec: { type: "LoadBalancer", ports: [{ port: 7018 }], loadBalancerSourceRanges: ranges },
    });
    const messages = await messagesOf(rules, ({ k8s: provider }) => {
      new k8s.core.v1.Service("ok", lb("traefik-cvm-agents", "edge", ["203.0.113.0/28"]), { provider });
      new k8s.core.v1.Service("open", lb("traefik-cvm-agents", "edge", ["0.0.0.0/0"]), { provider });
      new k8s.core.v1.Service("stray", lb("grafana", "monitoring", ["203.0.113.0/28"]), { provider });
      new k8s.core.v1.Service(
        "internal",
        { metadata: { name: "api", namespace: "edge" }, spec: { ports: [{ port: 80 }] } },
        { provider },
      );
    });
    expect(messages.filter((m) => m.startsWith("k8s-service-exposure"))).toEqual([
      "k8s-service-exposure: Service edge/traefik-cvm-agents is a load balancer without restrictive loadBalancerSourceRanges",
      "k8s-service-exposure: Service monitoring/grafana is of type LoadBalancer but not allow-listed; traffic enters through the Cloudflare tunnel",
    ]);
  });
});

describe("stack-wide safety rules", () => {
  it("reject an unprotected cluster and accept a protected one", async () => {
    const build = (protect: boolean) => () => {
      new digitalocean.KubernetesCluster(
        "c",
        {
          region: "fra1",
          version: "1.34.1-do.0",
          nodePool: { name: "system", size: "s-2vcpu-4gb", nodeCount: 1 },
        },
        { protect },
      );
    };
    expect(await messagesOf(stackSafetyPolicies, build(false))).toEqual([
      "stateful-resources-protected: digitalocean:index/kubernetesCluster:KubernetesCluster c holds state but is not protected",
    ]);
    expect(await messagesOf(stackSafetyPolicies, build(true))).toEqual([]);
  });

  it("reject a Kubernetes resource on the default provider", async () => {
    const messages = await messagesOf(stackSafetyPolicies, () => {
      new k8s.core.v1.ConfigMap("ambient", { metadata: { name: "x", namespace: "apps" } });
    });
    expect(messages).toEqual([
      "k8s-explicit-provider: kubernetes:core/v1:ConfigMap ambient uses the default Kubernetes provider (ambient kubeconfig)",
    ]);
  });

  it("reject a provider credential in plaintext and accept it as a secret", async () => {
    const messages = await messagesOf(stackSafetyPolicies, () => {
      new k8s.Provider("plain", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
      new k8s.Provider("sealed", { kubeconfig: pulumi.secret("apiVersion: v1\nkind: Config\n") });
      // The DigitalOcean SDK marks its token secret itself.
      new digitalocean.Provider("do", { token: "placeholder-token" });
    });
    expect(messages).toEqual([
      "credentials-are-secrets: pulumi:providers:kubernetes plain passes kubeconfig in plaintext; wrap it in pulumi.secret or read it with requireSecret",
    ]);
  });
});
