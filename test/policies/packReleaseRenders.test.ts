/**
 * The pack itself renders the Releases it is given, as under `pulumi preview --policy-pack
 * policies`: the same objects the offline plan renders, one broken add-on value per workload rule
 * rejected (offline and over the analyzer protocol), and a value unknown during preview reported
 * as not yet decidable.
 */
import { execFileSync } from "child_process";
import * as os from "os";
import * as path from "path";
import { evaluatePolicies, type EvaluatedResource } from "../../policies/lib/evaluate";
import { renderForPack } from "../../policies/lib/packRenders";
import { UNKNOWN_STRING } from "../../policies/lib/previewValues";
import { allPolicies } from "../../policies/rules";
import { kubernetesWorkloadPolicies } from "../../policies/rules/kubernetesWorkloads";
import { mandatory, stackPolicyConfig, toEvaluated } from "../../tools/engine/policyRun";
import { CLUSTER_TYPE, RELEASE_TYPE, renderPlanReleases } from "../../tools/engine/renderReleases";
import { planOf } from "../harness";
import {
  analyze,
  analyzeRequest,
  configure,
  configureRequest,
  getAnalyzerInfo,
  installPackedPack,
  startPack,
  violationsOf,
  type RunningPack,
} from "../../tools/policy/analyzerWire";
import { parsePackConfigFile, policyInfos, reconcilePackConfig } from "../../policies/lib/packConfig";

jest.setTimeout(900_000);

const ROOT = path.resolve(__dirname, "..", "..");
type Values = Record<string, unknown>;

/** The cluster and one Release of a stack's plan, the Release's values edited. */
async function clusterAndRelease(
  release: string,
  edit: (v: Values) => void,
  stack = "staging",
): Promise<EvaluatedResource[]> {
  const resources = JSON.parse(JSON.stringify(toEvaluated(await planOf(stack)))) as EvaluatedResource[];
  const cluster = resources.find((r) => r.type === CLUSTER_TYPE);
  const r = resources.find((x) => x.type === RELEASE_TYPE && x.inputs.name === release);
  if (!cluster || !r) throw new Error(`no cluster or Release ${release} in the ${stack} plan`);
  r.inputs.values ??= {};
  edit(r.inputs.values as Values);
  return [cluster, r];
}

const privileged = (v: Values) => {
  v.securityContext = { ...(v.securityContext as Values), privileged: true };
};
const unknownPodAnnotation = (v: Values) => {
  const deployment = (v.deployment ?? {}) as Values;
  v.deployment = {
    ...deployment,
    podAnnotations: { ...(deployment.podAnnotations as Values), "preview/x": UNKNOWN_STRING },
  };
};

/** Traefik's container security context, edited. */
const containerContext = (edit: Values) => (v: Values) => {
  v.securityContext = { ...(v.securityContext as Values), ...edit };
};

/** A sidecar beside Traefik with Traefik's container settings, `extra` on top. */
const sidecar = (v: Values, extra: Values) => {
  const deployment = (v.deployment ?? {}) as Values;
  v.deployment = {
    ...deployment,
    additionalContainers: [
      {
        name: "sidecar",
        image: "docker.io/library/busybox:1.37.0",
        securityContext: v.securityContext,
        resources: v.resources,
        ...extra,
      },
    ],
  };
};

/**
 * One break of Traefik's chart values per workload rule of the pack, each a value the chart's
 * values.yaml offers. Probes and the token mount are fixed in the chart's pod template, so those two
 * rules are broken through a sidecar without probes and by dropping the pod's token annotation.
 */
