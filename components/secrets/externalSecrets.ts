import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { platformRelease, type HelmValues } from "../helm/helmRelease";
import { bundleYaml } from "../helm/vendoredManifests";
import {
  internetEgress,
  kubernetesApiEgress,
  namespacePeer,
  tcp,
  type ClusterNetwork,
} from "../kubernetes/networkPolicy";
import { customResourceKind } from "../kubernetes/customResource";
import { tokenNeeded } from "../kubernetes/podSecurity";
import { RESTRICTED_CONTAINER } from "../kubernetes/podSecurity";
import { GCP_TOKEN_AUDIENCE } from "../gcp/workloadIdentity";

/**
 * The chart (2.9.0) serves external-secrets.io/v1 only: v1beta1 needs `crds.unsafeServeV1Beta1`,
 * which stays off.
 */
export const EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1";

/** The store every ExternalSecret of the platform reads from: Google Secret Manager. */
export const CLUSTER_SECRET_STORE = "gcp-secret-manager";

const RELEASE = "external-secrets";
const CREDENTIALS_SECRET = "gcpsm-credentials";
const CREDENTIALS_KEY = "credentials.json";
/** The webhook's listen port (chart value webhook.port); the API server calls it there. */
const WEBHOOK_PORT = 10250;
/** Metrics port of all three deployments (chart default metrics.listen.port). */
const METRICS_PORT = 8080;

/** Our own pod labels (set through the chart's podLabels), so the NetworkPolicies need no guess at its templates. */
const COMPONENT_LABEL = "prism.io/external-secrets";
const podLabels = (component: "controller" | "webhook" | "cert-controller") => ({
  [COMPONENT_LABEL]: component,
});

// ---- Typed custom resources -------------------------------------------------------------------

interface SecretKeySelector {
  name: pulumi.Input<string>;
  key: string;
  /** Required on a ClusterSecretStore: the Secret's namespace. */
  namespace?: pulumi.Input<string>;
}

/** The subset of ClusterSecretStore (external-secrets.io/v1) the platform uses: GCP Secret Manager. */
export interface ClusterSecretStoreSpec {
  provider: {
    gcpsm: {
      projectID: string;
      auth:
        | { secretRef: { secretAccessKeySecretRef: SecretKeySelector } }
        | {
            /** The controller requests a token of this service account itself (TokenRequest). */
            workloadIdentityFederation: {
              /** The STS audience: the workload identity provider's full resource name. */
              audience: pulumi.Input<string>;
              serviceAccountRef: { name: string; namespace: pulumi.Input<string>; audiences: string[] };
              gcpServiceAccountEmail: pulumi.Input<string>;
            };
          };
    };
  };
  /** Namespaces whose ExternalSecrets may use the store; nobody else can. */
  conditions: { namespaces: pulumi.Input<string>[] }[];
}

export const clusterSecretStore = customResourceKind<
  ClusterSecretStoreSpec,
  { name: string; labels?: Record<string, string> }
>(EXTERNAL_SECRETS_API_VERSION, "ClusterSecretStore");

/** The subset of ExternalSecret (external-secrets.io/v1) the platform uses. */
export interface ExternalSecretSpec {
  /** How often the controller re-reads the remote secret, e.g. "1h". */
  refreshInterval: string;
  secretStoreRef: { kind: "ClusterSecretStore"; name: pulumi.Input<string> };
  target: {
    /** The Kubernetes Secret to write. */
    name: pulumi.Input<string>;
    /** Owner: the Secret is deleted with the ExternalSecret. */
    creationPolicy: "Owner" | "Orphan" | "Merge";
    /** Retain: a secret deleted upstream is kept in the cluster rather than emptied. */
    deletionPolicy?: "Retain" | "Delete";
  };
  /** Each key of the target Secret and the Secret Manager secret (latest version unless pinned) it comes from. */
  data: { secretKey: string; remoteRef: { key: pulumi.Input<string>; version?: string } }[];
}

/**
 * An ExternalSecret: what the delivery layer (and the service chart it renders) uses to give a
 * service its secrets from Google Secret Manager through the platform's ClusterSecretStore.
 */
export const externalSecret = customResourceKind<
  ExternalSecretSpec,
  { name: pulumi.Input<string>; namespace: pulumi.Input<string>; labels?: Record<string, string> }
>(EXTERNAL_SECRETS_API_VERSION, "ExternalSecret");

// ---- The component ----------------------------------------------------------------------------

/** The Kubernetes service account the store's tokens are requested for (keyless). */
export const SECRET_MANAGER_READER_SA = "gcpsm-reader";

/** Keyless access: what SecretManagerReader federates for SECRET_MANAGER_READER_SA. */
export interface SecretManagerFederation {
  stsAudience: pulumi.Input<string>;
  serviceAccountEmail: pulumi.Input<string>;
}

