/**
 * The whole platform in dependency order. Each component receives exactly the values it needs
 * from the ones before it; this file only composes.
 */
import * as digitalocean from "@pulumi/digitalocean";
import { DoksCluster } from "../components/cluster/doksCluster";
import { PlatformNamespaces } from "../components/cluster/platformNamespaces";
import { retainStorageClass, storageClassFor } from "../components/cluster/retainStorageClass";
import * as pulumi from "@pulumi/pulumi";
import { SpiceDb } from "../components/authz/spicedb";
import { spicedbDatastoreUri } from "../components/authz/spicedbCluster";
import { RestoreDrillAccess } from "../components/backup/restoreDrillAccess";
import { VeleroBackups } from "../components/backup/veleroBackups";
import { ConfidentialCapacity } from "../components/confidential/confidentialCapacity";
import { CostBudget } from "../components/cost/costBudget";
import { DataServices } from "../components/data/dataServices";
import { ServiceApplications } from "../components/delivery/applications";
import { ArgoCd } from "../components/delivery/argocd";
import { ImageUpdater, REGISTRY_CREDENTIALS_SECRET } from "../components/delivery/imageUpdater";
import { ArgoRollouts } from "../components/delivery/rollouts";
import { AgentsDns } from "../components/edge/agentsDns";
import { Cloudflared } from "../components/edge/cloudflared";
import { EdgeCertificate } from "../components/edge/edgeCertificate";
import { CloudflareTunnel, TOKEN_SECRET_KEY } from "../components/edge/cloudflareTunnel";
import { TraefikIngress } from "../components/edge/traefikIngress";
import { Observability } from "../components/observability/observability";
import { OpenBao } from "../components/pki/openbao";
import { OpenBaoPki } from "../components/pki/openbaoPki";
import { ExternalSecrets } from "../components/secrets/externalSecrets";
import { remoteSecretKey } from "../services/values";
import { SecretManagerReader } from "../components/secrets/secretManagerReader";
import type { GcpWorkloadIdentity } from "../components/gcp/workloadIdentity";
import type { PlatformConfig } from "./config";
import type { PreviousRun } from "./previousRun";
import type { PlatformSecrets } from "./secrets";

/** The cluster and its namespaces: what every later layer stands on. */
export function buildFoundation(
  stack: string,
  config: PlatformConfig,
  secrets: PlatformSecrets,
  previous: PreviousRun = {},
) {
  const doProvider = new digitalocean.Provider("digitalocean", {
    token: secrets.digitaloceanToken,
    spacesAccessId: secrets.spacesAccessKeyId,
    spacesSecretKey: secrets.spacesSecretKey,
  });

  // 1. Cluster: VPC, DOKS, node pools, and the Kubernetes provider everything below uses.
  const cluster = new DoksCluster("prism", {
    stack,
    protect: config.stateful.protect,
    config: config.digitalocean,
    currentVersion: previous.kubernetesVersion,
    provider: doProvider,
  });

  // A stack that retains its volumes names this class, so a deleted claim never deletes its disk.
  retainStorageClass({ provider: cluster.provider, parent: cluster });

  // 2. Namespaces with Pod Security Admission and default-deny network policies.
  const namespaces = new PlatformNamespaces("platform", {
    provider: cluster.provider,
    kubernetesVersion: config.digitalocean.kubernetesVersion,
  });

  return { doProvider, cluster, namespaces };
}

export type Foundation = ReturnType<typeof buildFoundation>;

/** How the cluster's workloads authenticate to GCP (prism:gcpServiceAccountKeys). */
export function gcpIdentityOf(
  config: Pick<PlatformConfig, "gcpServiceAccountKeys">,
  cluster: Pick<DoksCluster, "serviceAccountIssuer">,
): GcpWorkloadIdentity {
  return config.gcpServiceAccountKeys === "keyless"
    ? { mode: "keyless", issuer: cluster.serviceAccountIssuer() }
    : { mode: "key" };
}

