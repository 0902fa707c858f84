/**
 * Choices that differ per stack (protection, retained volumes, the unseal key, the Traefik
 * dashboard, where traces live) are config: each environment's defaults, which a stack file may
 * override key by key, and which reach the resources through the layer functions.
 */
import { RETAIN_STORAGE_CLASS } from "../components/cluster/retainStorageClass";
import { buildEdge, buildPki } from "../stacks/platform";
import type { Plan } from "../tools/engine/plan";
import type { ConfigMutation } from "../tools/engine/stackSettings";
import { ofType, one, planWithFoundation, section, stackConfigOf } from "./harness";

const CLUSTER = "digitalocean:index/kubernetesCluster:KubernetesCluster";
const CRYPTO_KEY = "gcp:kms/cryptoKey:CryptoKey";
const KEY_RING = "gcp:kms/keyRing:KeyRing";
const RELEASE = "kubernetes:helm.sh/v3:Release";

const autoUnseal = (c: Record<string, unknown>) =>
  section(section(section(c, "prism:pki"), "openbao"), "autoUnseal");

describe("each environment's defaults", () => {
  it("protect and retain in production, not in staging", () => {
    expect(stackConfigOf("staging").stateful).toEqual({ protect: false, retainVolumes: false });
    expect(stackConfigOf("production").stateful).toEqual({ protect: true, retainVolumes: true });
  });

  it("keep production's unseal key in an HSM with GCP's longest destroy window", () => {
    const unseal = (stack: string) => stackConfigOf(stack).pki.openbao.autoUnseal;
    expect(unseal("production")).toMatchObject({ protectionLevel: "HSM", destroyScheduledDays: 120 });
    expect(unseal("staging")).toMatchObject({ protectionLevel: "SOFTWARE", destroyScheduledDays: 30 });
  });
});

describe("a stack file's override", () => {
  it("replaces the one key it sets and keeps the environment's default for the rest", () => {
    const config = stackConfigOf("staging", (c) => {
      c["prism:stateful"] = { protect: true };
      c["prism:observability"] = {
        ...section(c, "prism:observability"),
        tracing: { samplingPercent: 100, storage: "opensearch" },
      };
    });
    expect(config.stateful).toEqual({ protect: true, retainVolumes: false });
    expect(config.observability.tracing.storage).toBe("opensearch");
    // The stack's own keys of the same section are untouched.
    expect(config.pki.openbao.autoUnseal.gcpProject).toBe(
      stackConfigOf("staging").pki.openbao.autoUnseal.gcpProject,
    );
  });

  it("reaches the cluster: staging set to protect gets a protected, retained cluster", async () => {
    const cluster = async (mutate?: ConfigMutation) =>
      one(await planWithFoundation("staging", () => {}, mutate), CLUSTER).options;
    expect(await cluster()).toMatchObject({ protect: false, retainOnDelete: false });
    expect(await cluster((c) => (c["prism:stateful"] = { protect: true }))).toMatchObject({
      protect: true,
      retainOnDelete: true,
    });
  });

  it("reaches OpenBao: an HSM key with a 60-day window, protected, on retained volumes", async () => {
    const plan: Plan = await planWithFoundation(
      "staging",
      (ctx) => buildPki({ ...ctx, previous: {} }, ctx),
      (c) => {
        Object.assign(autoUnseal(c), { protectionLevel: "HSM", destroyScheduledDays: 60 });
        c["prism:stateful"] = { protect: true, retainVolumes: true };
      },
    );
    const key = one(plan, CRYPTO_KEY);
    expect(key.inputs.versionTemplate).toMatchObject({ protectionLevel: "HSM" });
    expect(key.inputs.destroyScheduledDuration).toBe(`${60 * 86400}s`);
    expect(key.options).toMatchObject({ protect: true, retainOnDelete: true });
    expect(one(plan, KEY_RING).options.protect).toBe(true);
    const openbao = ofType(plan, RELEASE).find((r) => r.name === "openbao");
    expect(openbao?.options.protect).toBe(true);
    const server = (openbao?.inputs.values as { server: { dataStorage: { storageClass: unknown } } }).server;
    expect(server.dataStorage.storageClass).toBe(RETAIN_STORAGE_CLASS);
  });

  it("reaches the edge: staging can turn Traefik's dashboard off", async () => {
    const dashboard = async (mutate?: ConfigMutation) => {
      const plan = await planWithFoundation(
        "staging",
        (ctx) => buildEdge({ ...ctx, previous: {} }, ctx, { confidential: { egressRangeList: [] } }),
        mutate,
      );
      const traefik = ofType(plan, RELEASE).find((r) => r.name === "traefik");
      return (traefik?.inputs.values as { api: { dashboard: boolean } }).api.dashboard;
    };
    expect(await dashboard()).toBe(true);
    expect(await dashboard((c) => (section(c, "prism:edge").traefikDashboard = false))).toBe(false);
  });
});