const WORKLOAD_BREAKS: { policy: string; what: string; edit: (v: Values) => void }[] = [
  {
    policy: "k8s-run-as-non-root",
    what: "run as uid 0",
    edit: containerContext({ runAsUser: 0, runAsNonRoot: false }),
  },
  { policy: "k8s-no-privileged", what: "a privileged container", edit: privileged },
  {
    policy: "k8s-no-privilege-escalation",
    what: "privilege escalation allowed",
    edit: containerContext({ allowPrivilegeEscalation: true }),
  },
  {
    policy: "k8s-drop-all-capabilities",
    what: "no capability dropped, NET_ADMIN added",
    edit: containerContext({ capabilities: { drop: [], add: ["NET_ADMIN"] } }),
  },
  {
    policy: "k8s-seccomp-runtime-default",
    what: "seccomp unconfined",
    edit: (v) => {
      containerContext({ seccompProfile: { type: "Unconfined" } })(v);
      v.podSecurityContext = { ...(v.podSecurityContext as Values), seccompProfile: { type: "Unconfined" } };
    },
  },
  { policy: "k8s-resource-requests-limits", what: "no resources", edit: (v) => void (v.resources = {}) },
  {
    policy: "k8s-liveness-readiness-probes",
    what: "a sidecar without probes",
    edit: (v) => sidecar(v, {}),
  },
  { policy: "k8s-no-host-access", what: "the host's network", edit: (v) => void (v.hostNetwork = true) },
  {
    policy: "k8s-image-tag-pinned",
    what: "a sidecar on the latest tag",
    // The chart itself refuses `latest` for Traefik's own image, so the break is a sidecar's.
    edit: (v) =>
      sidecar(v, {
        image: "docker.io/library/busybox:latest",
        readinessProbe: { exec: { command: ["true"] } },
        livenessProbe: { exec: { command: ["true"] } },
      }),
  },
  {
    policy: "k8s-allowed-registries",
    what: "an image from an unlisted registry",
    edit: (v) => void (v.image = { ...(v.image as Values), registry: "registry.example.com" }),
  },
  {
    policy: "k8s-no-automount-sa-token",
    what: "the token mounted without a stated reason",
    edit: (v) => {
      const deployment = (v.deployment ?? {}) as Values;
      v.deployment = { ...deployment, podAnnotations: {} };
    },
  },
  {
    policy: "k8s-no-literal-secret-env",
    what: "a literal token in the environment",
    edit: (v) => void (v.env = [{ name: "API_TOKEN", value: "not-a-real-token" }]),
  },
];

describe.each(["staging", "production"])("the pack on the %s plan", (stack) => {
  it("renders every Release as the offline plan does, and finds nothing mandatory", async () => {
    const plan = await planOf(stack);
    const violations = await evaluatePolicies(allPolicies, toEvaluated(plan), stackPolicyConfig(stack));
    expect(mandatory(violations)).toEqual([]);
    const offline = await renderPlanReleases(plan);
    for (const r of plan.resources.filter((x) => x.type === RELEASE_TYPE)) {
      const packed = await renderForPack(r.inputs, r.name);
      if (!("objects" in packed)) throw new Error(`${r.name}: ${packed.undecidable}`);
      const plans = offline.find((o) => o.release === packed.release);
      expect({ release: packed.release, objects: packed.objects.map((o) => o.manifest) }).toEqual({
        release: packed.release,
        objects: plans?.manifests,
      });
    }
  });
});

describe("a Release the pack is given", () => {
  const config = stackPolicyConfig("staging");

  it("is rejected when a value breaks a rule on an object it renders", async () => {
    const found = await evaluatePolicies(allPolicies, await clusterAndRelease("traefik", privileged), config);
    expect(mandatory(found).map((v) => `${v.policy}: ${v.message}`)).toEqual([
      "k8s-no-privileged: release traefik renders Deployment edge/traefik: Deployment edge/traefik: container traefik is privileged",
    ]);
  });

  it("is not yet decidable when the broken object depends on a value unknown during preview", async () => {
    const resources = await clusterAndRelease("traefik", (v) => (privileged(v), unknownPodAnnotation(v)));
    const found = await evaluatePolicies(allPolicies, resources, config);
    expect(mandatory(found)).toEqual([]);
    const advisory = found.filter((v) => v.policy === "k8s-no-privileged");
    expect(advisory.map((v) => v.enforcementLevel)).toEqual(["advisory"]);
    // As CrossGuard words it: the read of the unknown value, then what the placeholder render found.
    expect(advisory[0].message).toMatch(
      /^can't run policy 'k8s-no-privileged' during preview: string value at \.values\.deployment\.podAnnotations\.preview\/x can't be known during preview; not yet decidable: values\.deployment\.podAnnotations\.preview\/x unknown .*container traefik is privileged$/,
    );
    expect(advisory[0].undecided).toBe(".values.deployment.podAnnotations.preview/x");
  });

  it("is still rejected when the unknown value leaves the broken object as it is", async () => {
    const resources = await clusterAndRelease("traefik", (v) => {
      privileged(v);
      v.service = { ...(v.service as Values), annotations: { "preview/x": UNKNOWN_STRING } };
    });
    const found = mandatory(await evaluatePolicies(allPolicies, resources, config));
    expect(found.map((v) => v.policy)).toEqual(["k8s-no-privileged"]);
  });
});