/** What every layer reads: the stack, its validated config and secrets, and the previous run. */
export interface StackInputs {
  stack: string;
  config: PlatformConfig;
  secrets: PlatformSecrets;
  previous: PreviousRun;
}

/** 3-4. OpenBao, and its PKI once OpenBao is initialised and Pulumi has a token. */
export function buildPki(
  { stack, config, secrets, previous }: StackInputs,
  { cluster, namespaces }: Foundation,
) {
  // OpenBao: HA on Raft, TLS inside the cluster, auto-unseal through a Cloud KMS key.
  const openbao = new OpenBao("openbao", {
    credentialRotation: config.credentialRotation,
    stack,
    protect: config.stateful.protect,
    storageClass: storageClassFor(config.stateful.retainVolumes),
    config: config.pki,
    namespace: namespaces.name("openbao"),
    clientNamespace: namespaces.name("prism"),
    clusterNetwork: config.digitalocean.network,
    provider: cluster.provider,
    gcpIdentity: gcpIdentityOf(config, cluster),
  });

  // Its PKI through the Vault provider (docs/openbao-bootstrap.md); until OpenBao is initialised it
  // registers nothing and says what to do.
  const pki = new OpenBaoPki("pki", {
    stack,
    protect: config.stateful.protect,
    baseDomain: config.baseDomain,
    config: config.pki,
    token: secrets.openbaoToken,
    openbao,
    previousStatus: previous.pkiStatus,
  });
  return { openbao, pki };
}

/**
 * 5. Confidential capacity: per enabled cloud, the landing zone Backends launches CVMs into and the
 * warm pool, whose agents trust the PKI's chain and dial back on the agents' port.
 */
export function buildConfidential(
  { stack, config }: StackInputs,
  { cluster, namespaces }: Foundation,
  { pki }: { pki: Pick<OpenBaoPki, "caChain"> },
) {
  const confidential = new ConfidentialCapacity("confidential", {
    credentialRotation: config.credentialRotation,
    stack,
    protect: config.stateful.protect,
    baseDomain: config.baseDomain,
    config: config.confidential,
    provider: cluster.provider,
    namespace: namespaces.name("prism"),
    openbaoCa: pki.caChain,
    gcpIdentity: gcpIdentityOf(config, cluster),
  });
  return { confidential };
}

/**
 * 6. Edge: Traefik is the only ingress (plus the load balancer for CVM agents); the Cloudflare
 * tunnel routes the platform hostnames to it; cloudflared runs the tunnel in-cluster.
 */
export function buildEdge(
  { stack, config, secrets }: StackInputs,
  { cluster, namespaces }: Foundation,
  { confidential }: { confidential: Pick<ConfidentialCapacity, "egressRangeList"> },
) {
  const traefik = new TraefikIngress("traefik", {
    stack,
    replicas: config.edge.traefikReplicas,
    dashboard: config.edge.traefikDashboard,
    namespace: namespaces.name("edge"),
    backendsNamespace: namespaces.name("prism"),
    // The CVM networks' egress addresses, plus any extra ranges from config (e.g. an on-premises agent).
    // Element by element, so the list and every range from config are known on a first preview.
    agentSourceRanges: [
      ...confidential.egressRangeList,
      ...[...new Set(config.confidential.extraAgentSourceRanges)].sort(),
    ],
    podCidr: config.digitalocean.network.clusterSubnet,
    clusterNetwork: config.digitalocean.network,
    baseDomain: config.baseDomain,
    provider: cluster.provider,
  });
  const tunnel = new CloudflareTunnel("edge", {
    stack,
    baseDomain: config.baseDomain,
    config: config.cloudflare,
    apiToken: secrets.cloudflareApiToken,
    originUrl: traefik.originUrl,
    namespace: namespaces.name("edge"),
    k8sProvider: cluster.provider,
  });
  // The proxied hostnames' edge certificate, when the Universal one cannot cover them.
  new EdgeCertificate("edge-certificate", {
    baseDomain: config.baseDomain,
    zoneName: config.cloudflare.zoneName,
    zoneId: config.cloudflare.zoneId,
    provider: tunnel.provider,
  });
  // The name every CVM dials, on the agents' load balancer; DNS only (the attested TLS is end to end).
  new AgentsDns("agents", {
    baseDomain: config.baseDomain,
    zoneId: config.cloudflare.zoneId,
    address: traefik.cvmAgentsService.status.loadBalancer.ingress[0].ip,
    provider: tunnel.provider,
  });
  new Cloudflared("cloudflared", {
    namespace: namespaces.name("edge"),
    replicas: config.edge.cloudflaredReplicas,
    tokenSecret: { name: tunnel.tokenSecretName, key: TOKEN_SECRET_KEY },
    origin: traefik.origin,
    provider: cluster.provider,
  });
  return { traefik, tunnel };
}

