/**
 * The service chart rendered with Helm for every service and both stacks, with the values
 * services/values.ts builds: lint, the policy pack's Kubernetes rules, and the network allow-list
 * checked against the catalog graph.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AM_CERTS, OPENBAO_API_PORT, OPENBAO_SERVER_LABELS } from "../components/pki/openbaoNames";
import { AGENTS_PORT, PLATFORM_HOSTS, TRAEFIK_POD_LABELS } from "../policies/facts/platform";
import { PRIVATE_RANGES } from "../components/kubernetes/networkPolicy";
import { callersOf, SERVICE_NAMES, SERVICES, SPICEDB_GRPC_PORT, type ServiceName } from "../services/catalog";
import { CANARY_STEPS, SECRET_STORE_NAME, serviceValues } from "../services/values";
import { canaryMetrics, PROMETHEUS_ADDRESS } from "../components/delivery/canaryAnalysis";
import { ALERT_THRESHOLDS } from "../components/observability/alertRules";
import { OTLP_EXPORT } from "../components/observability/serviceTracing";
import { crdSchemaErrors } from "../tools/engine/crdSchemas";
import { SPICEDB_CLIENT_SECRET, SPICEDB_POD_LABELS } from "../components/authz/spicedbNames";
import { CLUSTER_SECRET_STORE } from "../components/secrets/externalSecrets";
import { VALKEY_CLIENT_SECRET } from "../components/data/valkey";
import { parsePlatformConfig, type PlatformConfig } from "../stacks/config";
import { helm } from "../tools/helm";
import { PROJECT_ROOT } from "../tools/engine/engine";
import { checkRendered, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import {
  CHART_DIR,
  renderChart,
  renderedObjects,
  renderServices,
  type Manifest,
} from "../tools/engine/renderServices";

import { loadStackSettings } from "../tools/engine/stackSettings";

const STACKS = ["staging", "production"] as const;

const configs = new Map<string, PlatformConfig>();
function stackConfig(stack: string): PlatformConfig {
  let config = configs.get(stack);
  if (!config) {
    const settings = loadStackSettings(PROJECT_ROOT, stack);
    config = parsePlatformConfig(settings.project, stack, settings.config);
    configs.set(stack, config);
  }
  return config;
}

/** Each service rendered once per stack (renderChart caches by input). */
const rendered = (stack: string) => renderServices(stackConfig(stack));

function only(manifests: Manifest[], kind: string, name?: string): Manifest & Record<string, unknown> {
  const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0];
}

interface Rule {
  namespace: string;
  podSelector: unknown;
  ports: number[];
}
type PolicyPeer =
  | { namespaceSelector: { matchLabels: Record<string, string> }; podSelector: unknown }
  | { ipBlock: { cidr: string; except: string[] } };
type PolicyRule = { ports: { protocol: string; port: number }[] } & (
  { from: PolicyPeer[] } | { to: PolicyPeer[] }
);

/** Rules of a rendered NetworkPolicy as (namespace, pods, ports), one peer per rule. */
function rulesOf(policy: Manifest | undefined, direction: "ingress" | "egress"): Rule[] {
  if (!policy) return [];
  const spec = policy.spec as { ingress?: PolicyRule[]; egress?: PolicyRule[]; policyTypes: string[] };
  expect(spec.policyTypes).toEqual([direction === "ingress" ? "Ingress" : "Egress"]);
  return (spec[direction] ?? []).map((rule) => {
    const peers = "from" in rule ? rule.from : rule.to;
    expect(peers).toHaveLength(1);
    for (const p of rule.ports) expect(p.protocol).toBe("TCP");
    const peer = peers[0];
    const ports = rule.ports.map((p) => p.port);
    if ("ipBlock" in peer) return { namespace: "(internet)", podSelector: peer.ipBlock, ports };
    return {
      namespace: peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"],
      podSelector: peer.podSelector,
      ports,
    };
  });
}

const sortRules = (rules: Rule[]) =>
  [...rules].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const pods = (service: ServiceName) => ({ matchLabels: { "app.kubernetes.io/name": service } });
