import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_NAMES, type ServiceName } from "../../services/catalog";
import {
  IMAGE_PULL_SECRET,
  imageRepository,
  remoteSecretKey,
  SERVICE_CHART_PATH,
  serviceValues,
  type ServiceValuesOptions,
} from "../../services/values";
import { appProject, application, IN_CLUSTER, type GroupKind } from "./argoResources";
import { IMAGE_UPDATER_PULL_SECRET, REGISTRY_CREDENTIALS_SECRET } from "./imageUpdater";
import { registryPullSecret } from "./platformResources";

/** The AppProject every service Application belongs to. */
export const PROJECT = "prism";

/** Image Updater's annotation prefix (read because the ImageUpdater resource sets useAnnotations). */
const IU = "argocd-image-updater.argoproj.io";

/**
 * The only kinds the service chart renders, and so the only kinds the project may sync: a commit
 * that adds a Role, a Secret or anything cluster-scoped is refused.
 */
export const SERVICE_KINDS: GroupKind[] = [
  { group: "", kind: "ServiceAccount" },
  { group: "", kind: "ConfigMap" },
  { group: "", kind: "Service" },
  { group: "argoproj.io", kind: "Rollout" },
  { group: "argoproj.io", kind: "AnalysisTemplate" },
  { group: "autoscaling", kind: "HorizontalPodAutoscaler" },
  { group: "autoscaling.k8s.io", kind: "VerticalPodAutoscaler" },
  { group: "policy", kind: "PodDisruptionBudget" },
  { group: "networking.k8s.io", kind: "NetworkPolicy" },
  { group: "monitoring.coreos.com", kind: "ServiceMonitor" },
  { group: "external-secrets.io", kind: "ExternalSecret" },
  { group: "traefik.io", kind: "IngressRoute" },
  { group: "traefik.io", kind: "TraefikService" },
];

/**
 * What the Applications read from the stack: the services' values and where their chart comes from.
 */
export interface ServiceApplicationsOptions extends ServiceValuesOptions {
  delivery: ServiceValuesOptions["delivery"] & {
    /** The repository (https) holding services/chart; the only source the project may sync. */
    repoUrl: string;
    /** The branch each Application renders the chart at. */
    branch: string;
  };
}

/** Image Updater's settings for one service, per stack (config.delivery.imageUpdate). */
export function imageUpdaterAnnotations(
  config: ServiceApplicationsOptions,
  service: ServiceName,
): Record<string, string> {
  const update = config.delivery.imageUpdate;
  const repository = imageRepository(config, service);
  const common = {
    [`${IU}/write-back-method`]: "argocd",
    [`${IU}/${service}.helm.image-name`]: "image.repository",
    [`${IU}/${service}.helm.image-tag`]: "image.tag",
    [`${IU}/${service}.pull-secret`]: IMAGE_UPDATER_PULL_SECRET,
  };
  if (update.strategy === "digest") {
    // Staging follows a mutable tag and pins each push by its digest (tag@sha256:...).
    return {
      [`${IU}/image-list`]: `${service}=${repository}:${update.tag}`,
      [`${IU}/${service}.update-strategy`]: "digest",
      ...common,
    };
  }
  // Production takes the highest semver release tag matching the allow-list.
  return {
    [`${IU}/image-list`]: `${service}=${repository}`,
    [`${IU}/${service}.update-strategy`]: "semver",
    [`${IU}/${service}.allow-tags`]: update.allowTags,
    ...common,
  };
}

export interface ServiceApplicationsArgs {
  /** The stack's delivery settings (repo, branch, registry, image updates, rollout) and what the values read. */
  config: ServiceApplicationsOptions;
  /** ArgoCd.namespace: where the AppProject and Applications live. */
  argocdNamespace: pulumi.Input<string>;
  /** namespaces.name("prism"): where the services run. */
  servicesNamespace: pulumi.Input<string>;
  /** ArgoCd.release (Application/AppProject CRDs) and ArgoRollouts.release (Rollout CRD). */
  argocd: pulumi.Resource;
  rollouts: pulumi.Resource;
  /** ExternalSecrets.storeName: the ClusterSecretStore the registry credential comes from. */
  secretStore: pulumi.Input<string>;
  provider: k8s.Provider;
}

/**
 * The Prism services as ArgoCD Applications: one per service, all in an AppProject that may deploy
 * only this repository's service chart kinds into the services' namespace. Each Application renders
 * services/chart at the stack's branch with the values services/values.ts builds, syncs itself
 * (prune, self-heal, retries with backoff), and carries the stack's Image Updater settings.
 */
export class ServiceApplications extends pulumi.ComponentResource {
  constructor(name: string, args: ServiceApplicationsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:delivery:ServiceApplications", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const { config } = args;
    const delivery = config.delivery;

    // The services' image pull secret, synced from Secret Manager.
    registryPullSecret(
      `${name}-registry-credentials`,
      args.servicesNamespace,
      {
        secretName: IMAGE_PULL_SECRET,
        storeName: args.secretStore,
        remoteKey: remoteSecretKey(config.environment, REGISTRY_CREDENTIALS_SECRET),
      },
      k8sOpts,
    );

    const project = appProject(
      `${name}-project`,
      { name: PROJECT, namespace: args.argocdNamespace },
      {
        description: "The Prism microservices, from this repository's service chart",
        sourceRepos: [delivery.repoUrl],
        // The services' namespace only: nothing in this project can deploy elsewhere.
        destinations: [{ server: IN_CLUSTER, namespace: args.servicesNamespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: SERVICE_KINDS,
        orphanedResources: { warn: true },
      },
      { ...k8sOpts, dependsOn: [args.argocd] },
    );

    for (const service of SERVICE_NAMES) {
      application(
        `${name}-${service}`,
        {
          name: service,
          namespace: args.argocdNamespace,
          labels: { "app.kubernetes.io/part-of": "prism", "prism.io/service": service },
          annotations: imageUpdaterAnnotations(config, service),
          // Deleting the Application deletes what it deployed.
          finalizers: ["resources-finalizer.argocd.argoproj.io"],
        },
        {
          project: project.metadata.name,
          source: {
            repoURL: delivery.repoUrl,
            targetRevision: delivery.branch,
            path: SERVICE_CHART_PATH,
            helm: { releaseName: service, valuesObject: serviceValues(config, service) },
          },
          destination: { server: IN_CLUSTER, namespace: args.servicesNamespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true, allowEmpty: false },
            // Server-side apply, so fields other controllers own (HPA replicas, ESO defaults)
            // neither conflict nor show as drift; prune only after the new objects are healthy.
            syncOptions: ["ServerSideApply=true", "PruneLast=true", "FailOnSharedResource=true"],
            retry: { limit: 10, backoff: { duration: "10s", factor: 2, maxDuration: "5m" } },
          },
          revisionHistoryLimit: 10,
        },
        { ...k8sOpts, dependsOn: [args.argocd, args.rollouts] },
      );
    }

    this.registerOutputs({ project: project.metadata.name });
  }
}
