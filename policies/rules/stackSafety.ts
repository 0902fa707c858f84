/** Stack-wide safety: stateful resources protected, explicit Kubernetes providers, credentials kept secret. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { secretPathsOf } from "../lib/secrets";

/** Types whose deletion loses data or locks it away (keys), by Pulumi type token. */
export const STATEFUL_TYPES = [
  "digitalocean:index/kubernetesCluster:KubernetesCluster",
  "digitalocean:index/spacesBucket:SpacesBucket",
  "digitalocean:index/databaseCluster:DatabaseCluster",
  "digitalocean:index/volume:Volume",
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  "azure-native:compute:DiskEncryptionSet",
  "gcp:kms/keyRing:KeyRing",
  "gcp:kms/cryptoKey:CryptoKey",
  "aws:kms/key:Key",
  "kubernetes:core/v1:PersistentVolumeClaim",
  "kubernetes:postgresql.cnpg.io/v1:Cluster",
];

export const statefulProtected: ResourceValidationPolicy = {
  name: "stateful-resources-protected",
  description:
    "Stateful resources (clusters, buckets, databases, volumes, KMS keys) are protected from deletion.",
  configSchema: {
    properties: {
      additionalUrnSuffixes: {
        type: "array",
        items: { type: "string" },
        default: [],
        description:
          "Further resources to require protection for, by URN suffix (e.g. a Helm release holding state).",
      },
    },
  },
  validateResource: (args, report) => {
    const { additionalUrnSuffixes } = args.getConfig<{ additionalUrnSuffixes: string[] }>();
    const stateful =
      STATEFUL_TYPES.includes(args.type) || additionalUrnSuffixes.some((s) => args.urn.endsWith(s));
    if (stateful && !args.opts.protect) report(`${args.type} ${args.name} holds state but is not protected`);
  },
};

export const explicitKubernetesProvider: ResourceValidationPolicy = {
  name: "k8s-explicit-provider",
  description:
    "Every Kubernetes resource names the platform cluster's provider, never the ambient default one.",
  validateResource: (args, report) => {
    if (!args.type.startsWith("kubernetes:")) return;
    const provider = args.provider;
    if (!provider || provider.name.startsWith("default")) {
      report(`${args.type} ${args.name} uses the default Kubernetes provider (ambient kubeconfig)`);
    }
  },
};

/** Properties that hold credentials, on providers and on resources that carry keys. */
const CREDENTIAL_PROPERTY =
  /^(token|apiToken|apiKey|kubeconfig|password|clientSecret|credentials|accessKey|secretKey|spacesAccessId|spacesSecretKey|privateKey|privateKeyPem|clientKey|caKey)$/;

export const credentialsAreSecrets: ResourceValidationPolicy = {
  name: "credentials-are-secrets",
  description: "Provider credentials and keys are Pulumi secrets, never plaintext in state.",
  validateResource: (args, report) => {
    const secret = secretPathsOf(args.props);
    if (secret === undefined) {
      return args.notApplicable(
        "secretness of these props is unknown (the pack's entry records it from what the CLI sends)",
      );
    }
    for (const [key, value] of Object.entries(args.props)) {
      if (!CREDENTIAL_PROPERTY.test(key) || value === undefined || value === null || value === "") continue;
      if (!secret.includes(key))
        report(
          `${args.type} ${args.name} passes ${key} in plaintext; wrap it in pulumi.secret or read it with requireSecret`,
        );
    }
  },
};

export const stackSafetyPolicies = [statefulProtected, explicitKubernetesProvider, credentialsAreSecrets];
