/**
 * Every custom resource the platform creates — the program's own, and those its Helm Releases and
 * the service chart render — validates against the openAPIV3Schema of the CRD that serves it, taken
 * from the vendored charts and bundles: a misspelled field, a wrong type, a kind no CRD serves are
 * reported, naming the object and the JSON path.
 */
import { UNKNOWN } from "../policies/lib/unknowns";
import type { CrdCatalog, CustomResource } from "../tools/engine/crdSchemas";
import {
  checkCandidates,
  customResourceReport,
  NOT_VENDORED,
  platformCrdCatalog,
  renderCustomResources,
  type Candidate,
  type CustomResourceReport,
} from "../tools/engine/customResources";
import type { Plan } from "../tools/engine/plan";
import { renderPlanReleases, type RenderedRelease } from "../tools/engine/renderReleases";
import { renderPlanServices } from "../tools/engine/renderServices";
import { ofType, planOf } from "./harness";

jest.setTimeout(600_000);

interface Stack {
  plan: Plan;
  releases: RenderedRelease[];
  report: CustomResourceReport;
}

const stacks = new Map<string, Promise<Stack>>();

function stackOf(name: string): Promise<Stack> {
  let stack = stacks.get(name);
  if (!stack) {
    stack = (async () => {
      const plan = await planOf(name);
      const [services, releases] = await Promise.all([renderPlanServices(plan), renderPlanReleases(plan)]);
      return { plan, releases, report: await customResourceReport(plan, releases, services) };
    })();
    stacks.set(name, stack);
  }
  return stack;
}

/** The kinds the platform relies on: if one stopped being checked, the check would be hollow. */
const EXPECTED_KINDS = [
  "program postgresql.cnpg.io/v1 Cluster",
  "program postgresql.cnpg.io/v1 Pooler",
  "program postgresql.cnpg.io/v1 ScheduledBackup",
  "program authzed.com/v1alpha1 SpiceDBCluster",
  "program traefik.io/v1alpha1 IngressRoute",
  "program traefik.io/v1alpha1 IngressRouteTCP",
  "program monitoring.coreos.com/v1 ServiceMonitor",
  "program monitoring.coreos.com/v1 PrometheusRule",
  "program monitoring.coreos.com/v1 PodMonitor",
  "program external-secrets.io/v1 ExternalSecret",
  "program external-secrets.io/v1 ClusterSecretStore",
  "program argoproj.io/v1alpha1 Application",
  "program argoproj.io/v1alpha1 AppProject",
  "Release velero.io/v1 Schedule",
  "Release velero.io/v1 BackupStorageLocation",
  "Release monitoring.coreos.com/v1 Prometheus",
  "Release monitoring.coreos.com/v1 Alertmanager",
  "Application argoproj.io/v1alpha1 Rollout",
  "Application argoproj.io/v1alpha1 AnalysisTemplate",
];

describe.each(["staging", "production"])("custom resources of %s", (name) => {
  it("all validate against their CRDs, and each kind the platform relies on is among them", async () => {
    const { plan, report } = await stackOf(name);
    expect(report.invalid).toEqual([]);
    expect(report.notChecked).toEqual([]);
    const kinds = new Set(report.checked.map((r) => `${r.origin.split(" ")[0]} ${r.apiVersion} ${r.kind}`));
    expect(EXPECTED_KINDS.filter((k) => !kinds.has(k))).toEqual([]);
    // Not one of the program's custom resources escapes the check.
    const program = report.checked.filter((r) => r.origin === "program");
    const customTypes = plan.resources.filter(
      (r) =>
        /^kubernetes:[a-z0-9-]+\.[a-z0-9.-]+\/[^:]+:/.test(r.type) && !/\.k8s\.io\/|helm\.sh/.test(r.type),
    );
    expect(program.length).toBe(customTypes.length);
    expect(renderCustomResources(report)).toBe(
      `Custom resources: ${report.checked.length} checked against their CRDs, 0 invalid`,
    );
  });
});

