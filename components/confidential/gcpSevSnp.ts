/**
 * GCP landing zone for AMD SEV-SNP confidential VMs.
 *
 * Credentials: the gcp provider reads Application Default Credentials of whoever runs Pulumi
 * (`gcloud auth application-default login`, GOOGLE_APPLICATION_CREDENTIALS / GOOGLE_CREDENTIALS, or
 * workload identity federation in CI). That identity needs Owner, or Compute Admin + Cloud KMS Admin +
 * Service Account Admin + Role Administrator + Project IAM Admin + Workload Identity Pool Admin
 * (Service Account Key Admin instead of the last with keys allowed), on the project.
 *
 * Backends is keyless by default: it impersonates its service account through workload identity
 * federation with the cluster's token issuer, from a projected token (BACKENDS_TOKEN_DIR).
 */
import * as gcpCompute from "@pulumi/gcp/compute";
import * as kms from "@pulumi/gcp/kms";
import * as organizations from "@pulumi/gcp/organizations";
import * as projects from "@pulumi/gcp/projects";
import { enableGcpApis } from "../gcp/projectApis";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import * as pulumi from "@pulumi/pulumi";
import { FEDERATION_APIS, GCP_TOKEN_FILE, type GcpWorkloadIdentity } from "../gcp/workloadIdentity";
import { workloadCredentialsFile } from "../gcp/workloadCredentials";
import type { GCP_SEV_SNP_ZONES } from "../../policies/facts/confidential";
import {
  GCP_CVM_CONFIDENTIAL_TYPE,
  GCP_CVM_IMAGE,
  GCP_CVM_MIN_CPU_PLATFORM,
  GCP_LAUNCHER_PERMISSIONS,
  gcpCvmInstanceArgs,
  gcpCvmTemplateArgs,
  gcpLauncherCondition,
  type GcpCvmSettings,
} from "./gcpSevSnpProfile";
import {
  BACKENDS_CREDENTIALS_FILE,
  BACKENDS_SERVICE_ACCOUNT,
  backendsTokenDir,
  CVM_EGRESS_TCP_PORTS,
  renderCloudInit,
  warmPoolToCreate,
  zoneLabels,
  zoneName,
  type LandingZone,
  type LandingZoneArgs,
} from "./landingZone";
import { keepStateful } from "../safety/stateful";

/** A GCP SEV-SNP landing zone: its project and zone, the machines it launches, its subnet, its warm pool. */
export interface GcpSevSnpOptions {
  /** The GCP project the landing zone is built in. */
  project: string;
  /** A zone that offers SEV-SNP machines; its region is the zone without the letter suffix. */
  zone: (typeof GCP_SEV_SNP_ZONES)[number];
  /** An N2D machine type, e.g. n2d-standard-4. */
  machineType: string;
  /** The CVMs' private subnet. */
  subnetCidr: string;
  /** CVMs kept running ahead of demand; 0 for none. */
  warmPoolSize: number;
}

/** The GCP landing zone's arguments: the shared ones, and how Backends authenticates. */
export interface GcpSevSnpArgs extends LandingZoneArgs<GcpSevSnpOptions> {
  /** Keyless (the cluster's tokens, federated) or a service-account key. */
  gcpIdentity: GcpWorkloadIdentity;
}

export class GcpSevSnpLandingZone extends pulumi.ComponentResource implements LandingZone {
  readonly cloud = "gcp" as const;
  readonly egressRange: pulumi.Output<string>;
  readonly backendsSettings: pulumi.Output<Record<string, string>>;
  readonly backendsCredentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: GcpSevSnpArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:confidential:GcpSevSnpLandingZone", name, {}, opts);
    const { config: cfg, stack } = args;
    const { project, zone } = cfg;
    const region = zone.replace(/-[a-z]$/, "");
    const base = zoneName(stack);
    const labels = zoneLabels(stack, "gcp");
    const keep = keepStateful(args.protect);

    const provider = new GcpProvider(`${name}-gcp`, { project, region, zone }, { parent: this });
    // Every API this landing zone uses, enabled here (a fresh project has none of them) and
    // waited for by every resource below.
    const apis = enableGcpApis(
      name,
      project,
      [
        "compute.googleapis.com",
        "cloudkms.googleapis.com",
        "iam.googleapis.com",
        "cloudresourcemanager.googleapis.com",
        ...(args.gcpIdentity.mode === "keyless" ? FEDERATION_APIS : []),
      ],
      { parent: this, provider },
    );
    const g = { parent: this, provider, dependsOn: apis };

