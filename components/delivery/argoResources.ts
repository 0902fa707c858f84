/**
 * Typed helpers for the Argo custom resources the platform creates: the subsets of AppProject and
 * Application (argoproj.io/v1alpha1, CRDs from the argo-cd chart) and ImageUpdater
 * (argocd-image-updater.argoproj.io/v1alpha1, CRD from the argocd-image-updater chart) it uses.
 * Callers pass `dependsOn` on the release that installs the CRD.
 */
import * as pulumi from "@pulumi/pulumi";
import { customResourceKind } from "../kubernetes/customResource";

export interface ObjectMeta {
  name: string;
  namespace: pulumi.Input<string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
}

/** The in-cluster API server, as ArgoCD names the cluster it runs in. */
export const IN_CLUSTER = "https://kubernetes.default.svc";

export interface GroupKind {
  group: string;
  kind: string;
}

export interface AppProjectSpec {
  description: string;
  sourceRepos: string[];
  destinations: { server: string; namespace: pulumi.Input<string> }[];
  /** Cluster-scoped kinds the project may manage; [] for none. */
  clusterResourceWhitelist: GroupKind[];
  /** Namespaced kinds the project may manage; anything else is refused at sync. */
  namespaceResourceWhitelist: GroupKind[];
  orphanedResources?: { warn: boolean };
}

export const appProject = customResourceKind<AppProjectSpec, ObjectMeta>(
  "argoproj.io/v1alpha1",
  "AppProject",
);

export interface SyncRetry {
  limit: number;
  backoff: { duration: string; factor: number; maxDuration: string };
}

export interface ApplicationSpec {
  project: pulumi.Input<string>;
  source: {
    repoURL: string;
    targetRevision: string;
    path: string;
    helm: { releaseName: string; valuesObject: object };
  };
  destination: { server: string; namespace: pulumi.Input<string> };
  syncPolicy: {
    automated: { prune: boolean; selfHeal: boolean; allowEmpty: boolean };
    syncOptions: string[];
    retry: SyncRetry;
  };
  revisionHistoryLimit: number;
}

export const application = customResourceKind<ApplicationSpec, ObjectMeta>(
  "argoproj.io/v1alpha1",
  "Application",
);

export interface ImageUpdaterSpec {
  /**
   * Applications the controller watches, in the ImageUpdater's own namespace (spec.namespace is
   * deprecated in v1.1.1+ and removed later, so it is not set). With useAnnotations the image
   * settings are read from each Application's argocd-image-updater.argoproj.io/* annotations.
   */
  applicationRefs: { namePattern: string; useAnnotations: true }[];
}

export const imageUpdater = customResourceKind<ImageUpdaterSpec, ObjectMeta>(
  "argocd-image-updater.argoproj.io/v1alpha1",
  "ImageUpdater",
);
