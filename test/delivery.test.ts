/** Delivery: ArgoCD, Image Updater, Argo Rollouts and the service Applications, on both stacks. */
import { ArgoCd } from "../components/delivery/argocd";
import { ARGOCD_SERVER_SERVICE } from "../components/delivery/argocdValues";
import { ImageUpdater } from "../components/delivery/imageUpdater";
import { ArgoRollouts } from "../components/delivery/rollouts";
import { PROJECT, SERVICE_KINDS, ServiceApplications } from "../components/delivery/applications";
import { platformHostname } from "../components/edge/cloudflareTunnel";
import { TRAEFIK_POD_LABELS } from "../components/edge/traefikIngress";
import { SERVICE_NAMES } from "../services/catalog";
import { imageRepository, SECRET_STORE_NAME, SERVICE_CHART_PATH, serviceValues } from "../services/values";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { checkPlan, checkRendered, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import { renderedObjects, renderPlanServices } from "../tools/engine/renderServices";
import { ofType, oncePerStack, planWithFoundation, stackConfigOf } from "./harness";
import { chartOfRelease, releaseProblems } from "./upstreamCharts";
import type { ChartName } from "../components/helm/catalog";

const T = {
  release: "kubernetes:helm.sh/v3:Release",
  service: "kubernetes:core/v1:Service",
  netpol: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  route: "kubernetes:traefik.io/v1alpha1:IngressRoute",
  project: "kubernetes:argoproj.io/v1alpha1:AppProject",
  application: "kubernetes:argoproj.io/v1alpha1:Application",
  imageUpdater: "kubernetes:argocd-image-updater.argoproj.io/v1alpha1:ImageUpdater",
  externalSecret: "kubernetes:external-secrets.io/v1:ExternalSecret",
};
const IU = "argocd-image-updater.argoproj.io";

/** Foundation plus delivery, composed as stacks/platform.ts composes it. */
const deliveryPlan = oncePerStack(async (stack) => ({
  plan: await planWithFoundation(stack, (ctx) => {
    const { namespaces, cluster } = ctx;
    const secretStore = SECRET_STORE_NAME;
    const argocd = new ArgoCd("argocd", {
      ha: ctx.config.delivery.argocdHa,
      baseDomain: ctx.config.baseDomain,
      repoUrl: ctx.config.delivery.repoUrl,
      namespace: namespaces.name("argocd"),
      clusterNetwork: ctx.config.digitalocean.network,
      // Stands in for Traefik's release (the edge is planned in test/edge.test.ts).
      ingressController: namespaces,
      provider: cluster.provider,
    });
    const rollouts = new ArgoRollouts("argo-rollouts", {
      ha: ctx.config.delivery.argocdHa,
      namespace: namespaces.name("argo-rollouts"),
      clusterNetwork: ctx.config.digitalocean.network,
      provider: cluster.provider,
    });
    new ImageUpdater("image-updater", {
      registryCredentialsKey: `${ctx.config.environment}-ghcr-pull-credentials`,
      imageRegistry: ctx.config.delivery.imageRegistry,
      namespace: argocd.namespace,
      clusterNetwork: ctx.config.digitalocean.network,
      secretStore,
      provider: cluster.provider,
    });
    new ServiceApplications("services", {
      config: ctx.config,
      argocdNamespace: argocd.namespace,
      servicesNamespace: namespaces.name("prism"),
      argocd: argocd.release,
      rollouts: rollouts.release,
      secretStore,
      provider: cluster.provider,
    });
  }),
  config: stackConfigOf(stack),
}));

type Meta = { name: string; namespace: string; annotations?: Record<string, string> };
const meta = (r: PlannedResource) => r.inputs.metadata as Meta;
const spec = <S>(r: PlannedResource) => r.inputs.spec as S;
const release = (plan: Plan, chart: ChartName) => {
  const found = ofType(plan, T.release).filter((r) => chartOfRelease(r) === chart);
  if (found.length !== 1) throw new Error(`expected one ${chart} release, found ${found.length}`);
  return found[0];
};
const byName = (rs: PlannedResource[], name: string) => {
  const found = rs.filter((r) => meta(r).name === name);
  if (found.length !== 1) throw new Error(`expected one resource named ${name}, found ${found.length}`);
  return found[0];
};

interface ApplicationSpec {
  project: string;
  source: {
    repoURL: string;
    targetRevision: string;
    path: string;
    helm: { releaseName: string; valuesObject: unknown };
  };
  destination: { server: string; namespace: string };
  syncPolicy: {
    automated: { prune: boolean; selfHeal: boolean };
    syncOptions: string[];
    retry: { limit: number; backoff: { duration: string; factor: number; maxDuration: string } };
  };
}

describe.each(["staging", "production"])("delivery on %s", (stack) => {
  it("uses only upstream Helm value keys and the pinned charts", async () => {
    const { plan } = await deliveryPlan(stack);
    expect(releaseProblems(plan)).toEqual([]);
    expect(release(plan, "argo-cd").inputs.namespace).toBe("argocd");
    expect(release(plan, "argocd-image-updater").inputs.namespace).toBe("argocd");
    expect(release(plan, "argo-rollouts").inputs.namespace).toBe("argo-rollouts");
  });

  it("passes the policy pack, rendered services included, with no mandatory violation", async () => {
    const { plan } = await deliveryPlan(stack);
    const config = stackPolicyConfig(stack);
    expect(mandatory(await checkPlan(plan, config))).toEqual([]);

    const rendered = await renderPlanServices(plan);
    expect(rendered.map((r) => r.release).sort()).toEqual([...SERVICE_NAMES].sort());
    const findings = await checkRendered(renderedObjects(stack, rendered), config);
    expect(mandatory(findings)).toEqual([]);
    if (stack === "staging") {
      // `latest` until Image Updater pins its digest: advisory in staging, one finding per service.
      expect(new Set(findings.map((v) => `${v.policy}/${v.enforcementLevel}`))).toEqual(
        new Set(["k8s-image-tag-pinned/advisory"]),
      );
      expect(findings.map((v) => v.urn).sort()).toEqual(
        SERVICE_NAMES.map((s) => `rendered:staging/${s}/Rollout/${s}`).sort(),
      );
    } else {
      expect(findings).toEqual([]);
    }
  });

  it("runs ArgoCD highly available exactly when the stack asks for it", async () => {
    const { plan, config } = await deliveryPlan(stack);
    const values = release(plan, "argo-cd").inputs.values as {
      "redis-ha": { enabled: boolean };
      controller: { replicas: number; dynamicClusterDistribution: boolean };
      server: { replicas: number; service: { type: string }; extraArgs: string[] };
      repoServer: { replicas: number };
      global: { networkPolicy: { create: boolean }; domain: string };
    };
    const replicas = config.delivery.argocdHa ? 2 : 1;
    expect(config.delivery.argocdHa).toBe(stack === "production");
    expect(values["redis-ha"].enabled).toBe(config.delivery.argocdHa);
    expect(values.controller.replicas).toBe(replicas);
    expect(values.controller.dynamicClusterDistribution).toBe(config.delivery.argocdHa);
    expect(values.server.replicas).toBe(replicas);
    expect(values.repoServer.replicas).toBe(replicas);
    expect(values.server.service.type).toBe("ClusterIP");
    expect(values.server.extraArgs).toEqual(["--insecure"]);
    expect(values.global.domain).toBe(platformHostname("argocd", config.baseDomain));
    // The chart's policies admit anything to the server; the component's own replace them.
    expect(values.global.networkPolicy.create).toBe(false);
  });

  it("reaches the ArgoCD UI only through Traefik at the Access-protected hostname", async () => {
    const { plan, config } = await deliveryPlan(stack);
    const hostname = platformHostname("argocd", config.baseDomain);
    const routes = ofType(plan, T.route);
    expect(routes).toHaveLength(1);
    expect(routes[0].inputs).toMatchObject({
      metadata: { namespace: "argocd" },
      spec: {
        entryPoints: ["websecure"],
        routes: [{ match: `Host(\`${hostname}\`)`, services: [{ name: "argocd-server", port: 80 }] }],
      },
    });
    expect(routes[0].dependencies).toContain(release(plan, "argo-cd").urn);

    const fromTraefik = byName(ofType(plan, T.netpol), "argocd-server-from-traefik");
    expect(fromTraefik.inputs.spec).toEqual({
      podSelector: { matchLabels: { "app.kubernetes.io/name": "argocd-server" } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } },
              podSelector: { matchLabels: TRAEFIK_POD_LABELS },
            },
          ],
          ports: [{ protocol: "TCP", port: ARGOCD_SERVER_SERVICE.containerPort }],
        },
      ],
    });
    // No Service of this layer is exposed outside the cluster.
    for (const svc of ofType(plan, T.service))
      expect(spec<{ type?: string }>(svc).type ?? "ClusterIP").toBe("ClusterIP");
  });

  it("gives every delivery namespace allow rules for its own traffic", async () => {
    const { plan } = await deliveryPlan(stack);
    const names = ofType(plan, T.netpol)
      .filter(
        (r) =>
          (r.inputs.metadata as { labels?: Record<string, string> }).labels?.["app.kubernetes.io/part-of"] ===
          "prism-delivery",
      )
      .map((r) => `${meta(r).namespace}/${meta(r).name}`)
      .sort();
    expect(names).toEqual(
      [
        "argocd/argocd-git",
        "argocd/argocd-image-updater-egress",
        "argocd/argocd-internal",
        "argocd/argocd-kubernetes-api",
        "argocd/argocd-metrics-from-monitoring",
        "argocd/argocd-server-from-traefik",
        "argo-rollouts/argo-rollouts-kubernetes-api",
        "argo-rollouts/argo-rollouts-metrics-from-monitoring",
        "argo-rollouts/argo-rollouts-prometheus-queries",
      ].sort(),
    );
  });

  it("lets the Rollouts controller query Prometheus and weight TraefikServices on Traefik v3's API group", async () => {
    const { plan } = await deliveryPlan(stack);
    const controller = (
      release(plan, "argo-rollouts").inputs.values as {
        controller: { extraArgs: string[] };
        providerRBAC: { enabled: boolean; providers: Record<string, boolean> };
      }
    ).controller;
    expect(controller.extraArgs).toEqual([
      "--traefik-api-group=traefik.io",
      "--traefik-api-version=traefik.io/v1alpha1",
    ]);
    const rbac = (
      release(plan, "argo-rollouts").inputs.values as {
        providerRBAC: { enabled: boolean; providers: Record<string, boolean> };
      }
    ).providerRBAC;
    expect(rbac.enabled).toBe(true);
    expect(
      Object.entries(rbac.providers)
        .filter(([, on]) => on)
        .map(([p]) => p),
    ).toEqual(["traefik"]);
    const egress = ofType(plan, T.netpol).find((r) => meta(r).name === "argo-rollouts-prometheus-queries");
    expect(egress?.inputs.spec).toEqual({
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/name": "argo-rollouts",
          "app.kubernetes.io/instance": "argo-rollouts",
        },
      },
      policyTypes: ["Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
              podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } },
            },
          ],
          ports: [{ protocol: "TCP", port: 9090 }],
        },
      ],
    });
  });

  it("runs Argo Rollouts without its dashboard", async () => {
    const { plan, config } = await deliveryPlan(stack);
    const values = release(plan, "argo-rollouts").inputs.values as {
      dashboard: { enabled: boolean };
      controller: { replicas: number };
    };
    expect(values.dashboard.enabled).toBe(false);
    expect(values.controller.replicas).toBe(config.delivery.argocdHa ? 2 : 1);
  });

  it("restricts the AppProject to this repository, the services' namespace and the chart's kinds", async () => {
    const { plan, config } = await deliveryPlan(stack);
    const projects = ofType(plan, T.project);
    expect(projects).toHaveLength(1);
    expect(meta(projects[0])).toMatchObject({ name: PROJECT, namespace: "argocd" });
    expect(projects[0].inputs.spec).toMatchObject({
      sourceRepos: [config.delivery.repoUrl],
      destinations: [{ server: "https://kubernetes.default.svc", namespace: "prism" }],
      clusterResourceWhitelist: [],
    });
    expect(projects[0].dependencies).toContain(release(plan, "argo-cd").urn);

    // Every kind the chart renders is allowed, nothing else; TraefikServices exist only for
    // production's weighted canaries.
    const allowed = new Set(
      SERVICE_KINDS.map((k) => `${k.group}/${k.kind}`).filter(
        (k) => stack === "production" || k !== "traefik.io/TraefikService",
      ),
    );
    const rendered = new Set(
      (await renderPlanServices(plan)).flatMap((s) =>
        s.manifests.map((m) => `${m.apiVersion.includes("/") ? m.apiVersion.split("/")[0] : ""}/${m.kind}`),
      ),
    );
    expect(rendered).toEqual(allowed);
  });

  it("deploys one Application per service from this repository's chart at the stack's branch", async () => {
    const { plan, config } = await deliveryPlan(stack);
    const apps = ofType(plan, T.application);
    expect(apps.map((a) => meta(a).name).sort()).toEqual([...SERVICE_NAMES].sort());
    for (const service of SERVICE_NAMES) {
      const app = byName(apps, service);
      expect(meta(app).namespace).toBe("argocd");
      const s = spec<ApplicationSpec>(app);
      expect(s.project).toBe(PROJECT);
      expect(s.source).toMatchObject({
        repoURL: config.delivery.repoUrl,
        targetRevision: config.delivery.branch,
        path: SERVICE_CHART_PATH,
        helm: { releaseName: service },
      });
      // The exact values the tests and the offline plan render.
      expect(s.source.helm.valuesObject).toEqual(serviceValues(config, service));
      expect(s.destination).toEqual({ server: "https://kubernetes.default.svc", namespace: "prism" });
      expect(s.syncPolicy.automated).toMatchObject({ prune: true, selfHeal: true });
      expect(s.syncPolicy.retry.limit).toBeGreaterThan(0);
      expect(s.syncPolicy.retry.backoff).toEqual({ duration: "10s", factor: 2, maxDuration: "5m" });
      // The CRDs come from the Argo CD and Argo Rollouts releases.
      expect(app.dependencies).toEqual(
        expect.arrayContaining([release(plan, "argo-cd").urn, release(plan, "argo-rollouts").urn]),
      );
    }
    expect(config.delivery.branch).toBe(stack === "production" ? "production" : "main");
  });

  it("annotates each Application with the stack's image update strategy", async () => {
    const { plan, config } = await deliveryPlan(stack);
    for (const service of SERVICE_NAMES) {
      const annotations = meta(byName(ofType(plan, T.application), service)).annotations ?? {};
      const repository = imageRepository(config, service);
      expect(annotations[`${IU}/write-back-method`]).toBe("argocd");
      expect(annotations[`${IU}/${service}.helm.image-name`]).toBe("image.repository");
      expect(annotations[`${IU}/${service}.helm.image-tag`]).toBe("image.tag");
      expect(annotations[`${IU}/${service}.pull-secret`]).toBe("pullsecret:argocd/ghcr-pull");
      if (stack === "staging") {
        expect(config.delivery.imageUpdate).toEqual({ strategy: "digest", tag: "latest" });
        expect(annotations[`${IU}/image-list`]).toBe(`${service}=${repository}:latest`);
        expect(annotations[`${IU}/${service}.update-strategy`]).toBe("digest");
        expect(annotations[`${IU}/${service}.allow-tags`]).toBeUndefined();
      } else {
        const update = config.delivery.imageUpdate;
        if (update.strategy !== "semver") throw new Error("production updates by semver");
        expect(annotations[`${IU}/image-list`]).toBe(`${service}=${repository}`);
        expect(annotations[`${IU}/${service}.update-strategy`]).toBe("semver");
        expect(annotations[`${IU}/${service}.allow-tags`]).toBe(update.allowTags);
      }
    }
  });

  it("has Image Updater read those annotations for exactly the service Applications", async () => {
    const { plan } = await deliveryPlan(stack);
    const updaters = ofType(plan, T.imageUpdater);
    expect(updaters).toHaveLength(1);
    expect(meta(updaters[0]).namespace).toBe("argocd");
    expect(updaters[0].inputs.spec).toEqual({
      applicationRefs: SERVICE_NAMES.map((s) => ({ namePattern: s, useAnnotations: true })),
    });
    expect(updaters[0].dependencies).toContain(release(plan, "argocd-image-updater").urn);
    const registries = (
      release(plan, "argocd-image-updater").inputs.values as { config: { registries: { prefix: string }[] } }
    ).config.registries;
    expect(registries).toEqual([expect.objectContaining({ prefix: "ghcr.io", api_url: "https://ghcr.io" })]);
  });

  it("syncs the registry pull secret from Secret Manager into argocd and prism", async () => {
    const { plan, config } = await deliveryPlan(stack);
    const secrets = ofType(plan, T.externalSecret).map((r) => r.inputs as { metadata: Meta; spec: unknown });
    expect(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort()).toEqual([
      "argocd/ghcr-pull",
      "prism/ghcr-pull",
    ]);
    for (const s of secrets) {
      expect(s.spec).toMatchObject({
        secretStoreRef: { kind: "ClusterSecretStore", name: SECRET_STORE_NAME },
        target: { template: { type: "kubernetes.io/dockerconfigjson" } },
        data: [{ remoteRef: { key: `${config.environment}-ghcr-pull-credentials` } }],
      });
    }
  });
});