/** The port callers use: gRPC where the callee has one, else HTTP (the catalog's `calls` contract). */
const portOf = (service: ServiceName) => SERVICES[service].grpcPort ?? SERVICES[service].httpPort;
/** Where the platform dependencies run and listen: the data layer's, SpiceDB's and OpenBao's pods. */
const DEPENDENCY_PEERS = (service: ServiceName) =>
  ({
    postgres: {
      namespace: "data",
      podSelector: { matchLabels: { "cnpg.io/poolerName": `${service}-db-pooler` } },
      port: 5432,
    },
    valkey: {
      namespace: "data",
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "valkey", "app.kubernetes.io/instance": "valkey" },
      },
      port: 6379,
    },
    nats: {
      namespace: "data",
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "nats",
          "app.kubernetes.io/instance": "nats",
          "app.kubernetes.io/component": "nats",
        },
      },
      port: 4222,
    },
    spicedb: {
      namespace: "spicedb",
      podSelector: { matchLabels: SPICEDB_POD_LABELS },
      port: SPICEDB_GRPC_PORT,
    },
    openbao: {
      namespace: "openbao",
      podSelector: { matchLabels: OPENBAO_SERVER_LABELS },
      port: OPENBAO_API_PORT,
    },
  }) as const;

function expectedIngress(service: ServiceName): Rule[] {
  const spec = SERVICES[service];
  // Traefik reaches the HTTP port of what it routes to, and Backends' agent port (the TCP route).
  const fromTraefik = [...(spec.route ? [spec.httpPort] : []), ...(spec.agentPort ? [spec.agentPort] : [])];
  return [
    ...callersOf(service).map((caller) => ({
      namespace: "prism",
      podSelector: pods(caller),
      ports: [portOf(service)],
    })),
    ...(fromTraefik.length
      ? [{ namespace: "edge", podSelector: { matchLabels: TRAEFIK_POD_LABELS }, ports: fromTraefik }]
      : []),
    { namespace: "monitoring", podSelector: {}, ports: [spec.httpPort] },
  ];
}

/** The clouds a stack launches CVMs in; Backends reaches their APIs (HTTPS, public addresses). */
const cvmClouds = (config: PlatformConfig) =>
  (["azure", "gcp", "aws"] as const).filter((cloud) => config.confidential[cloud].enabled);
// The chart's template spells the ranges out; they must be the program's one definition.
const PUBLIC_ONLY = { cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] };

function expectedEgress(service: ServiceName, config: PlatformConfig): Rule[] {
  const spec = SERVICES[service];
  const launchesCvms = service === "backends" && cvmClouds(config).length > 0;
  return [
    ...(launchesCvms ? [{ namespace: "(internet)", podSelector: PUBLIC_ONLY, ports: [443] }] : []),
    ...spec.calls.map((callee) => ({
      namespace: "prism",
      podSelector: pods(callee),
      ports: [portOf(callee)],
    })),
    ...spec.uses.map((dependency) => {
      const { namespace, podSelector, port } = DEPENDENCY_PEERS(service)[dependency];
      return { namespace, podSelector, ports: [port] };
    }),
    // Every service exports spans to Jaeger's collector, OTLP over gRPC.
    {
      namespace: "monitoring",
      podSelector: {
        matchLabels: { "app.kubernetes.io/name": "jaeger", "app.kubernetes.io/component": "all-in-one" },
      },
      ports: [4317],
    },
  ];
}