describe("the compiled pack", () => {
  it("finds the repository from policies/bin/lib, whatever the working directory", () => {
    execFileSync("npx", ["tsc", "-p", "policies"], { cwd: ROOT });
    const script = `console.log(require(${JSON.stringify(path.join(ROOT, "policies/bin/lib/projectRoot.js"))}).projectRoot())`;
    const env = { ...process.env, PRISM_PROJECT_ROOT: "" };
    const out = execFileSync(process.execPath, ["-e", script], { cwd: os.tmpdir(), env, encoding: "utf8" });
    expect(out.trim()).toBe(ROOT);
  });

  describe("served over the analyzer protocol", () => {
    let pack: RunningPack;

    beforeAll(async () => {
      pack = await startPack(installPackedPack());
      const info = await getAnalyzerInfo(pack.client);
      const infos = info.getPoliciesList().map((p) => p.getName());
      expect(infos).toEqual(allPolicies.map((p) => p.name));
      const reconciled = reconcilePackConfig(
        policyInfos(allPolicies),
        parsePackConfigFile(stackPolicyConfig("staging")),
      );
      await configure(pack.client, configureRequest(reconciled));
    });

    afterAll(() => {
      pack?.client.close();
      pack?.process.kill();
    });

    async function overGrpc(resources: EvaluatedResource[]) {
      const byUrn = new Map(resources.map((r) => [r.urn, r]));
      const found = [];
      for (const r of resources)
        found.push(...violationsOf(await analyze(pack.client, analyzeRequest(r, byUrn)), r.urn));
      return found;
    }

    it("rejects a Release whose values make a rendered container privileged", async () => {
      const found = await overGrpc(await clusterAndRelease("traefik", privileged));
      // The server sends the policy's description, then the message, as one text.
      expect(mandatory(found).map((v) => `${v.policy}: ${v.message.split("\n").pop()}`)).toEqual([
        "k8s-no-privileged: release traefik renders Deployment edge/traefik: Deployment edge/traefik: container traefik is privileged",
      ]);
    });

    it("rejects one break of an add-on value per workload rule, as the offline evaluator does", async () => {
      // Production's config: image pinning is advisory in staging.
      const production = reconcilePackConfig(
        policyInfos(allPolicies),
        parsePackConfigFile(stackPolicyConfig("production")),
      );
      await configure(pack.client, configureRequest(production));
      try {
        const base = await clusterAndRelease("traefik", () => undefined, "production");
        expect(mandatory(await overGrpc(base))).toEqual([]);
        const missed: string[] = [];
        for (const b of WORKLOAD_BREAKS) {
          const resources = await clusterAndRelease("traefik", b.edit, "production");
          const offline = mandatory(
            await evaluatePolicies(allPolicies, resources, stackPolicyConfig("production")),
          );
          const served = mandatory(await overGrpc(resources));
          const caught = (vs: { policy: string }[]) => vs.some((v) => v.policy === b.policy);
          if (!caught(offline) || !caught(served))
            missed.push(`${b.policy} (${b.what}): offline ${caught(offline)}, over gRPC ${caught(served)}`);
        }
        expect(missed).toEqual([]);
        // Every workload rule of the pack is broken once.
        expect(WORKLOAD_BREAKS.map((b) => b.policy).sort()).toEqual(
          kubernetesWorkloadPolicies.map((p) => p.name).sort(),
        );
      } finally {
        const staging = reconcilePackConfig(
          policyInfos(allPolicies),
          parsePackConfigFile(stackPolicyConfig("staging")),
        );
        await configure(pack.client, configureRequest(staging));
      }
    });

    it("reports it as advisory, not yet decidable, while the object depends on an unknown value", async () => {
      const found = await overGrpc(
        await clusterAndRelease("traefik", (v) => (privileged(v), unknownPodAnnotation(v))),
      );
      expect(mandatory(found)).toEqual([]);
      const advisory = found.filter((v) => v.policy === "k8s-no-privileged");
      expect(advisory.map((v) => v.enforcementLevel)).toEqual(["advisory"]);
      expect(advisory[0].message).toMatch(
        /can't be known during preview; not yet decidable: .*container traefik is privileged/,
      );
    });
  });
});
