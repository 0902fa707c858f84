/**
 * The Kubernetes provider's kubeconfig fetches its credentials when used: it carries the cluster's
 * endpoint and CA and a doctl exec user, never a token. DigitalOcean mints a new token on every
 * read of a cluster's credentials, so a kubeconfig holding one would change the provider's inputs
 * on every run (a preview diff, daily drift) and go stale in state after seven days (refresh and
 * destroy run on the stored kubeconfig). The one token a run mints is for the keyless issuer read.
 */
import { parse } from "yaml";
import { z } from "zod";
import { planStack } from "../tools/engine/engine";
import { mintedTokenCount } from "../tools/engine/cloud/digitalocean";
import type { Plan } from "../tools/engine/plan";
import { one } from "./harness";

const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";
const K8S_PROVIDER = "pulumi:providers:kubernetes";

const ExecKubeconfig = z.object({
  "current-context": z.string(),
  clusters: z.array(
    z.object({
      name: z.string(),
      cluster: z.strictObject({ server: z.string(), "certificate-authority-data": z.string() }),
    }),
  ),
  contexts: z.array(
    z.object({ name: z.string(), context: z.object({ cluster: z.string(), user: z.string() }) }),
  ),
  users: z.array(
    z.object({
      name: z.string(),
      user: z.strictObject({
        exec: z.object({
          apiVersion: z.string(),
          command: z.string(),
          args: z.array(z.string()),
          interactiveMode: z.string(),
        }),
      }),
    }),
  ),
});

function providerKubeconfig(plan: Plan): string {
  return String(one(plan, K8S_PROVIDER).inputs.kubeconfig);
}

describe.each(["staging", "production"])("%s's Kubernetes provider", (stack) => {
  let first: Plan;
  let second: Plan;
  let minted: number;
  beforeAll(async () => {
    const before = mintedTokenCount();
    first = await planStack({ stack });
    minted = mintedTokenCount() - before;
    second = await planStack({ stack });
  }, 600_000);

  it("gets the same kubeconfig on every run, so previews and the drift check see no change", () => {
    expect(providerKubeconfig(second)).toBe(providerKubeconfig(first));
    expect(second.outputs.kubeconfig).toBe(first.outputs.kubeconfig);
  });

  it("holds no token: doctl fetches one for the cluster when the provider connects", () => {
    const text = providerKubeconfig(first);
    expect(text).not.toMatch(/token:|simulated-/);
    const kubeconfig = ExecKubeconfig.parse(parse(text));
    const cluster = one(first, CLUSTER);
    const context = kubeconfig.contexts.find((c) => c.name === kubeconfig["current-context"])?.context;
    expect(kubeconfig.clusters.find((c) => c.name === context?.cluster)?.cluster).toEqual({
      server: cluster.outputs.endpoint,
      "certificate-authority-data": (cluster.outputs.kubeConfigs as { clusterCaCertificate: string }[])[0]
        .clusterCaCertificate,
    });
    expect(kubeconfig.users.find((u) => u.name === context?.user)?.user.exec).toEqual({
      apiVersion: "client.authentication.k8s.io/v1beta1",
      command: "doctl",
      args: ["kubernetes", "cluster", "kubeconfig", "exec-credential", "--version=v1beta1", cluster.id],
      interactiveMode: "Never",
    });
    expect(first.outputs.kubeconfig).toBe(text);
  });

  it("is identified by the cluster's id, so only a new cluster replaces it and the resources on it", () => {
    expect(one(first, K8S_PROVIDER).inputs.clusterIdentifier).toBe(one(first, CLUSTER).id);
  });

  it("still gives the restore drill the cluster's server and CA, with the drill's own token", () => {
    const admin = ExecKubeconfig.parse(parse(providerKubeconfig(first))).clusters[0].cluster;
    expect(parse(String(first.outputs.restoreDrillKubeconfig))).toMatchObject({
      clusters: [{ cluster: admin }],
      users: [{ user: { token: expect.any(String) as unknown } }],
    });
  });

  it("mints one token a run, for the keyless issuer read, and none without federation", async () => {
    expect(minted).toBe(1);
    const before = mintedTokenCount();
    await planStack({
      stack,
      mutateConfig: (c) => {
        c["prism:gcpServiceAccountKeys"] = "allowed";
      },
    });
    expect(mintedTokenCount() - before).toBe(0);
  }, 300_000);
});
