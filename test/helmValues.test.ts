import { CHARTS, type ChartName } from "../components/helm/catalog";
import { planOf } from "./harness";
import { loadUpstream, releaseOf, releaseProblems, schemaErrors, unknownValueKeys } from "./upstreamCharts";
import { UPSTREAM_KEYS_OUTSIDE_VALUES_YAML } from "./upstreamKeysOutsideValues";

describe("the chart catalog", () => {
  it.each(Object.keys(CHARTS) as ChartName[])(
    "pins %s to the version of its vendored archive, published by an https or oci repository",
    (name) => {
      const pin = CHARTS[name];
      expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(pin.repo).toMatch(/^(https|oci):\/\//);
      expect(loadUpstream(name)).toMatchObject({ name: pin.chart, version: pin.version });
    },
  );
});

describe("Helm values against the pinned upstream charts", () => {
  it.each(["staging", "production"])(
    "every release of %s uses only upstream keys and satisfies the schema",
    async (stack) => {
      expect(releaseProblems(await planOf(stack))).toEqual([]);
    },
  );

  it("accepts no documented exception that no release still needs", async () => {
    const plan = await planOf("production");
    for (const { chart, paths } of UPSTREAM_KEYS_OUTSIDE_VALUES_YAML) {
      const release = releaseOf(plan, chart);
      const unknown = release ? unknownValueKeys(loadUpstream(chart), release.inputs.values) : [];
      for (const path of paths)
        expect({ chart, path, used: unknown.includes(path) }).toEqual({ chart, path, used: true });
    }
  });

  it("catches a misspelt key, a key under a typed map, and a schema violation", () => {
    const traefik = loadUpstream("traefik");
    expect(
      unknownValueKeys(traefik, { deployment: { replicsa: 2 }, ports: { web: { exposedPort: 80 } } }),
    ).toEqual(["deployment.replicsa"]);
    // A new entry point is allowed by the schema's additionalProperties, and checked against it.
    expect(
      unknownValueKeys(traefik, { ports: { "cvm-agents": { port: 7018, expose: { default: false } } } }),
    ).toEqual([]);
    expect(unknownValueKeys(traefik, { ports: { "cvm-agents": { prot: 7018 } } })).toEqual([
      "ports.cvm-agents.prot",
    ]);
    // Free-form maps upstream ({}) take any keys.
    expect(unknownValueKeys(traefik, { nodeSelector: { "prism.io/pool": "system" } })).toEqual([]);
    expect(schemaErrors(traefik, { deployment: { replicas: "two" } }).join("\n")).toMatch(/replicas/);
  });

  it("knows subchart keys from the subcharts inside the archive, under their name or alias", () => {
    const kps = loadUpstream("kube-prometheus-stack");
    expect(Object.keys(kps.subcharts)).toEqual(expect.arrayContaining(["grafana", "kube-state-metrics"]));
    // grafana.persistence is only in the grafana subchart's values.yaml, not in the parent's.
    expect(unknownValueKeys(kps, { grafana: { persistence: { enabled: true } } })).toEqual([]);
    expect(unknownValueKeys(kps, { grafana: { persistance: { enabled: true } } })).toEqual([
      "grafana.persistance",
    ]);
    const cnpg = loadUpstream("cloudnative-pg");
    expect(Object.keys(cnpg.subcharts)).toContain("monitoring");
  });
});
