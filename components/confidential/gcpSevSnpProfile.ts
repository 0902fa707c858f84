/**
 * The GCP AMD SEV-SNP confidential-VM settings in one place: the instance template
 * Backends launches from, the warm-pool instances, Backends' IAM condition and its ConfigMap.
 */
import type * as gcpCompute from "@pulumi/gcp/compute";
import * as pulumi from "@pulumi/pulumi";

/** Ubuntu 24.04 LTS images carry the SEV_SNP_CAPABLE guest OS feature. */
export const GCP_CVM_IMAGE = "projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64";
export const GCP_CVM_MIN_CPU_PLATFORM = "AMD Milan";
export const GCP_CVM_CONFIDENTIAL_TYPE = "SEV_SNP";
const BOOT_DISK_GB = 30;

export interface GcpCvmSettings {
  project: string;
  zone: string;
  /** An N2D machine type, validated by the config schema. */
  machineType: string;
  subnetworkId: pulumi.Input<string>;
  /** Cloud KMS key (projects/…/cryptoKeys/…) encrypting the boot disk. */
  kmsKeyId: pulumi.Input<string>;
  /** The CVMs' own service account; it holds no roles. */
  serviceAccountEmail: pulumi.Input<string>;
  cloudInit: pulumi.Input<string>;
  labels: Record<string, string>;
}

/** What an instance and an instance template share; the policy pack checks both. */
function confidentialParts(s: GcpCvmSettings) {
  return {
    machineType: s.machineType,
    minCpuPlatform: GCP_CVM_MIN_CPU_PLATFORM,
    confidentialInstanceConfig: { confidentialInstanceType: GCP_CVM_CONFIDENTIAL_TYPE },
    // SEV-SNP guests cannot live-migrate.
    scheduling: { onHostMaintenance: "TERMINATE", automaticRestart: true, provisioningModel: "STANDARD" },
    shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
    canIpForward: false,
    serviceAccount: {
      email: s.serviceAccountEmail,
      scopes: ["https://www.googleapis.com/auth/cloud-platform"],
    },
    metadata: {
      "user-data": s.cloudInit,
      "block-project-ssh-keys": "true",
      "enable-oslogin": "TRUE",
      "serial-port-enable": "FALSE",
    },
    labels: s.labels,
    tags: ["prism-cvm"],
  };
}

/** The launch definition Backends uses; no access config, so no external IP. */
export function gcpCvmTemplateArgs(s: GcpCvmSettings, namePrefix: string): gcpCompute.InstanceTemplateArgs {
  return {
    project: s.project,
    namePrefix,
    description: "Prism confidential VM (AMD SEV-SNP) launched by Backends",
    ...confidentialParts(s),
    disks: [
      {
        boot: true,
        autoDelete: true,
        sourceImage: GCP_CVM_IMAGE,
        diskSizeGb: BOOT_DISK_GB,
        diskType: "pd-balanced",
        diskEncryptionKey: { kmsKeySelfLink: s.kmsKeyId },
      },
    ],
    networkInterfaces: [{ subnetwork: s.subnetworkId }],
  };
}

/** A warm-pool instance with the template's settings spelled out (the policy pack checks them). */
export function gcpCvmInstanceArgs(s: GcpCvmSettings, name: string): gcpCompute.InstanceArgs {
  return {
    project: s.project,
    zone: s.zone,
    name,
    ...confidentialParts(s),
    labels: { ...s.labels, "prism-role": "warm-pool" },
    bootDisk: {
      autoDelete: true,
      kmsKeySelfLink: s.kmsKeyId,
      initializeParams: { image: GCP_CVM_IMAGE, size: BOOT_DISK_GB, type: "pd-balanced" },
    },
    networkInterfaces: [{ subnetwork: s.subnetworkId }],
    allowStoppingForUpdate: true,
  };
}

/** Everything Backends' custom role allows; the IAM condition below narrows it to the landing zone. */
export const GCP_LAUNCHER_PERMISSIONS = [
  "compute.instances.create",
  "compute.instances.delete",
  "compute.instances.get",
  "compute.instances.setLabels",
  "compute.instances.setMetadata",
  "compute.instances.setServiceAccount",
  "compute.instances.setTags",
  "compute.disks.create",
  "compute.subnetworks.use",
  "compute.instanceTemplates.get",
  "compute.instanceTemplates.useReadOnly",
  "compute.zoneOperations.get",
];

/**
 * The IAM condition on Backends' role binding: instances and disks named with the landing zone's
 * prefix in its zone, operations in that zone, the landing zone's subnet and template, nothing else.
 * (`compute.subnetworks.useExternalIp` is not in the role, so no instance can get an external IP.)
 */
export function gcpLauncherCondition(args: {
  project: string;
  zone: string;
  region: string;
  instancePrefix: string;
  subnetworkName: pulumi.Input<string>;
  templateName: pulumi.Input<string>;
}): pulumi.Output<string> {
  const zone = `projects/${args.project}/zones/${args.zone}`;
  return pulumi
    .all([args.subnetworkName, args.templateName])
    .apply(([subnet, template]) =>
      [
        `resource.name.startsWith("${zone}/instances/${args.instancePrefix}")`,
        `resource.name.startsWith("${zone}/disks/${args.instancePrefix}")`,
        `resource.name.startsWith("${zone}/operations/")`,
        `resource.name == "projects/${args.project}/regions/${args.region}/subnetworks/${subnet}"`,
        `resource.name == "projects/${args.project}/global/instanceTemplates/${template}"`,
      ].join(" ||\n"),
    );
}