describe.each(STACKS)("the service chart for %s", (stack) => {
  it("lints clean with every service's values", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-lint-"));
    try {
      for (const service of SERVICE_NAMES) {
        const file = path.join(dir, `${service}.json`);
        fs.writeFileSync(file, JSON.stringify(serviceValues(stackConfig(stack), service)));
        const out = helm(["lint", CHART_DIR, "--strict", "--namespace", "prism", "--values", file]);
        expect(out).toContain("1 chart(s) linted, 0 chart(s) failed");
        expect(out).not.toMatch(/\[(WARNING|ERROR)\]/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("passes the policy pack's Kubernetes rules with no mandatory violation", async () => {
    const services = Object.values(rendered(stack));
    const findings = await checkRendered(renderedObjects(stack, services), stackPolicyConfig(stack));
    expect(mandatory(findings)).toEqual([]);
    // Staging runs `latest` until Image Updater pins its digest: advisory there, and nothing else.
    const expected = stack === "staging" ? SERVICE_NAMES.map(() => "k8s-image-tag-pinned/advisory") : [];
    expect(findings.map((v) => `${v.policy}/${v.enforcementLevel}`)).toEqual(expected);
  });

  it("renders the same kinds for every service, in namespace prism", () => {
    for (const service of SERVICE_NAMES) {
      const { manifests } = rendered(stack)[service];
      for (const m of manifests) expect(m.metadata.namespace).toBe("prism");
      const kinds = manifests.map((m) => m.kind).sort();
      // Production canaries of routed services get exact weights: a TraefikService over two Services.
      const weighted = stack === "production" && SERVICES[service].route !== undefined;
      const expected = [
        "AnalysisTemplate",
        "ConfigMap",
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Rollout",
        "Service",
        "ServiceAccount",
        "ServiceMonitor",
        ...(SERVICES[service].vpa ? ["VerticalPodAutoscaler"] : []),
        ...(SERVICES[service].route ? ["IngressRoute"] : []),
        ...(weighted ? ["TraefikService", "Service", "Service"] : []),
        ...SERVICES[service].secrets.map(() => "ExternalSecret"),
      ].sort();
      expect(kinds).toEqual(expected);
    }
  });

  it("generates NetworkPolicies that match the catalog graph exactly", () => {
    for (const service of SERVICE_NAMES) {
      const { manifests } = rendered(stack)[service];
      const policies = manifests.filter((m) => m.kind === "NetworkPolicy");
      for (const p of policies) {
        expect((p.spec as { podSelector: unknown }).podSelector).toEqual(pods(service));
      }
      const ingress = policies.find((p) => p.metadata.name === `${service}-ingress`);
      const egress = policies.find((p) => p.metadata.name === `${service}-egress`);
      expect(sortRules(rulesOf(ingress, "ingress"))).toEqual(sortRules(expectedIngress(service)));
      expect(sortRules(rulesOf(egress, "egress"))).toEqual(
        sortRules(expectedEgress(service, stackConfig(stack))),
      );
    }
  });

  it("rolls out by the stack's strategy", () => {
    const config = stackConfig(stack);
    for (const service of SERVICE_NAMES) {
      const rollout = only(rendered(stack)[service].manifests, "Rollout", service);
      expect(rollout.apiVersion).toBe("argoproj.io/v1alpha1");
      const canary = (rollout.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary;
      const analysisRef = {
        templates: [{ templateName: `${service}-health` }],
        args: [{ name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } }],
      };
      if (stack === "production") {
        expect(config.delivery.rollout).toBe("canary");
        // Measured in the background from the first step: no startingStep, not a dry run.
        expect(canary.analysis).toEqual(analysisRef);
        expect(canary.steps).toEqual([
          { setWeight: 20 },
          { pause: {} },
          { setWeight: 40 },
          { pause: { duration: "2m" } },
          { setWeight: 60 },
          { pause: { duration: "2m" } },
          { setWeight: 80 },
          { pause: { duration: "2m" } },
        ]);
        expect(canary.steps).toEqual(CANARY_STEPS);
      } else {
        // Straight to 100% (Argo Rollouts' rolling update), then the analysis as a dry run.
        expect(config.delivery.rollout).toBe("rolling");
        expect(canary).toEqual({
          maxSurge: "25%",
          maxUnavailable: 0,
          steps: [{ setWeight: 100 }, { analysis: { ...analysisRef, dryRun: [{ metricName: ".*" }] } }],
        });
      }
    }
  });

  it("measures each service's health signals with the alert rules' limits, over the new ReplicaSet's pods", () => {
    for (const service of SERVICE_NAMES) {
      const { manifests } = rendered(stack)[service];
      const template = only(manifests, "AnalysisTemplate", `${service}-health`);
      const spec = template.spec as {
        args: { name: string }[];
        metrics: {
          name: string;
          interval: string;
          count?: number;
          failureLimit: number;
          failureCondition: string;
          provider: { prometheus: { address: string; query: string } };
        }[];
      };
      expect(spec.args).toEqual([{ name: "canary-hash" }]);
      expect(spec.metrics.map((m) => m.name)).toEqual(["error-rate", "p95-latency"]);
      const [errors, latency] = spec.metrics;
      const series = `component="${service}",rollouts_pod_template_hash="{{args.canary-hash}}"`;
      expect(errors.provider.prometheus.query).toBe(
        `sum by (component) (rate(http_requests_total{${series},status_code=~"5.."}[5m]))` +
          ` / sum by (component) (rate(http_requests_total{${series}}[5m]))`,
      );
      expect(latency.provider.prometheus.query).toBe(
        `histogram_quantile(0.95, sum by (component, le) (rate(http_request_duration_seconds_bucket{${series}}[5m])))`,
      );
      expect(errors.failureCondition).toBe(
        `len(result) > 0 && result[0] > ${ALERT_THRESHOLDS.errorRatioWarning}`,
      );
      expect(latency.failureCondition).toBe(
        `len(result) > 0 && result[0] > ${ALERT_THRESHOLDS.latencyP95Seconds}`,
      );
      expect(spec.metrics.map((m) => m.provider.prometheus.query)).toEqual(
        canaryMetrics(service).map((m) => m.query),
      );
      for (const m of spec.metrics) {
        expect(m.provider.prometheus.address).toBe(PROMETHEUS_ADDRESS);
        expect(m.interval).toBe("1m");
        // One failed measurement fails the run; a production canary runs until it ends.
        expect(m.failureLimit).toBe(0);
        expect(m.count).toBe(stack === "production" ? undefined : 5);
      }
      // The series carry the ReplicaSet's hash the queries select on.
      expect(
        (only(manifests, "ServiceMonitor").spec as { podTargetLabels: string[] }).podTargetLabels,
      ).toEqual(["rollouts-pod-template-hash"]);
    }
    expect(PROMETHEUS_ADDRESS).toBe("http://kps-prometheus.monitoring.svc:9090");
  });

  it("weights production canaries of routed services exactly through Traefik, the others by ReplicaSets", () => {
    for (const service of SERVICE_NAMES) {
      const { manifests } = rendered(stack)[service];
      const canary = (only(manifests, "Rollout").spec as { strategy: { canary: Record<string, unknown> } })
        .strategy.canary;
      const traefikServices = manifests.filter((m) => m.kind === "TraefikService");
      if (stack !== "production" || !SERVICES[service].route) {
        expect(canary.trafficRouting).toBeUndefined();
        expect(canary.stableService).toBeUndefined();
        expect(traefikServices).toEqual([]);
        expect(manifests.filter((m) => m.kind === "Service").map((m) => m.metadata.name)).toEqual([service]);
        continue;
      }
      expect(canary).toMatchObject({
        stableService: `${service}-stable`,
        canaryService: `${service}-canary`,
        trafficRouting: { traefik: { weightedTraefikServiceName: service } },
      });
      expect(traefikServices).toHaveLength(1);
      expect(traefikServices[0].apiVersion).toBe("traefik.io/v1alpha1");
      expect(traefikServices[0].metadata.name).toBe(service);
      // No weights in git: the controller owns them, and ArgoCD must not put them back.
      expect(traefikServices[0].spec).toEqual({
        weighted: {
          services: [
            { name: `${service}-stable`, port: SERVICES[service].httpPort },
            { name: `${service}-canary`, port: SERVICES[service].httpPort },
          ],
        },
      });
      for (const role of ["stable", "canary"]) {
        expect(only(manifests, "Service", `${service}-${role}`).spec).toEqual({
          type: "ClusterIP",
          selector: pods(service).matchLabels,
          ports: [{ name: "http", port: SERVICES[service].httpPort, targetPort: "http", protocol: "TCP" }],
        });
      }
    }
    // am-certs has no ingress: ReplicaSet weights in every stack.
    expect(rendered(stack)["am-certs"].manifests.some((m) => m.kind === "TraefikService")).toBe(false);
  });

  it("renders custom resources the vendored Argo Rollouts and Traefik CRDs accept, and the check catches a bad field", () => {
    const custom = Object.values(rendered(stack)).flatMap((r) =>
      r.manifests.filter((m) => /^(argoproj|traefik)\.io\//.test(m.apiVersion)),
    );
    const kinds = new Set(custom.map((m) => m.kind));
    expect([...kinds].sort()).toEqual(
      stack === "production"
        ? ["AnalysisTemplate", "IngressRoute", "Rollout", "TraefikService"]
        : ["AnalysisTemplate", "IngressRoute", "Rollout"],
    );
    for (const m of custom)
      expect([m.kind, m.metadata.name, crdSchemaErrors(m)]).toEqual([m.kind, m.metadata.name, []]);

    const template = structuredClone(only(rendered(stack).auth.manifests, "AnalysisTemplate"));
    const metric = (template.spec as { metrics: Record<string, unknown>[] }).metrics[0];
    metric.failureLimt = 1;
    expect(crdSchemaErrors(template)).toEqual([
      "/spec/metrics/0: must NOT have additional properties (failureLimt)",
    ]);
    const rollout = structuredClone(only(rendered(stack).auth.manifests, "Rollout"));
    (rollout.spec as { strategy: { canary: Record<string, unknown> } }).strategy.canary.analysis = {
      templates: [{ template: "auth-health" }],
    };
    expect(crdSchemaErrors(rollout).join("\n")).toMatch(
      /analysis\/templates\/0: must NOT have additional properties \(template\)/,
    );
  });

  it("gives every service its OpenTelemetry exporter settings, at the stack's sampling rate", () => {
    const config = stackConfig(stack);
    for (const service of SERVICE_NAMES) {
      const data = only(rendered(stack)[service].manifests, "ConfigMap").data as Record<string, string>;
      expect(data).toMatchObject({
        OTEL_SERVICE_NAME: service,
        OTEL_TRACES_EXPORTER: "otlp",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://jaeger.monitoring.svc:4317",
        OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: String(config.observability.tracing.samplingPercent / 100),
        OTEL_RESOURCE_ATTRIBUTES: `deployment.environment.name=${config.environment},service.namespace=prism`,
        OTEL_METRICS_EXPORTER: "none",
        OTEL_LOGS_EXPORTER: "none",
      });
      expect(data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(OTLP_EXPORT.endpoint);
    }
  });

  it("autoscales the Rollout, with the stack's bounds", () => {
    const { serviceReplicas } = stackConfig(stack).delivery;
    for (const service of SERVICE_NAMES) {
      const { manifests } = rendered(stack)[service];
      const hpa = only(manifests, "HorizontalPodAutoscaler");
      expect(hpa.spec).toMatchObject({
        scaleTargetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: service },
        minReplicas: serviceReplicas.min,
        maxReplicas: serviceReplicas.max,
      });
      // The HPA owns the count.
      expect((only(manifests, "Rollout").spec as { replicas?: number }).replicas).toBeUndefined();
      const vpas = manifests.filter((m) => m.kind === "VerticalPodAutoscaler");
      expect(vpas).toHaveLength(SERVICES[service].vpa ? 1 : 0);
      for (const vpa of vpas) {
        expect(vpa.spec).toMatchObject({
          targetRef: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: service },
          updatePolicy: { updateMode: "Off" },
        });
      }
      expect(only(manifests, "PodDisruptionBudget").spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: pods(service).matchLabels },
      });
    }
  });

  it("runs the stack's image with the catalog's ports, probes and resources", () => {
    const config = stackConfig(stack);
    for (const service of SERVICE_NAMES) {
      const spec = SERVICES[service];
      const { manifests } = rendered(stack)[service];
      const pod = (only(manifests, "Rollout").spec as { template: { spec: PodSpec } }).template.spec;
      const [container] = pod.containers;
      const tag = stack === "staging" ? "latest" : "v0.0.0";
      expect(container.image).toBe(`${config.delivery.imageRegistry}/${spec.image}:${tag}`);
      expect(pod.imagePullSecrets).toEqual([{ name: "ghcr-pull" }]);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.serviceAccountName).toBe(service);
      expect(container.livenessProbe.httpGet).toEqual({ path: spec.probes.liveness, port: "http" });
      expect(container.readinessProbe.httpGet).toEqual({ path: spec.probes.readiness, port: "http" });
      expect(container.resources).toEqual({
        requests: { cpu: spec.resources.cpu, memory: spec.resources.memory },
        limits: { cpu: spec.resources.cpuLimit, memory: spec.resources.memoryLimit },
      });
      const ports = (
        only(manifests, "Service", service).spec as { type: string; ports: { name: string; port: number }[] }
      ).ports;
      expect(Object.fromEntries(ports.map((p) => [p.name, p.port]))).toEqual({
        http: spec.httpPort,
        ...(spec.grpcPort ? { grpc: spec.grpcPort } : {}),
        ...(spec.agentPort ? { "cvm-agents": spec.agentPort } : {}),
      });
      expect(only(manifests, "ServiceAccount").automountServiceAccountToken).toBe(false);
    }
  });

  it("routes each service with a catalog route from its tunnel host through Traefik, and no other", () => {
    const { baseDomain } = stackConfig(stack);
    const tunnelHosts = PLATFORM_HOSTS.map((h) => `${h.label}.${baseDomain}`);
    const matches: string[] = [];
    for (const service of SERVICE_NAMES) {
      const spec = SERVICES[service];
      const { manifests } = rendered(stack)[service];
      const routes = manifests.filter((m) => m.kind === "IngressRoute");
      // Reachable from Traefik on HTTP exactly when routed (the NetworkPolicy test checks the ports).
      expect(spec.public).toBe(spec.route !== undefined);
      if (!spec.route) {
        expect(routes).toEqual([]);
        continue;
      }
      expect(routes).toHaveLength(1);
      const [route] = routes;
      expect(route.apiVersion).toBe("traefik.io/v1alpha1");
      expect(route.metadata).toMatchObject({
        name: service,
        namespace: "prism",
        labels: pods(service).matchLabels,
      });
      const host = `${spec.route.host}.${baseDomain}`;
      expect(tunnelHosts).toContain(host);
      const match = spec.route.pathPrefix
        ? `Host(\`${host}\`) && PathPrefix(\`${spec.route.pathPrefix}\`)`
        : `Host(\`${host}\`)`;
      matches.push(match);
      // Production canaries route through the TraefikService Argo Rollouts weights; staging straight to the Service.
      const target =
        stack === "production"
          ? { kind: "TraefikService", name: service }
          : { kind: "Service", name: service, port: spec.httpPort };
      expect(route.spec).toEqual({
        entryPoints: ["websecure"],
        routes: [{ kind: "Rule", match, services: [target] }],
        // Traefik's default certificate: Cloudflare terminates the public TLS.
        tls: {},
      });
      // The chart's own Service serves that port, by that name.
      const serviceObject = only(manifests, "Service", service);
      expect((serviceObject.spec as { ports: { name: string; port: number }[] }).ports).toContainEqual(
        expect.objectContaining({ name: "http", port: spec.httpPort }),
      );
    }
    // The UI owns its host; each public API service has its own prefix on the API host.
    const api = (service: string) => `Host(\`api.${baseDomain}\`) && PathPrefix(\`/${service}\`)`;
    expect(matches.sort()).toEqual(
      [
        `Host(\`ui.${baseDomain}\`)`,
        ...["auth", "users", "domains", "computations", "backends", "certs", "billing"].map(api),
      ].sort(),
    );
    expect(rendered(stack)["am-certs"].manifests.some((m) => m.kind === "IngressRoute")).toBe(false);
  });

  it("serves the CVM agents' port on the Service Traefik's TCP route targets", () => {
    const service = only(rendered(stack).backends.manifests, "Service", "backends");
    expect(service.metadata.name).toBe("backends");
    expect((service.spec as { type: string }).type).toBe("ClusterIP");
    expect((service.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toContain(AGENTS_PORT);
  });

  it("gives am-certs a projected token for its OpenBao login, under the bound service account", () => {
    const { manifests } = rendered(stack)["am-certs"];
    const template = (
      only(manifests, "Rollout").spec as {
        template: {
          metadata: { labels: Record<string, string>; annotations: Record<string, string> };
          spec: PodSpec;
        };
      }
    ).template;
    expect(template.spec.serviceAccountName).toBe(AM_CERTS.serviceAccount);
    expect(template.metadata.labels).toMatchObject(AM_CERTS.podLabels);
    expect(template.metadata.annotations["prism.io/service-account-token"]).toBeTruthy();
    expect(template.spec.volumes).toContainEqual({
      name: "openbao-token",
      projected: { sources: [{ serviceAccountToken: { path: "token", expirationSeconds: 3600 } }] },
    });
    // Nobody else gets a token.
    for (const service of SERVICE_NAMES.filter((s) => s !== "am-certs")) {
      const pod = (
        only(rendered(stack)[service].manifests, "Rollout").spec as { template: { spec: PodSpec } }
      ).template.spec;
      expect(pod.volumes.some((v) => v.name === "openbao-token")).toBe(false);
    }
  });

  it("mounts the connection Secrets other layers write for what the service uses", () => {
    const clouds = cvmClouds(stackConfig(stack));
    expect(clouds.length).toBeGreaterThan(0);
    for (const service of SERVICE_NAMES) {
      const uses = SERVICES[service].uses;
      const launcher = service === "backends" ? clouds : [];
      const expected = [
        ...(uses.includes("postgres") ? [{ name: `${service}-db`, mount: "database" }] : []),
        ...(uses.includes("valkey") ? [{ name: VALKEY_CLIENT_SECRET, mount: "valkey" }] : []),
        ...(uses.includes("spicedb") ? [{ name: SPICEDB_CLIENT_SECRET.name, mount: "spicedb" }] : []),
        // ConfidentialCapacity's per-cloud credentials, for Backends only.
        ...launcher.map((cloud) => ({
          name: `backends-${cloud}-credentials`,
          mount: `${cloud}-credentials`,
        })),
      ];
      const pod = (
        only(rendered(stack)[service].manifests, "Rollout").spec as { template: { spec: PodSpec } }
      ).template.spec;
      const mounted = pod.volumes.flatMap((v) =>
        v.name.startsWith("connection-") && v.secret
          ? [{ name: v.secret.secretName, mount: v.name.slice(11) }]
          : [],
      );
      expect(mounted.sort((a, b) => a.mount.localeCompare(b.mount))).toEqual(
        expected.sort((a, b) => a.mount.localeCompare(b.mount)),
      );
      expect(SERVICES[service].database).toBe(uses.includes("postgres"));
      const settings = pod.volumes.flatMap((v) => (v.configMap ? [v.configMap.name] : []));
      expect(settings).toEqual(launcher.map((cloud) => `backends-${cloud}`));
    }
  });

  it("syncs each catalog secret from the stack's Secret Manager entries", () => {
    expect(SECRET_STORE_NAME).toBe(CLUSTER_SECRET_STORE);
    const config = stackConfig(stack);
    for (const service of SERVICE_NAMES) {
      const secrets = rendered(stack)[service].manifests.filter((m) => m.kind === "ExternalSecret");
      expect(secrets.map((s) => s.metadata.name)).toEqual(SERVICES[service].secrets);
      for (const s of secrets) {
        expect(s.spec).toMatchObject({
          secretStoreRef: { kind: "ClusterSecretStore", name: SECRET_STORE_NAME },
          target: { name: s.metadata.name },
          data: [{ secretKey: "value", remoteRef: { key: `${config.environment}-${s.metadata.name}` } }],
        });
      }
    }
  });

  it("turns Image Updater's digest pin into an image reference the pinned-tag rule accepts", async () => {
    const digest = `sha256:${"0123456789abcdef".repeat(4)}`;
    const values = serviceValues(stackConfig(stack), "auth");
    values.image.tag = `${values.image.tag}@${digest}`;
    const manifests = renderChart("auth", "prism", values);
    const pod = (only(manifests, "Rollout").spec as { template: { spec: PodSpec } }).template.spec;
    expect(pod.containers[0].image).toBe(`${values.image.repository}:${values.image.tag}`);
    const findings = await checkRendered(
      renderedObjects(stack, [{ release: "auth", namespace: "prism", manifests }]),
      stackPolicyConfig(stack),
    );
    expect(findings).toEqual([]);
  });

  it("rejects values the schema does not know", () => {
    const values = { ...serviceValues(stackConfig(stack), "auth"), replicaCount: 3 };
    expect(() => renderChart("auth", "prism", values)).toThrow(/replicaCount/);
  });

  it("rejects a route the schema does not allow", () => {
    const values = serviceValues(stackConfig(stack), "auth");
    const withRoute = (route: unknown) => ({ ...values, route });
    expect(() => renderChart("auth", "prism", withRoute({ ...values.route, middlewares: [] }))).toThrow(
      /middlewares/,
    );
    expect(() => renderChart("auth", "prism", withRoute({ pathPrefix: "/auth" }))).toThrow(/host/);
    expect(() => renderChart("auth", "prism", withRoute({ host: "api.example.com`) || Host(`x" }))).toThrow(
      /host/,
    );
    expect(() =>
      renderChart("auth", "prism", withRoute({ host: "api.example.com", pathPrefix: "auth" })),
    ).toThrow(/pathPrefix/);
  });
});

interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  imagePullSecrets: { name: string }[];
  volumes: {
    name: string;
    projected?: unknown;
    secret?: { secretName: string };
    configMap?: { name: string };
  }[];
  containers: {
    image: string;
    resources: unknown;
    livenessProbe: { httpGet: unknown };
    readinessProbe: { httpGet: unknown };
  }[];
}