describe("the check", () => {
  let catalog: CrdCatalog;
  let plan: Plan;
  let releases: RenderedRelease[];
  beforeAll(async () => {
    ({ plan, releases } = await stackOf("staging"));
    catalog = await platformCrdCatalog(plan, releases);
  });

  const program = (manifest: CustomResource): Candidate => ({
    origin: "program",
    manifest,
    fallbackName: "x",
    requireNamespace: true,
  });
  const planned = (type: string) => structuredClone(ofType(plan, type)[0].inputs) as CustomResource;
  const spec = (m: CustomResource) => m.spec as Record<string, unknown>;

  it("reports a misspelled field and a wrong type, naming the object and the JSON path", () => {
    const cluster = planned("kubernetes:postgresql.cnpg.io/v1:Cluster");
    delete spec(cluster).instances;
    spec(cluster).instancess = 3;
    (spec(cluster).storage as Record<string, unknown>).size = 10;
    const report = checkCandidates(catalog, [program(cluster)]);
    const name = (cluster.metadata as { name: string }).name;
    expect(report.invalid).toEqual([
      {
        origin: "program",
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        name: `data/${name}`,
        errors: [
          "/spec: must NOT have additional properties (instancess)",
          "/spec/storage/size: must be string",
        ],
      },
    ]);
    expect(renderCustomResources(report)).toBe(
      [
        "Custom resources: 1 checked against their CRDs, 1 invalid",
        `    program: postgresql.cnpg.io/v1 Cluster data/${name}`,
        "        /spec: must NOT have additional properties (instancess)",
        "        /spec/storage/size: must be string",
      ].join("\n"),
    );
  });

  it("reports a missing required field, though not one the API server defaults", () => {
    const route = planned("kubernetes:traefik.io/v1alpha1:IngressRoute");
    delete spec(route).routes;
    expect(checkCandidates(catalog, [program(route)]).invalid[0].errors).toEqual([
      "/spec: must have required property 'routes'",
    ]);
    const cluster = planned("kubernetes:postgresql.cnpg.io/v1:Cluster");
    delete spec(cluster).instances; // required, with a default of 1
    expect(checkCandidates(catalog, [program(cluster)]).invalid).toEqual([]);
  });

  it("reports a rendered object's bad field under its Release", () => {
    const velero = releases.find((r) => r.manifests.some((m) => m.kind === "Schedule"));
    const schedule = structuredClone(velero!.manifests.find((m) => m.kind === "Schedule")!);
    spec(schedule).paused = "no";
    const report = checkCandidates(catalog, [
      {
        origin: `Release velero/${velero!.release}`,
        manifest: schedule,
        fallbackName: "",
        requireNamespace: false,
      },
    ]);
    expect(report.invalid.map((r) => [r.origin, r.kind, r.errors])).toEqual([
      [`Release velero/${velero!.release}`, "Schedule", ["/spec/paused: must be boolean"]],
    ]);
  });

  it("reports a kind no CRD serves, unless it is listed with a reason", () => {
    const widget = {
      apiVersion: "example.com/v1",
      kind: "Widget",
      metadata: { name: "w", namespace: "data" },
    };
    expect(checkCandidates(catalog, [program(widget)]).invalid.map((r) => r.errors)).toEqual([
      [
        "no CRD in the plan or charts/vendor serves example.com/Widget (add it, or list it in NOT_VENDORED with why)",
      ],
    ]);
    const listed = checkCandidates(catalog, [program(widget)], { "example.com/Widget": "installed by hand" });
    expect([listed.invalid, listed.checked, listed.notChecked.map((r) => r.reason)]).toEqual([
      [],
      [],
      ["installed by hand"],
    ]);
    expect(NOT_VENDORED).toEqual({});
  });

  it("reports a version the CRD does not serve", () => {
    const cluster = {
      ...planned("kubernetes:postgresql.cnpg.io/v1:Cluster"),
      apiVersion: "postgresql.cnpg.io/v2",
    };
    expect(checkCandidates(catalog, [program(cluster)]).invalid[0].errors).toEqual([
      "/apiVersion: postgresql.cnpg.io/Cluster is served at v1, not v2",
    ]);
  });

  it("takes an int-or-string as the API server does, and keeps preserve-unknown-fields open", () => {
    const route = planned("kubernetes:traefik.io/v1alpha1:IngressRoute");
    const service = () => (spec(route).routes as { services: Record<string, unknown>[] }[])[0].services[0];
    const errors = () => checkCandidates(catalog, [program(route)]).invalid.flatMap((r) => r.errors);
    service().port = "http";
    expect(errors()).toEqual([]);
    service().port = 443;
    expect(errors()).toEqual([]);
    service().port = true;
    expect(errors()).toContain("/spec/routes/0/services/0/port: must be integer");

    const app = planned("kubernetes:argoproj.io/v1alpha1:Application");
    const source = (spec(app).source ?? (spec(app).sources as unknown[])[0]) as Record<string, unknown>;
    source.helm = { valuesObject: { anything: { at: ["all"] } } };
    expect(checkCandidates(catalog, [program(app)]).invalid).toEqual([]);
    source.helm = { valuesObject: {}, valueObject: {} };
    expect(checkCandidates(catalog, [program(app)]).invalid[0].errors).toEqual([
      expect.stringMatching(/\/helm: must NOT have additional properties \(valueObject\)$/),
    ]);
  });

  it("skips values unknown during a preview and masked secrets, not the fields around them", () => {
    const cluster = planned("kubernetes:postgresql.cnpg.io/v1:Cluster");
    spec(cluster).instances = UNKNOWN;
    spec(cluster).imageName = "[secret]";
    expect(checkCandidates(catalog, [program(cluster)]).invalid).toEqual([]);
    spec(cluster).instancez = UNKNOWN;
    expect(checkCandidates(catalog, [program(cluster)]).invalid[0].errors).toEqual([
      "/spec: must NOT have additional properties (instancez)",
    ]);
  });

  it("checks name and namespace against the kind's scope, and nothing else of metadata", () => {
    const store = planned("kubernetes:external-secrets.io/v1:ClusterSecretStore");
    (store.metadata as Record<string, unknown>).annotations = { "any.example/thing": "x" };
    expect(checkCandidates(catalog, [program(store)]).invalid).toEqual([]);
    (store.metadata as Record<string, unknown>).namespace = "data";
    expect(checkCandidates(catalog, [program(store)]).invalid[0].errors).toEqual([
      '/metadata/namespace: the kind is cluster-scoped, yet namespace is "data"',
    ]);
    const route = planned("kubernetes:traefik.io/v1alpha1:IngressRoute");
    route.metadata = { name: "Not_A_Name" };
    expect(checkCandidates(catalog, [program(route)]).invalid[0].errors).toEqual([
      '/metadata/name: "Not_A_Name" is not a DNS subdomain name',
      "/metadata/namespace: the kind is namespaced and no namespace is set",
    ]);
  });
});