/**
 * 7. Backups: a versioned Spaces bucket, a key scoped to it, Velero storing backups in Spaces and
 * snapshotting volumes through DigitalOcean's plugin, on the stack's schedules.
 */
export function buildBackups(
  { stack, config, secrets }: StackInputs,
  { doProvider, cluster, namespaces }: Foundation,
) {
  const backups = new VeleroBackups("backups", {
    credentialRotation: config.credentialRotation,
    stack,
    protect: config.stateful.protect,
    config: config.backups,
    doProvider,
    // Its own token: whoever reads the velero namespace gets volume-snapshot rights, not the account.
    digitaloceanToken: secrets.veleroDigitaloceanToken,
    k8sProvider: cluster.provider,
    namespace: namespaces.name("velero"),
    clusterNetwork: config.digitalocean.network,
  });
  return { backups };
}

/**
 * 8. Observability: Prometheus, Alertmanager and Grafana (behind Access), dashboards and alert
 * rules, Jaeger, OpenSearch + Dashboards (behind Access), Fluent Bit, the VPA recommender.
 * metrics-server is a managed DOKS component.
 */
export function buildObservability(
  { stack, config, secrets }: StackInputs,
  { cluster, namespaces }: Foundation,
  { traefik }: { traefik: Pick<TraefikIngress, "release"> },
) {
  const observability = new Observability("observability", {
    protect: config.stateful.protect,
    storageClass: storageClassFor(config.stateful.retainVolumes),
    externalLabels: { cluster: `prism-${stack}`, environment: config.environment },
    baseDomain: config.baseDomain,
    config: config.observability,
    namespaces,
    clusterNetwork: config.digitalocean.network,
    provider: cluster.provider,
    slackWebhookUrl: secrets.alertmanagerSlackWebhookUrl,
    // The release alone (it installs the IngressRoute CRD), not the whole component, whose agents'
    // load balancer takes minutes to provision and is no concern of the routes.
    ingress: traefik.release,
  });
  return { observability };
}

/**
 * 9. Data: the CloudNativePG operator, one PostgreSQL cluster + PgBouncer pooler per service
 * database (WAL and base backups to Spaces), Valkey, NATS with JetStream.
 */
export function buildData({ stack, config }: StackInputs, { doProvider, cluster, namespaces }: Foundation) {
  const data = new DataServices("data", {
    credentialRotation: config.credentialRotation,
    stack,
    config: config.data,
    protect: config.stateful.protect,
    storageClass: storageClassFor(config.stateful.retainVolumes),
    spacesRegion: config.backups.spacesRegion,
    doProvider,
    provider: cluster.provider,
    namespaces,
    clusterConfig: config.digitalocean,
  });
  return { data };
}

/**
 * The scheduled restore drill's access: its namespace's ServiceAccount, a read-only key on the
 * PostgreSQL archive, and Velero's modifiers for a drill restore (components/backup/restoreDrill.ts).
 */
