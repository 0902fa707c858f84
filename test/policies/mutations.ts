/**
 * One break per rule of the pack, each on a real planned production resource: the mutation test
 * of the offline evaluator and the gRPC test of the served pack both apply these.
 */
import type { EvaluatedResource } from "../../policies/lib/evaluate";
import { serviceValues, SERVICES_NAMESPACE } from "../../services/values";
import { parsePlatformConfig } from "../../stacks/config";
import { PROJECT_ROOT } from "../../tools/engine/engine";
import { renderedToEvaluated } from "../../tools/engine/policyRun";
import { renderChart } from "../../tools/engine/renderServices";
import { loadStackSettings, type ConfigMutation } from "../../tools/engine/stackSettings";
import { section } from "../harness";
import { selfSignedCertificate } from "../selfSignedCertificate";

/**
 * Production as it runs after the one-time OpenBao bootstrap and the external root's signature:
 * Pulumi holds a token, configures the PKI and sets the signed intermediate, so the CA chain exists
 * and the warm pools are created. The real program and config plus those two values.
 */
export function bootstrappedProduction(): ConfigMutation {
  const intermediate = selfSignedCertificate(730, true, "Prism intermediate");
  return (c) => {
    c["prism:openbaoToken"] = { secure: "v1:placeholder" };
    section(c, "prism:pki").externalIntermediateCertificate = intermediate;
  };
}

export type Mutation = {
  policy: string;
  what: string;
  mutate(resources: EvaluatedResource[]): void;
  /** Why the CLI cannot show this break to a pack: the offline plan alone catches it. */
  offlineOnly?: string;
};

function find(resources: EvaluatedResource[], type: string, name: string): EvaluatedResource {
  const r = resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`the production plan has no ${type} ${name}`);
  return r;
}

type Meta = { metadata: { labels: Record<string, string>; namespace: string } };

type Pod = {
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  containers: {
    image: string;
    env?: { name: string; value?: string }[];
    securityContext: Record<string, unknown>;
    resources: Record<string, unknown>;
    livenessProbe?: unknown;
  }[];
};

/**
 * A Rollout ArgoCD deploys in production (the service chart rendered for auth), which the plan
 * checks beside the Pulumi resources: rendered objects are the only Rollouts there are.
 */
function productionRollout(): EvaluatedResource {
  const settings = loadStackSettings(PROJECT_ROOT, "production");
  const config = parsePlatformConfig(settings.project, "production", settings.config);
  const manifest = renderChart("auth", SERVICES_NAMESPACE, serviceValues(config, "auth")).find(
    (m) => m.kind === "Rollout",
  );
  if (!manifest) throw new Error("the service chart rendered no Rollout for auth");
  return renderedToEvaluated([{ stack: "production", release: "auth", manifest }])[0];
}

