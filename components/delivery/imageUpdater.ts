import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SERVICE_NAMES } from "../../services/catalog";
import { IMAGE_PULL_SECRET } from "../../services/values";
import type { PlatformNamespace } from "../cluster/platformNamespaces";
import { platformRelease } from "../helm/helmRelease";
import { imageUpdater } from "./argoResources";
import { INTERNET_HTTPS_EGRESS, networkPolicy } from "./networkPolicies";
import { kubernetesApiEgress, type ClusterNetwork } from "../kubernetes/networkPolicy";
import { registryPullSecret } from "./platformResources";
import { tokenNeeded } from "../kubernetes/podSecurity";

/** Helm release name; the chart names its pods `argocd-image-updater`. */
const RELEASE = "argocd-image-updater";
const POD_LABELS = { "app.kubernetes.io/name": "argocd-image-updater" };

/** Secret Manager key (per environment) of the registry's dockerconfigjson. */
export const REGISTRY_CREDENTIALS_SECRET = "ghcr-pull-credentials";

/** Where Image Updater (in namespace argocd, beside ArgoCD) reads the registry credentials. */
export const IMAGE_UPDATER_PULL_SECRET = `pullsecret:${"argocd" satisfies PlatformNamespace}/${IMAGE_PULL_SECRET}`;

export interface ImageUpdaterArgs {
  /**
   * The Secret Manager key of the registry's dockerconfigjson: the stack's copy of
   * REGISTRY_CREDENTIALS_SECRET (services/values.ts remoteSecretKey).
   */
  registryCredentialsKey: string;
  /** config.delivery.imageRegistry, e.g. ghcr.io/example-org. */
  imageRegistry: string;
  /** namespaces.name("argocd"): Image Updater reads and patches Applications there. */
  namespace: pulumi.Input<string>;
  /** ExternalSecrets.storeName: the ClusterSecretStore the registry credential comes from. */
  secretStore: pulumi.Input<string>;
  /** The cluster's address plan, which locates the Kubernetes API for the egress policy. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

/**
 * Argo CD Image Updater: keeps each service's image current by writing a Helm parameter on its
 * Application (write-back method `argocd`; Pulumi never sets helm.parameters, so server-side apply
 * leaves Image Updater's field alone). Since v1.0 it acts only on Applications an ImageUpdater
 * resource selects; the per-stack strategy (digest on `latest`, or semver tags) stays in the
 * Applications' annotations, which that resource tells it to read.
 */
export class ImageUpdater extends pulumi.ComponentResource {
  constructor(name: string, args: ImageUpdaterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:delivery:ImageUpdater", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const registryHost = args.imageRegistry.split("/")[0];

    // Registry credentials for tag and digest lookups, synced from Secret Manager.
    registryPullSecret(
      `${name}-registry-credentials`,
      args.namespace,
      {
        secretName: IMAGE_PULL_SECRET,
        storeName: args.secretStore,
        remoteKey: args.registryCredentialsKey,
      },
      k8sOpts,
    );

    const release = platformRelease(RELEASE, {
      chart: "argocd-image-updater",
      namespace: args.namespace,
      values: {
        config: {
          "log.level": "info",
          "kube.events": true,
          // The registry's credentials are named per image, in the Applications' annotations
          // (pull-secret), so no credential reference sits in these values.
          registries: [
            { name: "image registry", prefix: registryHost, api_url: `https://${registryHost}`, ping: true },
          ],
        },
        // The chart's defaults already run it non-root with no escalation, ALL capabilities
        // dropped, a read-only root filesystem and RuntimeDefault seccomp.
        resources: {
          requests: { cpu: "50m", memory: "64Mi" },
          limits: { cpu: "250m", memory: "256Mi" },
        },
        podAnnotations: tokenNeeded(
          "reads ImageUpdaters and patches Applications through the Kubernetes API",
        ),
      },
      provider: args.provider,
      parent: this,
      // Neither Argo CD's release nor the pull secret: the credentials are read at each registry
      // lookup, and the controller retries until Argo CD's chart has created the Application CRD
      // (the first thing its install applies). Waiting would put two releases in series.
    });

    // One reference per service Application; their annotations carry the strategy.
    imageUpdater(
      `${name}-services`,
      { name: "prism-services", namespace: args.namespace },
      { applicationRefs: SERVICE_NAMES.map((s) => ({ namePattern: s, useAnnotations: true })) },
      { ...k8sOpts, dependsOn: [release] },
    );

    const scope = { namespace: args.namespace, prefix: "argocd-image-updater", opts: k8sOpts };
    // Applications through the API server; tags and digests from the registry over HTTPS.
    networkPolicy(name, scope, "egress", {
      podSelector: { matchLabels: POD_LABELS },
      policyTypes: ["Egress"],
      egress: [kubernetesApiEgress(args.clusterNetwork), INTERNET_HTTPS_EGRESS],
    });

    this.registerOutputs({ release: release.name });
  }
}