export function buildRestoreDrill(
  { stack, config }: StackInputs,
  { doProvider, cluster, namespaces }: Foundation,
  { data }: { data: Pick<DataServices, "postgresBackupBucket" | "postgresBackupEndpoint" | "postgresImage"> },
) {
  const restoreDrill = new RestoreDrillAccess("restore-drill", {
    credentialRotation: config.credentialRotation,
    stack,
    provider: cluster.provider,
    doProvider,
    namespace: namespaces.name("restore-drill"),
    veleroNamespace: namespaces.name("velero"),
    postgresBucket: data.postgresBackupBucket,
    postgresBucketEndpoint: data.postgresBackupEndpoint,
    imageName: data.postgresImage,
    storageGiB: config.data.postgres.storageGiB,
    clusterNetwork: config.digitalocean.network,
    clusterKubeconfig: cluster.kubeconfig,
  });
  return { restoreDrill };
}

/** 10. External Secrets: the operator and the Google Secret Manager store services read through. */
export function buildExternalSecrets(
  { stack, config, secrets }: StackInputs,
  { cluster, namespaces }: Foundation,
) {
  // Keyless: the store federates the cluster's tokens; otherwise it holds the key the operator set.
  const reader =
    config.gcpServiceAccountKeys === "keyless"
      ? new SecretManagerReader("external-secrets-gcp", {
          stack,
          gcpProject: config.externalSecrets.gcpProject,
          issuer: cluster.serviceAccountIssuer(),
          namespace: namespaces.name("external-secrets"),
        })
      : undefined;
  const externalSecrets = new ExternalSecrets("external-secrets", {
    replicas: config.externalSecrets.replicas,
    namespace: namespaces.name("external-secrets"),
    config: config.externalSecrets,
    ...(reader
      ? { gcpFederation: reader.federation }
      : { gcpCredentials: secrets.externalSecretsGcpCredentials }),
    // prism reads the services' secrets; argocd the registry pull secret for Image Updater.
    consumerNamespaces: [namespaces.name("prism"), namespaces.name("argocd")],
    clusterNetwork: config.digitalocean.network,
    provider: cluster.provider,
  });
  return { externalSecrets };
}

/** 11. SpiceDB through its operator, on its own PostgreSQL database, with the schema written. */
export function buildAuthz(
  { stack, config }: StackInputs,
  { cluster, namespaces }: Foundation,
  { data }: { data: Pick<DataServices, "spicedbDatabase"> },
) {
  const spicedb = new SpiceDb("spicedb", {
    credentialRotation: config.credentialRotation,
    stack,
    replicas: config.spicedb.replicas,
    resources: config.spicedb.resources,
    namespace: namespaces.name("spicedb"),
    clientNamespace: namespaces.name("prism"),
    datastore: {
      uri: spicedbDatastoreUri(data.spicedbDatabase.uri),
      namespace: namespaces.name("data"),
      poolerPodLabels: data.spicedbDatabase.poolerPodLabels,
    },
    kubernetesVersion: config.digitalocean.kubernetesVersion,
    clusterNetwork: config.digitalocean.network,
    provider: cluster.provider,
  });
  return { spicedb };
}

/**
 * 12. Delivery: Argo CD (HA in production; its UI only through the tunnel at argocd.<baseDomain>),
 * Argo Rollouts, Image Updater, and one Application per service rendering services/chart.
 */