/** Breaks of the pod-template rules, each on the real cloudflared Deployment. */
function workloadMutations(): Mutation[] {
  const pod = (rs: EvaluatedResource[]) =>
    (find(rs, "kubernetes:apps/v1:Deployment", "cloudflared").inputs as { spec: { template: { spec: Pod } } })
      .spec.template.spec;
  const container = (rs: EvaluatedResource[]) => pod(rs).containers[0];
  const sc = (rs: EvaluatedResource[]) => container(rs).securityContext;
  const breaks: [string, string, (rs: EvaluatedResource[]) => void][] = [
    [
      "k8s-run-as-non-root",
      "run cloudflared as root",
      (rs) => Object.assign(sc(rs), { runAsNonRoot: false, runAsUser: 0 }),
    ],
    ["k8s-no-privileged", "make cloudflared privileged", (rs) => (sc(rs).privileged = true)],
    [
      "k8s-no-privilege-escalation",
      "allow privilege escalation",
      (rs) => (sc(rs).allowPrivilegeEscalation = true),
    ],
    [
      "k8s-drop-all-capabilities",
      "keep all capabilities",
      (rs) => (sc(rs).capabilities = { add: ["NET_ADMIN"] }),
    ],
    [
      "k8s-seccomp-runtime-default",
      "run unconfined",
      (rs) => (sc(rs).seccompProfile = { type: "Unconfined" }),
    ],
    ["k8s-resource-requests-limits", "remove the limits", (rs) => delete container(rs).resources.limits],
    [
      "k8s-liveness-readiness-probes",
      "remove the liveness probe",
      (rs) => delete container(rs).livenessProbe,
    ],
    ["k8s-no-host-access", "use the host network", (rs) => (pod(rs).hostNetwork = true)],
    [
      "k8s-image-tag-pinned",
      "deploy :latest",
      (rs) => (container(rs).image = "docker.io/cloudflare/cloudflared:latest"),
    ],
    [
      "k8s-allowed-registries",
      "pull from an unknown registry",
      (rs) => (container(rs).image = "registry.example.net/cloudflared:1.0.0"),
    ],
    [
      "k8s-no-automount-sa-token",
      "mount the service-account token",
      (rs) => (pod(rs).automountServiceAccountToken = true),
    ],
    [
      "k8s-no-literal-secret-env",
      "pass the tunnel token as a literal",
      (rs) => (container(rs).env ??= []).push({ name: "FALLBACK_TUNNEL_TOKEN", value: "literal" }),
    ],
  ];
  return breaks.map(([policy, what, mutate]) => ({ policy, what, mutate }));
}