    // --- Network: a VPC of its own; ingress denied, egress only 443/7018, out through Cloud NAT.
    const vpc = new gcpCompute.Network(
      `${name}-vpc`,
      { project, name: base, autoCreateSubnetworks: false, routingMode: "REGIONAL" },
      g,
    );
    const subnet = new gcpCompute.Subnetwork(
      `${name}-subnet`,
      {
        project,
        region,
        name: base,
        network: vpc.id,
        ipCidrRange: cfg.subnetCidr,
        stackType: "IPV4_ONLY",
        privateIpGoogleAccess: true,
        logConfig: {
          aggregationInterval: "INTERVAL_5_SEC",
          flowSampling: 0.5,
          metadata: "INCLUDE_ALL_METADATA",
        },
      },
      g,
    );
    const firewall = (suffix: string, a: Omit<gcpCompute.FirewallArgs, "project" | "network" | "name">) =>
      new gcpCompute.Firewall(
        `${name}-${suffix}`,
        {
          project,
          network: vpc.id,
          name: `${base}-${suffix}`,
          logConfig: { metadata: "INCLUDE_ALL_METADATA" },
          ...a,
        },
        g,
      );
    firewall("deny-ingress", {
      direction: "INGRESS",
      priority: 1000,
      denies: [{ protocol: "all" }],
      sourceRanges: ["0.0.0.0/0"],
    });
    firewall("allow-egress", {
      direction: "EGRESS",
      priority: 1000,
      allows: [{ protocol: "tcp", ports: CVM_EGRESS_TCP_PORTS.map(String) }],
      destinationRanges: ["0.0.0.0/0"],
    });
    // The metadata server (DNS, attestation endpoints' names) is reachable regardless of firewalls.
    firewall("deny-egress", {
      direction: "EGRESS",
      priority: 65000,
      denies: [{ protocol: "all" }],
      destinationRanges: ["0.0.0.0/0"],
    });
    const natAddress = new gcpCompute.Address(
      `${name}-nat-ip`,
      { project, region, name: `${base}-nat`, addressType: "EXTERNAL", networkTier: "PREMIUM", labels },
      g,
    );
    const router = new gcpCompute.Router(
      `${name}-router`,
      { project, region, name: base, network: vpc.id },
      g,
    );
    new gcpCompute.RouterNat(
      `${name}-nat`,
      {
        project,
        region,
        name: base,
        router: router.name,
        natIpAllocateOption: "MANUAL_ONLY",
        natIps: [natAddress.selfLink],
        sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
        subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
        logConfig: { enable: true, filter: "ERRORS_ONLY" },
      },
      g,
    );