export function buildDelivery(
  { config }: StackInputs,
  { cluster, namespaces }: Foundation,
  {
    traefik,
    externalSecrets,
  }: {
    traefik: Pick<TraefikIngress, "release">;
    externalSecrets: Pick<ExternalSecrets, "storeName">;
  },
) {
  const argocd = new ArgoCd("argocd", {
    ha: config.delivery.argocdHa,
    baseDomain: config.baseDomain,
    repoUrl: config.delivery.repoUrl,
    namespace: namespaces.name("argocd"),
    clusterNetwork: config.digitalocean.network,
    ingressController: traefik.release,
    provider: cluster.provider,
  });
  const rollouts = new ArgoRollouts("argo-rollouts", {
    ha: config.delivery.argocdHa,
    namespace: namespaces.name("argo-rollouts"),
    clusterNetwork: config.digitalocean.network,
    provider: cluster.provider,
  });
  new ImageUpdater("image-updater", {
    registryCredentialsKey: remoteSecretKey(config.environment, REGISTRY_CREDENTIALS_SECRET),
    imageRegistry: config.delivery.imageRegistry,
    namespace: argocd.namespace,
    clusterNetwork: config.digitalocean.network,
    secretStore: externalSecrets.storeName,
    provider: cluster.provider,
  });
  new ServiceApplications("services", {
    config,
    argocdNamespace: argocd.namespace,
    servicesNamespace: namespaces.name("prism"),
    argocd: argocd.release,
    rollouts: rollouts.release,
    secretStore: externalSecrets.storeName,
    provider: cluster.provider,
  });
  return { argocd, rollouts };
}

/** The whole platform: the layers in dependency order, each given the outputs it needs. */
export function buildPlatform(
  stack: string,
  config: PlatformConfig,
  secrets: PlatformSecrets,
  previous: PreviousRun = {},
) {
  const inputs: StackInputs = { stack, config, secrets, previous };
  const foundation = buildFoundation(stack, config, secrets, previous);
  const { cluster, namespaces } = foundation;
  if (config.budget)
    new CostBudget("budget", {
      monthlyUsd: config.budget.monthlyUsd,
      namespace: namespaces.name("prism"),
      provider: cluster.provider,
    });
  const { openbao, pki } = buildPki(inputs, foundation);
  const { confidential } = buildConfidential(inputs, foundation, { pki });
  const { traefik, tunnel } = buildEdge(inputs, foundation, { confidential });
  const { backups } = buildBackups(inputs, foundation);
  const { observability } = buildObservability(inputs, foundation, { traefik });
  const { data } = buildData(inputs, foundation);
  const { restoreDrill } = buildRestoreDrill(inputs, foundation, { data });
  const { externalSecrets } = buildExternalSecrets(inputs, foundation);
  const { spicedb } = buildAuthz(inputs, foundation, { data });
  buildDelivery(inputs, foundation, { traefik, externalSecrets });

  return {
    environment: config.environment,
    clusterName: cluster.clusterName,
    clusterId: cluster.clusterId,
    clusterEndpoint: cluster.endpoint,
    kubernetesVersion: cluster.version,
    vpcId: cluster.vpcId,
    kubeconfig: cluster.kubeconfig,
    namespaces: namespaces.all(),
    tunnelId: tunnel.tunnelId,
    cvmAgentsAddress: traefik.cvmAgentsService.status.loadBalancer.ingress[0].ip,
    pkiStatus: pki.status,
    // Only while an external root has a CSR to sign.
    ...(pki.intermediateCsr ? { pkiIntermediateCsr: pki.intermediateCsr } : {}),
    openbaoCaCertificate: openbao.caCertificate,
    openbaoUnsealKeyId: openbao.unsealKeyId,
    backupBucket: backups.bucketName,
    cvmEgressRanges: confidential.egressRanges,
    postgresBackupBucket: data.postgresBackupBucket,
    restoreDrill: restoreDrill.facts,
    restoreDrillKubeconfig: restoreDrill.kubeconfig,
    natsUrl: data.natsUrl,
    secretStore: externalSecrets.storeName,
    grafanaUrl: pulumi.interpolate`https://${observability.grafanaHostname}`,
    logsUrl: pulumi.interpolate`https://${observability.logsHostname}`,
    spicedbEndpoint: spicedb.endpoint,
  };
}