export interface ExternalSecretsArgs {
  /**
   * Pods of each of controller, webhook and cert-controller; more than one turns on leader
   * election and disruption budgets, so a node drain never stops secret syncs or admission.
   */
  replicas: number;
  /** namespaces.name("external-secrets") */
  namespace: pulumi.Input<string>;
  /** prism:externalSecrets: the GCP project whose Secret Manager holds the services' secrets. */
  config: { gcpProject: string };
  /**
   * How the store authenticates to Secret Manager, exactly one of: the reader's service-account
   * key JSON (a Pulumi secret), or workload identity federation (SecretManagerReader).
   */
  gcpCredentials?: pulumi.Input<string>;
  gcpFederation?: SecretManagerFederation;
  /** Namespaces allowed to use the store, e.g. [namespaces.name("prism")]. */
  consumerNamespaces: pulumi.Input<string>[];
  /** config.digitalocean.network: where the Kubernetes API lives, for the egress policies. */
  clusterNetwork: ClusterNetwork;
  provider: k8s.Provider;
}

/**
 * External Secrets Operator with one ClusterSecretStore for Google Secret Manager. Controller,
 * webhook and cert-controller run restricted (non-root, read-only root, no capabilities, seccomp),
 * with requests, limits and probes; with several replicas, leader election and PDBs.
 * NetworkPolicies: egress to Secret Manager (HTTPS) and the Kubernetes API, ingress to the
 * webhook's port from the API server and to the metrics port from Prometheus, nothing else.
 */
export class ExternalSecrets extends pulumi.ComponentResource {
  /** The ClusterSecretStore's name, for ExternalSecrets' secretStoreRef. */
  readonly storeName: pulumi.Output<string>;
  /** The store itself: ExternalSecrets created through Pulumi depend on it. */
  readonly store: k8s.apiextensions.CustomResource;

  constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:secrets:ExternalSecrets", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    const policies = this.networkPolicies(name, args, k8sOpts);
    // The chart archive has no CRDs (upstream generates them at release time): they come from the
    // vendored bundle of the same tag, before the release, whose controllers watch them from start.
    // The YAML goes to the provider as text, which it splits into one CustomResourceDefinition per
    // object (CRDs first); registering 25 CRDs with their OpenAPI schemas as program objects would
    // nearly double the offline plan's time, and the pack has no rule about CRDs.
    const crds = new k8s.yaml.v2.ConfigGroup(
      `${name}-crds`,
      { yaml: bundleYaml("external-secrets-crds") },
      { parent: this, provider: args.provider },
    );
    const release = platformRelease(RELEASE, {
      chart: "external-secrets",
      namespace: args.namespace,
      values: externalSecretsValues(args.replicas),
      provider: args.provider,
      parent: this,
      // The cert-controller and webhook need the API from their first start.
      dependsOn: [...policies, crds],
    });