export const MUTATIONS: Mutation[] = [
  {
    policy: "k8s-namespace-pod-security",
    what: "drop the PSA enforce label of namespace prism",
    mutate: (rs) =>
      delete (find(rs, "kubernetes:core/v1:Namespace", "prism").inputs as Meta).metadata.labels[
        "pod-security.kubernetes.io/enforce"
      ],
  },
  {
    policy: "k8s-default-deny-network-policy",
    what: "let the prism namespace's default-deny allow ingress",
    mutate: (rs) => {
      const np = find(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "prism-default-deny");
      (np.outputs.spec as { ingress?: unknown[] }).ingress = [{}];
    },
  },
  {
    policy: "k8s-no-default-namespace",
    what: "move the openbao allow-dns policy into the default namespace",
    mutate: (rs) => {
      (
        find(rs, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "openbao-allow-dns").inputs as Meta
      ).metadata.namespace = "default";
    },
  },
  {
    policy: "stateful-resources-protected",
    what: "unprotect the production cluster",
    mutate: (rs) =>
      (find(rs, "digitalocean:index/kubernetesCluster:KubernetesCluster", "prism").protect = false),
  },
  ...workloadMutations(),
  {
    policy: "operator-pod-security-context",
    what: "let the users database's PostgreSQL containers escalate privileges",
    mutate: (rs) => {
      const db = find(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster", "data-postgres-users-cluster");
      (
        db.inputs.spec as { securityContext: Record<string, unknown> }
      ).securityContext.allowPrivilegeEscalation = true;
    },
  },
  {
    policy: "operator-pod-resources",
    what: "drop the limits of the users database's PgBouncer",
    mutate: (rs) => {
      const pooler = find(rs, "kubernetes:postgresql.cnpg.io/v1:Pooler", "data-postgres-users-pooler");
      const spec = pooler.inputs.spec as {
        template: { spec: { containers: { resources: { limits?: unknown } }[] } };
      };
      delete spec.template.spec.containers[0].resources.limits;
    },
  },
  {
    policy: "operator-pod-allowed-registries",
    what: "run SpiceDB from an unknown registry",
    mutate: (rs) => {
      const cluster = find(rs, "kubernetes:authzed.com/v1alpha1:SpiceDBCluster", "spicedb-cluster");
      (cluster.inputs.spec as { config: Record<string, unknown> }).config.image =
        "registry.example.net/authzed/spicedb:v1.45.0";
    },
  },
  {
    policy: "k8s-service-exposure",
    what: "open the CVM agents' load balancer to any source",
    mutate: (rs) => {
      const svc = find(rs, "kubernetes:core/v1:Service", "traefik-cvm-agents");
      (svc.inputs.spec as { loadBalancerSourceRanges?: string[] }).loadBalancerSourceRanges = [];
    },
  },
  {
    policy: "helm-chart-version-pinned",
    what: "give the Traefik release a version range",
    mutate: (rs) => (find(rs, "kubernetes:helm.sh/v3:Release", "traefik").inputs.version = "^41.0.0"),
  },
  {
    policy: "helm-repository-secure",
    what: "fetch the Traefik chart over plain http",
    mutate: (rs) =>
      (find(rs, "kubernetes:helm.sh/v3:Release", "traefik").inputs.repositoryOpts = {
        repo: "http://traefik.github.io/charts",
      }),
  },
  {
    policy: "helm-no-plaintext-secrets",
    what: "put a literal password into Traefik's values",
    mutate: (rs) => {
      const values = find(rs, "kubernetes:helm.sh/v3:Release", "traefik").inputs.values as Record<
        string,
        unknown
      >;
      values.hub = { token: "literal-token-value" };
    },
  },
  {
    policy: "cf-tunnel-dns-proxied",
    what: "stop proxying the Grafana CNAME",
    mutate: (rs) => (find(rs, "cloudflare:index/dnsRecord:DnsRecord", "edge-grafana").inputs.proxied = false),
  },
  {
    policy: "cf-tunnel-ingress-catch-all",
    what: "drop the tunnel's catch-all 404",
    mutate: (rs) => {
      const config = find(
        rs,
        "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
        "edge-config",
      );
      (config.inputs.config as { ingresses: unknown[] }).ingresses.pop();
    },
  },
  {
    policy: "cf-operator-hosts-behind-access",
    what: "delete Grafana's Access application",
    mutate: (rs) => {
      rs.splice(
        rs.indexOf(
          find(rs, "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication", "edge-grafana"),
        ),
        1,
      );
    },
  },
  {
    policy: "do-spaces-bucket-private-versioned",
    what: "make the backup bucket public",
    mutate: (rs) =>
      (find(rs, "digitalocean:index/spacesBucket:SpacesBucket", "backups-bucket").inputs.acl = "public-read"),
  },
  {
    policy: "do-spaces-key-scoped",
    what: "give Velero's Spaces key full access",
    mutate: (rs) =>
      (find(rs, "digitalocean:index/spacesKey:SpacesKey", "backups-key").inputs.grants = [
        { bucket: "", permission: "fullaccess" },
      ]),
  },
  {
    policy: "pki-leaf-role-hardening",
    what: "let CVM agent certificates live a year",
    mutate: (rs) =>
      (find(rs, "vault:pkiSecret/secretBackendRole:SecretBackendRole", "pki-cvm-agent").inputs.maxTtl =
        String(365 * 24 * 3600)),
  },
  {
    policy: "pki-urls-configured",
    what: "drop the intermediate's issuing and CRL URLs",
    mutate: (rs) => {
      rs.splice(
        rs.indexOf(
          find(rs, "vault:pkiSecret/secretBackendConfigUrls:SecretBackendConfigUrls", "pki-int-urls"),
        ),
        1,
      );
    },
  },
  {
    policy: "azure-cvm-confidential",
    what: "give an Azure warm-pool VM a non-TDX size",
    mutate: (rs) => {
      const vm = find(rs, "azure-native:compute:VirtualMachine", "confidential-azure-prism-production-cvm-0");
      (vm.inputs.hardwareProfile as { vmSize: string }).vmSize = "Standard_D4s_v5";
    },
  },
  {
    policy: "azure-no-public-ip",
    what: "attach a public IP to an Azure CVM's NIC",
    mutate: (rs) => {
      const nic = find(
        rs,
        "azure-native:network:NetworkInterface",
        "confidential-azure-prism-production-cvm-0-nic",
      );
      const configs = nic.inputs.ipConfigurations as Record<string, unknown>[];
      configs[0].publicIPAddress = {
        id: "/subscriptions/x/providers/Microsoft.Network/publicIPAddresses/pip",
      };
    },
  },
  {
    policy: "gcp-cvm-confidential",
    what: "turn SEV-SNP off on the GCP instance template",
    mutate: (rs) =>
      delete find(rs, "gcp:compute/instanceTemplate:InstanceTemplate", "confidential-gcp-template").inputs
        .confidentialInstanceConfig,
  },
  {
    policy: "aws-cvm-confidential",
    what: "give the AWS warm-pool instance a public IP",
    mutate: (rs) =>
      (find(
        rs,
        "aws:ec2/instance:Instance",
        "confidential-aws-prism-production-cvm-0",
      ).inputs.associatePublicIpAddress = true),
  },
  {
    policy: "do-cluster-production-hardening",
    what: "turn off the production cluster's HA control plane",
    mutate: (rs) =>
      (find(rs, "digitalocean:index/kubernetesCluster:KubernetesCluster", "prism").inputs.ha = false),
  },
  {
    policy: "k8s-explicit-provider",
    what: "put namespace edge on the default provider",
    mutate: (rs) => (find(rs, "kubernetes:core/v1:Namespace", "edge").provider = undefined),
  },
  {
    policy: "stateful-resources-retained",
    what: "let Pulumi delete the users database with its resource",
    offlineOnly: "the CLI sends analyzers no retainOnDelete (AnalyzerResourceOptions has no such field)",
    mutate: (rs) =>
      (find(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster", "data-postgres-users-cluster").retainOnDelete =
        false),
  },
  {
    policy: "volumes-use-retain-storage-class",
    what: "put OpenSearch's volumes on DOKS's default (Delete) class",
    // Stack policies read outputs.
    mutate: (rs) => {
      const values = find(rs, "kubernetes:helm.sh/v3:Release", "opensearch").outputs.values as {
        persistence: Record<string, unknown>;
      };
      delete values.persistence.storageClass;
    },
  },
  {
    policy: "velero-snapshots-fit-digitalocean",
    what: "keep daily backups 30 days with hourly ones beside them",
    mutate: (rs) => {
      const values = find(rs, "kubernetes:helm.sh/v3:Release", "velero").inputs.values as {
        schedules: Record<string, { schedule: string; template: { ttl: string } }>;
      };
      values.schedules.daily.template.ttl = "720h0m0s";
      values.schedules["hourly-state"].schedule = "15 * * * *";
    },
  },
  {
    policy: "production-high-availability",
    what: "run the users database on one instance",
    mutate: (rs) => {
      const db = find(rs, "kubernetes:postgresql.cnpg.io/v1:Cluster", "data-postgres-users-cluster");
      (db.outputs.spec as { instances: number }).instances = 1;
    },
  },
  {
    policy: "cost-within-budget",
    what: "let the data pool autoscale to 60 m-4vcpu-32gb nodes (+54 × $168 over the $9,000 budget)",
    mutate: (rs) => {
      const pool = find(rs, "digitalocean:index/kubernetesNodePool:KubernetesNodePool", "prism-data");
      pool.inputs.maxNodes = 60;
      pool.outputs.maxNodes = 60;
    },
  },
  {
    policy: "k8s-rollout-analysis",
    what: "deploy auth's production Rollout without its background analysis",
    mutate: (rs) => {
      const rollout = productionRollout();
      delete (rollout.inputs as { spec: { strategy: { canary: { analysis?: unknown } } } }).spec.strategy
        .canary.analysis;
      rs.push(rollout);
    },
  },
  {
    policy: "credentials-are-secrets",
    what: "store the cluster kubeconfig in plaintext",
    mutate: (rs) => {
      const p = find(rs, "pulumi:providers:kubernetes", "prism-k8s");
      p.secretPaths = p.secretPaths.filter((s) => s !== "kubeconfig");
    },
  },
];