    // --- Disk key: an HSM-backed Cloud KMS key in the CVMs' region, rotated every 90 days.
    const keyRing = new kms.KeyRing(
      `${name}-keyring`,
      { project, name: base, location: region },
      { ...g, ...keep },
    );
    const key = new kms.CryptoKey(
      `${name}-disk-key`,
      {
        name: "cvm-disk",
        keyRing: keyRing.id,
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: "7776000s",
        destroyScheduledDuration: "2592000s",
        versionTemplate: { algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION", protectionLevel: "HSM" },
        labels,
      },
      { ...g, ...keep },
    );
    // Compute Engine's service agent encrypts the disks; it gets this one key and nothing else.
    const projectInfo = organizations.getProjectOutput({ projectId: project }, g);
    const keyUse = new kms.CryptoKeyIAMMember(
      `${name}-disk-key-compute`,
      {
        cryptoKeyId: key.id,
        role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
        member: pulumi.interpolate`serviceAccount:service-${projectInfo.number}@compute-system.iam.gserviceaccount.com`,
      },
      g,
    );

    // --- The CVMs' own identity: no roles; Backends may only attach this one.
    const cvmAccount = new serviceaccount.Account(
      `${name}-cvm-sa`,
      { project, accountId: base, displayName: "Prism confidential VMs (no roles)" },
      g,
    );
    const settings: GcpCvmSettings = {
      project,
      zone,
      machineType: cfg.machineType,
      subnetworkId: subnet.id,
      kmsKeyId: key.id,
      serviceAccountEmail: cvmAccount.email,
      cloudInit: renderCloudInit(args.agentsEndpoint, args.openbaoCa),
      labels,
    };
    const template = new gcpCompute.InstanceTemplate(
      `${name}-template`,
      gcpCvmTemplateArgs(settings, `${base}-`),
      { ...g, dependsOn: [...apis, keyUse] },
    );
    for (const vmName of warmPoolToCreate(stack, cfg.warmPoolSize, args.openbaoCa)) {
      new gcpCompute.Instance(`${name}-${vmName}`, gcpCvmInstanceArgs(settings, vmName), {
        ...g,
        dependsOn: [...apis, keyUse],
        // GCP updates metadata in place, but cloud-init has already run: boot a new VM instead
        // (same name, so the old one goes first).
        replaceOnChanges: ["metadata"],
        deleteBeforeReplace: true,
      });
    }

    // --- Backends' identity: a custom role bound under an IAM condition naming the landing zone.
    // A custom role rather than roles/compute.instanceAdmin.v1: that one also carries external-IP,
    // firewall-free and project-wide permissions that no condition can take back.
    const backends = new serviceaccount.Account(
      `${name}-backends-sa`,
      { project, accountId: `prism-${stack}-backends`, displayName: "Prism Backends: launches CVMs" },
      g,
    );
    const role = new projects.IAMCustomRole(
      `${name}-launcher-role`,
      {
        project,
        roleId: `prismCvmLauncher_${stack.replace(/[^A-Za-z0-9_]/g, "_")}`,
        title: `Prism CVM launcher (${stack})`,
        description: `Create and delete confidential VMs in ${base} only`,
        permissions: GCP_LAUNCHER_PERMISSIONS,
        stage: "GA",
      },
      g,
    );
    const instancePrefix = `${base}-`;
    new projects.IAMMember(
      `${name}-backends-launcher`,
      {
        project,
        role: role.name,
        member: backends.member,
        condition: {
          title: `landing-zone-${base}`,
          description: "Instances, disks and operations of this landing zone; its subnet and template",
          expression: gcpLauncherCondition({
            project,
            zone,
            region,
            instancePrefix,
            subnetworkName: subnet.name,
            templateName: template.name,
          }),
        },
      },
      g,
    );
    new serviceaccount.IAMMember(
      `${name}-backends-act-as-cvm`,
      { serviceAccountId: cvmAccount.name, role: "roles/iam.serviceAccountUser", member: backends.member },
      g,
    );
    // Backends' credentials file: keyless, the external_account configuration reading its
    // projected token; with keys allowed, a rotated service-account key.
    const credentialsFile = workloadCredentialsFile(
      {
        identity: args.gcpIdentity,
        account: backends,
        federationName: `${name}-backends`,
        federation: {
          project,
          poolId: `prism-${stack}-backends`,
          displayName: `Prism Backends (${stack})`,
          namespace: args.backendsNamespace,
          serviceAccount: BACKENDS_SERVICE_ACCOUNT,
        },
        tokenPath: `${backendsTokenDir("gcp")}/${GCP_TOKEN_FILE}`,
        keyName: `${name}-backends-key`,
        credentialRotation: args.credentialRotation,
        encoding: "text",
      },
      g,
    );

    this.egressRange = natAddress.address.apply((ip) => `${ip}/32`);
    this.backendsSettings = pulumi
      .all([vpc.selfLink, subnet.selfLink, key.id, template.selfLink, cvmAccount.email])
      .apply(([network, subnetwork, keyId, templateLink, cvmEmail]): Record<string, string> => ({
        GCP_PROJECT: project,
        GCP_REGION: region,
        GCP_ZONE: zone,
        GCP_MACHINE_TYPE: cfg.machineType,
        GCP_NETWORK: network,
        GCP_SUBNETWORK: subnetwork,
        GCP_DISK_KMS_KEY: keyId,
        GCP_INSTANCE_TEMPLATE: templateLink,
        GCP_SERVICE_ACCOUNT: cvmEmail,
        GCP_INSTANCE_NAME_PREFIX: instancePrefix,
        GCP_IMAGE: GCP_CVM_IMAGE,
        GCP_CONFIDENTIAL_INSTANCE_TYPE: GCP_CVM_CONFIDENTIAL_TYPE,
        GCP_MIN_CPU_PLATFORM: GCP_CVM_MIN_CPU_PLATFORM,
        CVM_AGENTS_ENDPOINT: args.agentsEndpoint,
      }));
    // The file Google's client libraries read (GOOGLE_APPLICATION_CREDENTIALS points at it).
    this.backendsCredentials = pulumi.secret(
      credentialsFile.apply((file): Record<string, string> => ({ [BACKENDS_CREDENTIALS_FILE]: file })),
    );
    this.registerOutputs({ egressRange: this.egressRange, backendsSettings: this.backendsSettings });
  }
}