    this.store = clusterSecretStore(
      `${name}-store`,
      { name: CLUSTER_SECRET_STORE, labels: { "app.kubernetes.io/part-of": "prism" } },
      {
        provider: {
          gcpsm: { projectID: args.config.gcpProject, auth: this.storeAuth(name, args, k8sOpts) },
        },
        conditions: [{ namespaces: args.consumerNamespaces }],
      },
      // The CRD comes from the bundle, the validating webhook with the release.
      { ...k8sOpts, dependsOn: [crds, release] },
    );
    this.storeName = this.store.metadata.name;
    this.registerOutputs({ storeName: this.storeName });
  }

  /** The store's auth: a key in a Secret, or federation through a token-only service account. */
  private storeAuth(
    name: string,
    args: ExternalSecretsArgs,
    k8sOpts: pulumi.CustomResourceOptions,
  ): ClusterSecretStoreSpec["provider"]["gcpsm"]["auth"] {
    const { gcpCredentials, gcpFederation } = args;
    const notExactlyOne = () =>
      new pulumi.ResourceError("give exactly one of gcpCredentials and gcpFederation", this);
    if (gcpFederation) {
      if (gcpCredentials !== undefined) throw notExactlyOne();
      // No pod runs as it: the controller requests its tokens (audience-bound, short-lived).
      const reader = new k8s.core.v1.ServiceAccount(
        `${name}-gcpsm-reader`,
        {
          metadata: {
            name: SECRET_MANAGER_READER_SA,
            namespace: args.namespace,
            labels: { "app.kubernetes.io/part-of": "prism" },
          },
          automountServiceAccountToken: false,
        },
        k8sOpts,
      );
      return {
        workloadIdentityFederation: {
          audience: gcpFederation.stsAudience,
          serviceAccountRef: {
            name: SECRET_MANAGER_READER_SA,
            namespace: reader.metadata.namespace,
            audiences: [GCP_TOKEN_AUDIENCE],
          },
          gcpServiceAccountEmail: gcpFederation.serviceAccountEmail,
        },
      };
    }
    if (gcpCredentials === undefined) throw notExactlyOne();
    // The key stays a Pulumi secret into the Secret, which the store references by name.
    const credentials = new k8s.core.v1.Secret(
      `${name}-gcp-credentials`,
      {
        metadata: {
          name: CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: { [CREDENTIALS_KEY]: pulumi.secret(gcpCredentials) },
      },
      k8sOpts,
    );
    return {
      secretRef: {
        secretAccessKeySecretRef: {
          name: credentials.metadata.name,
          key: CREDENTIALS_KEY,
          namespace: credentials.metadata.namespace,
        },
      },
    };
  }

  private networkPolicies(
    name: string,
    args: ExternalSecretsArgs,
    opts: pulumi.CustomResourceOptions,
  ): k8s.networking.v1.NetworkPolicy[] {
    const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
      new k8s.networking.v1.NetworkPolicy(
        `${name}-${suffix}`,
        { metadata: { name: `external-secrets-${suffix}`, namespace: args.namespace }, spec },
        opts,
      );
    const kubernetesApi = kubernetesApiEgress(args.clusterNetwork);
    // Secret Manager (secretmanager.googleapis.com) and Google's OAuth endpoint: public addresses
    // that change, so HTTPS to anything that is not a private range.
    const publicHttps = internetEgress(443);
    const allPods = { matchExpressions: [{ key: COMPONENT_LABEL, operator: "Exists" }] };

    return [
      // The controller reads Secret Manager; all three watch the API. The DOKS API endpoint is a
      // public address too, so at L3/L4 both are "HTTPS to public addresses" plus the in-cluster
      // API addresses: one egress policy for the three deployments says exactly that.
      policy("egress", {
        podSelector: allPods,
        policyTypes: ["Egress"],
        egress: [kubernetesApi, publicHttps],
      }),
      // Admission calls come from the control plane, whose address a NetworkPolicy cannot name:
      // any source, this port only (the webhook serves TLS and admission reviews, nothing else).
      policy("webhook-ingress", {
        podSelector: { matchLabels: podLabels("webhook") },
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp(WEBHOOK_PORT) }],
      }),
      policy("metrics-from-monitoring", {
        podSelector: allPods,
        policyTypes: ["Ingress"],
        ingress: [
          {
            from: [namespacePeer("monitoring")],
            ports: tcp(METRICS_PORT),
          },
        ],
      }),
    ];
  }
}

/** Restricted container security context, as the chart spells it. */
const restricted = { enabled: true, ...RESTRICTED_CONTAINER, runAsUser: 1000 };

const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({
  requests: { cpu, memory },
  limits: { cpu: cpuLimit, memory: memoryLimit },
});

/** Values for the external-secrets chart (keys checked against its values.schema.json by the tests). */
export function externalSecretsValues(replicas: number): HelmValues {
  const ha = replicas > 1;
  const pdb = { enabled: ha, minAvailable: 1 };
  return {
    // The CRDs are the vendored bundle's (see ExternalSecrets); the chart must not own them too.
    installCRDs: false,
    replicaCount: replicas,
    leaderElect: ha,
    podLabels: podLabels("controller"),
    podAnnotations: tokenNeeded("reads ExternalSecrets and writes the Secrets they produce"),
    podSecurityContext: { enabled: true },
    securityContext: restricted,
    resources: resources("50m", "128Mi", "500m", "256Mi"),
    podDisruptionBudget: pdb,
    // The health server (port 8082, named "live") answers both probes.
    livenessProbe: { enabled: true },
    readinessProbe: { enabled: true },
    webhook: {
      replicaCount: replicas,
      port: WEBHOOK_PORT,
      podLabels: podLabels("webhook"),
      podAnnotations: tokenNeeded("reads the webhook's serving certificate Secret"),
      podSecurityContext: { enabled: true },
      securityContext: restricted,
      resources: resources("25m", "64Mi", "250m", "128Mi"),
      podDisruptionBudget: pdb,
      livenessProbe: { enabled: true },
      readinessProbe: { enabled: true },
    },
    certController: {
      replicaCount: replicas,
      podLabels: podLabels("cert-controller"),
      podAnnotations: tokenNeeded(
        "rotates the webhook certificate and patches the CRDs' and webhooks' CA bundles",
      ),
      podSecurityContext: { enabled: true },
      securityContext: restricted,
      resources: resources("25m", "64Mi", "250m", "256Mi"),
      podDisruptionBudget: pdb,
      livenessProbe: { enabled: true },
      readinessProbe: { enabled: true },
    },
  };
}
