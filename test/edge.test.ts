/** The edge: Traefik, the Cloudflare tunnel with DNS and Access, and cloudflared, on both stacks. */
import * as pulumi from "@pulumi/pulumi";
import { CATCH_ALL_SERVICE, TOKEN_SECRET_KEY } from "../components/edge/cloudflareTunnel";
import { buildEdge } from "../stacks/platform";
import { planToJson, type Plan, type PlannedResource } from "../tools/engine/plan";
import { checkPlan, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import { ofType, oncePerStack, one, planWithFoundation, stackConfigOf } from "./harness";
import { chartOfRelease, releaseProblems } from "./upstreamCharts";
import {
  CLOUDFLARED_POD_LABELS,
  PLATFORM_HOSTS,
  TRAEFIK_POD_LABELS,
  platformHostname,
} from "../policies/facts/platform";

const T = {
  tunnel: "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
  tunnelConfig: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
  dns: "cloudflare:index/dnsRecord:DnsRecord",
  accessApp: "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication",
  accessPolicy: "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy",
  cfProvider: "pulumi:providers:cloudflare",
  k8sProvider: "pulumi:providers:kubernetes",
  release: "kubernetes:helm.sh/v3:Release",
  service: "kubernetes:core/v1:Service",
  secret: "kubernetes:core/v1:Secret",
  deployment: "kubernetes:apps/v1:Deployment",
  pdb: "kubernetes:policy/v1:PodDisruptionBudget",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  routeTcp: "kubernetes:traefik.io/v1alpha1:IngressRouteTCP",
};

/** Foundation plus the edge layer of stacks/platform.ts, with two CVM egress ranges standing in for the clouds'. */
const edgePlan = oncePerStack(async (stack) => ({
  plan: await planWithFoundation(stack, (ctx) => {
    const confidential = {
      egressRangeList: ["203.0.113.16/28", "203.0.113.32/28"].map((r) => pulumi.output(r)),
    };
    buildEdge({ ...ctx, previous: {} }, ctx, { confidential });
  }),
  config: stackConfigOf(stack),
}));

type Ingress = { hostname?: string; service: string; originRequest?: { originServerName?: string } };
type Values = Record<string, unknown> & {
  api: { dashboard: boolean };
  ingressRoute: { dashboard: { enabled: boolean } };
  service: { spec: { type: string } };
  deployment: { replicas: number };
  ports: Record<string, { expose?: { default: boolean } }>;
  podDisruptionBudget: { enabled: boolean; minAvailable: number };
};
type Meta = { name: string; namespace: string; labels?: Record<string, string> };

const meta = (r: PlannedResource) => r.inputs.metadata as Meta;
const byMetaName = (rs: PlannedResource[], name: string) => {
  const found = rs.filter((r) => meta(r).name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
};
const traefikRelease = (plan: Plan) =>
  ofType(plan, T.release).find((r) => chartOfRelease(r) === "traefik") ?? fail("no traefik release");

function fail(message: string): never {
  throw new Error(message);
}

describe.each(["staging", "production"])("the edge of %s", (stack) => {
  it("verifies the in-cluster hop: Traefik serves an origin certificate for every hostname, cloudflared trusts its CA", async () => {
    const { plan, config } = await edgePlan(stack);
    const defaults = (one(plan, T.tunnelConfig).inputs.config as { originRequest: Record<string, unknown> })
      .originRequest;
    expect(defaults.caPool).toBe("/etc/cloudflared/origin-ca/ca.crt");
    expect(defaults.noTlsVerify).toBeUndefined();

    const values = traefikRelease(plan).inputs.values as { tlsStore: unknown };
    expect(values.tlsStore).toEqual({
      default: { defaultCertificate: { secretName: "traefik-origin-tls" } },
    });
    const csr = one(plan, "tls:index/certRequest:CertRequest", "traefik-origin-server-csr");
    for (const h of PLATFORM_HOSTS)
      expect(csr.inputs.dnsNames).toContain(platformHostname(h.label, config.baseDomain));
    const tlsSecret =
      ofType(plan, T.secret).find((x) => meta(x).name === "traefik-origin-tls") ?? fail("no origin secret");
    expect(tlsSecret.secretPaths).toContain("stringData");

    const pod = (
      one(plan, "kubernetes:apps/v1:Deployment", "cloudflared").inputs as {
        spec: { template: { spec: { volumes: unknown[]; containers: { volumeMounts: unknown[] }[] } } };
      }
    ).spec.template.spec;
    expect(pod.volumes).toEqual([{ name: "origin-ca", configMap: { name: "traefik-origin-ca" } }]);
    expect(pod.containers[0].volumeMounts).toEqual([
      { name: "origin-ca", mountPath: "/etc/cloudflared/origin-ca", readOnly: true },
    ]);
  });

  it("routes exactly the platform hostnames to Traefik over TLS, ending with a catch-all 404", async () => {
    const { plan, config } = await edgePlan(stack);
    const ingresses = (one(plan, T.tunnelConfig).inputs.config as { ingresses: Ingress[] }).ingresses;
    const hostnames = PLATFORM_HOSTS.map((h) => platformHostname(h.label, config.baseDomain));
    expect(ingresses.slice(0, -1).map((i) => i.hostname)).toEqual(hostnames);
    for (const rule of ingresses.slice(0, -1)) {
      expect(rule.service).toBe("https://traefik.edge.svc.cluster.local:443");
      expect(rule.originRequest?.originServerName).toBe(rule.hostname);
    }
    expect(ingresses[ingresses.length - 1]).toEqual({ service: CATCH_ALL_SERVICE });

    const tunnel = one(plan, T.tunnel);
    expect(tunnel.inputs).toMatchObject({
      accountId: config.cloudflare.accountId,
      name: config.cloudflare.tunnelName,
      configSrc: "cloudflare",
    });
    expect(one(plan, T.tunnelConfig).inputs.tunnelId).toBe(tunnel.id);
  });

  it("points one proxied CNAME per hostname at the tunnel", async () => {
    const { plan, config } = await edgePlan(stack);
    const tunnel = one(plan, T.tunnel);
    expect(tunnel.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // Besides the tunnel's CNAMEs the layer publishes one record: the agents' A record (DNS only).
    const [agents, ...others] = ofType(plan, T.dns).filter((r) => r.inputs.type !== "CNAME");
    expect(others).toEqual([]);
    expect(agents.inputs).toMatchObject({ name: `agents.${config.baseDomain}`, type: "A", proxied: false });
    const records = ofType(plan, T.dns).filter((r) => r.inputs.type === "CNAME");
    expect(records.map((r) => r.inputs.name).sort()).toEqual(
      PLATFORM_HOSTS.map((h) => platformHostname(h.label, config.baseDomain)).sort(),
    );
    for (const r of records) {
      expect(r.inputs).toMatchObject({
        zoneId: config.cloudflare.zoneId,
        type: "CNAME",
        content: `${tunnel.id}.cfargotunnel.com`,
        proxied: true,
        ttl: 1,
      });
    }
  });

  it("puts every operator hostname behind an Access application with the configured policy", async () => {
    const { plan, config } = await edgePlan(stack);
    const apps = ofType(plan, T.accessApp);
    const policies = ofType(plan, T.accessPolicy);
    const operatorHosts = PLATFORM_HOSTS.filter((h) => h.operatorUi).map((h) =>
      platformHostname(h.label, config.baseDomain),
    );
    expect(operatorHosts.length).toBeGreaterThanOrEqual(3);
    expect(apps.map((a) => a.inputs.domain).sort()).toEqual([...operatorHosts].sort());

    const expectedIncludes = [
      ...config.cloudflare.access.allowedEmails.map((email) => ({ email: { email } })),
      ...config.cloudflare.access.allowedEmailDomains.map((domain) => ({ emailDomain: { domain } })),
    ];
    expect(expectedIncludes.length).toBeGreaterThan(0);
    for (const app of apps) {
      expect(app.inputs).toMatchObject({
        accountId: config.cloudflare.accountId,
        type: "self_hosted",
        sessionDuration: config.cloudflare.access.sessionDuration,
      });
      const attached = app.inputs.policies as { id: string; precedence: number }[];
      expect(attached).toHaveLength(1);
      const policy = policies.find((p) => p.id === attached[0].id) ?? fail("attached policy not planned");
      expect(policy.inputs).toMatchObject({ decision: "allow", includes: expectedIncludes });
      // DNS publishes an operator hostname only once Access guards it.
      const record = ofType(plan, T.dns).find((r) => r.inputs.name === app.inputs.domain);
      expect(record?.dependencies).toContain(app.urn);
    }
  });

  it("exposes 7018 only on the traefik-cvm-agents load balancer, restricted to the agents' ranges", async () => {
    const { plan } = await edgePlan(stack);
    const services = ofType(plan, T.service);
    const lbs = services.filter((s) => (s.inputs.spec as { type?: string }).type === "LoadBalancer");
    expect(lbs).toHaveLength(1);
    const lb = lbs[0];
    expect(meta(lb)).toMatchObject({ name: "traefik-cvm-agents", namespace: "edge" });
    expect(lb.inputs.spec).toMatchObject({
      type: "LoadBalancer",
      selector: TRAEFIK_POD_LABELS,
      ports: [{ port: 7018, targetPort: 7018, protocol: "TCP" }],
      loadBalancerSourceRanges: ["203.0.113.16/28", "203.0.113.32/28"],
    });
    const annotations = (lb.inputs.metadata as { annotations: Record<string, string> }).annotations;
    expect(annotations["service.beta.kubernetes.io/do-loadbalancer-protocol"]).toBe("tcp");
    expect(annotations["service.beta.kubernetes.io/do-loadbalancer-name"]).toContain(stack);

    const route = one(plan, T.routeTcp);
    expect(route.inputs).toMatchObject({
      apiVersion: "traefik.io/v1alpha1",
      kind: "IngressRouteTCP",
      metadata: { namespace: "prism" },
      spec: {
        entryPoints: ["cvm-agents"],
        routes: [{ match: "HostSNI(`*`)", services: [{ name: "backends", port: 7018 }] }],
        tls: { passthrough: true },
      },
    });
    expect(route.dependencies).toContain(traefikRelease(plan).urn);
  });

  it("runs Traefik behind a ClusterIP Service, redirecting 80 and declaring the 7018 entry point", async () => {
    const { plan, config } = await edgePlan(stack);
    const release = traefikRelease(plan);
    const values = release.inputs.values as Values;
    expect(release.inputs).toMatchObject({ name: "traefik", namespace: "edge" });
    expect(values.service.spec.type).toBe("ClusterIP");
    expect(values.deployment.replicas).toBe(config.edge.traefikReplicas);
    expect(values.podDisruptionBudget.enabled).toBe(config.edge.traefikReplicas > 1);
    expect(values.ports.web).toMatchObject({
      http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
    });
    expect(values.ports.traefik.expose).toEqual({ default: false });
    expect(values.ingressRoute.dashboard.enabled).toBe(false);
    // 7018 is an entry point of its own, kept off the chart's Service (its load balancer carries it).
    expect(values.ports["cvm-agents"]).toMatchObject({
      port: 7018,
      protocol: "TCP",
      expose: { default: false },
    });
  });

  it("uses only upstream Helm value keys", async () => {
    const { plan } = await edgePlan(stack);
    expect(releaseProblems(plan)).toEqual([]);
  });

  it("passes the policy pack with no mandatory violation", async () => {
    const { plan } = await edgePlan(stack);
    expect(mandatory(await checkPlan(plan, stackPolicyConfig(stack)))).toEqual([]);
  });

  it("keeps the tunnel token secret from the Cloudflare API to the pod", async () => {
    const { plan } = await edgePlan(stack);
    const secret = byMetaName(ofType(plan, T.secret), "cloudflared-token");
    expect(meta(secret).namespace).toBe("edge");
    expect(secret.secretPaths.some((p) => p === "stringData" || p.startsWith("stringData."))).toBe(true);
    const token = (secret.inputs.stringData as Record<string, string>)[TOKEN_SECRET_KEY];
    expect(token).toMatch(/^simulated-cloudflared-token-/);
    // The written plan (what CI publishes) masks secrets: the token appears nowhere in it.
    expect(planToJson(plan)).not.toContain(token);

    const deployment = byMetaName(ofType(plan, T.deployment), "cloudflared");
    const container = (
      deployment.inputs.spec as {
        template: {
          spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] };
        };
      }
    ).template.spec.containers[0];
    expect(container.env).toEqual([
      {
        name: "TUNNEL_TOKEN",
        valueFrom: { secretKeyRef: { name: "cloudflared-token", key: TOKEN_SECRET_KEY } },
      },
    ]);
  });

  it("runs at least two cloudflared replicas with a disruption budget, probes and narrow policies", async () => {
    const { plan, config } = await edgePlan(stack);
    const deployment = byMetaName(ofType(plan, T.deployment), "cloudflared");
    const spec = deployment.inputs.spec as {
      replicas: number;
      template: {
        spec: {
          automountServiceAccountToken: boolean;
          topologySpreadConstraints: { topologyKey: string }[];
          containers: { args: string[]; readinessProbe: { httpGet: { path: string; port: number } } }[];
        };
      };
    };
    expect(spec.replicas).toBe(config.edge.cloudflaredReplicas);
    expect(spec.replicas).toBeGreaterThanOrEqual(2);
    expect(spec.template.spec.automountServiceAccountToken).toBe(false);
    expect(spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe("kubernetes.io/hostname");
    const container = spec.template.spec.containers[0];
    expect(container.args).toEqual(expect.arrayContaining(["tunnel", "run", "--metrics", "0.0.0.0:2000"]));
    expect(container.readinessProbe.httpGet).toEqual({ path: "/ready", port: 2000 });

    const pdb = byMetaName(ofType(plan, T.pdb), "cloudflared");
    expect(pdb.inputs.spec).toEqual({ minAvailable: 1, selector: { matchLabels: CLOUDFLARED_POD_LABELS } });

    const policies = ofType(plan, T.netpol).filter((p) => meta(p).namespace === "edge");
    const egress = byMetaName(policies, "cloudflared-egress").inputs.spec as {
      egress: { ports: { protocol: string; port: number }[] }[];
    };
    expect(egress.egress[0].ports).toEqual(
      expect.arrayContaining([
        { protocol: "UDP", port: 7844 },
        { protocol: "TCP", port: 7844 },
        { protocol: "TCP", port: 443 },
      ]),
    );
    expect(byMetaName(policies, "traefik-from-cloudflared").inputs.spec).toMatchObject({
      podSelector: { matchLabels: TRAEFIK_POD_LABELS },
      ingress: [{ from: [{ podSelector: { matchLabels: CLOUDFLARED_POD_LABELS } }] }],
    });
    expect(byMetaName(policies, "traefik-cvm-agents-from-lb").inputs.spec).toMatchObject({
      ingress: [{ ports: [{ protocol: "TCP", port: 7018 }] }],
    });
  });

  it("manages Kubernetes objects with the cluster's provider and Cloudflare with an explicit one", async () => {
    const { plan } = await edgePlan(stack);
    const k8sProvider = one(plan, T.k8sProvider);
    for (const r of plan.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
      expect({ urn: r.urn, provider: r.provider }).toEqual({ urn: r.urn, provider: k8sProvider.urn });
    }
    const cfProvider = one(plan, T.cfProvider);
    expect(cfProvider.secretPaths).toContain("apiToken");
    for (const r of plan.resources.filter((x) => x.type.startsWith("cloudflare:"))) {
      expect({ urn: r.urn, provider: r.provider }).toEqual({ urn: r.urn, provider: cfProvider.urn });
    }
  });
});

describe("the Traefik dashboard", () => {
  it("is on in staging and off in production, and never routed", async () => {
    const dashboard = async (stack: string) => {
      const values = traefikRelease((await edgePlan(stack)).plan).inputs.values as Values;
      return { api: values.api.dashboard, routed: values.ingressRoute.dashboard.enabled };
    };
    expect(await dashboard("staging")).toEqual({ api: true, routed: false });
    expect(await dashboard("production")).toEqual({ api: false, routed: false });
  });
});
