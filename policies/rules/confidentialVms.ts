/** Rules for confidential-VM capacity: Azure Intel TDX, GCP SEV-SNP/TDX and AWS SEV-SNP. */
import * as ec2 from "@pulumi/aws/ec2";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as gcpCompute from "@pulumi/gcp/compute";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { AWS_SEV_SNP_INSTANCE_PATTERN, AZURE_TDX_SIZE_PATTERN } from "../facts/confidential";

type Report = (message: string) => void;

/** A property's value for a message: quoted strings, "unset" when absent. */
function shown(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/** Boolean-ish provider strings ("true") count the same as booleans. */
function isTrue(value: boolean | string | undefined): boolean {
  return value === true || value === "true";
}

const AZURE_CONFIDENTIAL_DISK_ENCRYPTION = ["DiskWithVMGuestState", "VMGuestStateOnly"];

/** What the Azure confidential-VM rule reads, from a VM or a scale set's virtualMachineProfile. */
interface AzureVmSettings {
  size: string | undefined;
  securityProfile?: {
    securityType?: string;
    uefiSettings?: { secureBootEnabled?: boolean; vTpmEnabled?: boolean };
  };
  osDiskEncryptionType: string | undefined;
  osProfile?: { adminPassword?: string; linuxConfiguration?: { disablePasswordAuthentication?: boolean } };
}

/** `sizePath` names where the size lives; `prefix` is the path of the VM profile ("" for a VM). */
function checkAzureVm(vm: AzureVmSettings, sizePath: string, prefix: string, report: Report): void {
  if (vm.size === undefined || !AZURE_TDX_SIZE_PATTERN.test(vm.size)) {
    report(
      `${sizePath} is ${shown(vm.size)}; required: an Intel TDX size (DCesv5/DCedsv5/ECesv5/ECedsv5 or v6, ${AZURE_TDX_SIZE_PATTERN})`,
    );
  }
  const security = vm.securityProfile;
  if (security?.securityType !== "ConfidentialVM") {
    report(
      `${prefix}securityProfile.securityType is ${shown(security?.securityType)}; required: "ConfidentialVM"`,
    );
  }
  if (security?.uefiSettings?.secureBootEnabled !== true) {
    report(`${prefix}securityProfile.uefiSettings.secureBootEnabled is not true; required: true`);
  }
  if (security?.uefiSettings?.vTpmEnabled !== true) {
    report(`${prefix}securityProfile.uefiSettings.vTpmEnabled is not true; required: true`);
  }
  if (!AZURE_CONFIDENTIAL_DISK_ENCRYPTION.includes(vm.osDiskEncryptionType ?? "")) {
    report(
      `${prefix}storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType is ${shown(vm.osDiskEncryptionType)}; required: "DiskWithVMGuestState" or "VMGuestStateOnly"`,
    );
  }
  // Never print the password itself.
  if (vm.osProfile?.adminPassword !== undefined) {
    report(`${prefix}osProfile.adminPassword is set; required: no password, SSH keys only`);
  }
  if (vm.osProfile?.linuxConfiguration?.disablePasswordAuthentication !== true) {
    report(`${prefix}osProfile.linuxConfiguration.disablePasswordAuthentication is not true; required: true`);
  }
}

export const azureConfidentialVm: ResourceValidationPolicy = {
  name: "azure-cvm-confidential",
  description:
    "Azure VMs and scale sets are Intel TDX confidential VMs: a TDX size, securityType ConfidentialVM with Secure Boot and vTPM, a confidential OS disk, and no password login.",
  validateResource: [
    validateResourceOfType(compute.VirtualMachine, (vm, _args, reportViolation) => {
      checkAzureVm(
        {
          size: vm.hardwareProfile?.vmSize,
          securityProfile: vm.securityProfile,
          osDiskEncryptionType:
            vm.storageProfile?.osDisk?.managedDisk?.securityProfile?.securityEncryptionType,
          osProfile: vm.osProfile,
        },
        "hardwareProfile.vmSize",
        "",
        reportViolation,
      );
    }),
    validateResourceOfType(compute.VirtualMachineScaleSet, (vmss, _args, reportViolation) => {
      const profile = vmss.virtualMachineProfile;
      checkAzureVm(
        {
          size: vmss.sku?.name,
          securityProfile: profile?.securityProfile,
          osDiskEncryptionType:
            profile?.storageProfile?.osDisk?.managedDisk?.securityProfile?.securityEncryptionType,
          osProfile: profile?.osProfile,
        },
        "sku.name",
        "virtualMachineProfile.",
        reportViolation,
      );
    }),
  ],
};

export const azureNoPublicIp: ResourceValidationPolicy = {
  name: "azure-no-public-ip",
  description: "Azure network interfaces attach no public IP address.",
  validateResource: validateResourceOfType(network.NetworkInterface, (nic, _args, reportViolation) => {
    for (const [i, ip] of (nic.ipConfigurations ?? []).entries()) {
      if (ip.publicIPAddress !== undefined) {
        reportViolation(
          `ipConfigurations[${i}].publicIPAddress${ip.name ? ` (${ip.name})` : ""} is set; required: no public IP address`,
        );
      }
    }
  }),
};

/** What the GCP confidential-VM rule reads; an Instance and an InstanceTemplate share the shape. */
interface GcpVmSettings {
  confidentialInstanceConfig?: { confidentialInstanceType?: string };
  minCpuPlatform?: string;
  scheduling?: { onHostMaintenance?: string };
  shieldedInstanceConfig?: {
    enableSecureBoot?: boolean;
    enableVtpm?: boolean;
    enableIntegrityMonitoring?: boolean;
  };
  networkInterfaces?: { accessConfigs?: unknown[]; ipv6AccessConfigs?: unknown[] }[];
}

function checkGcpVm(vm: GcpVmSettings, report: Report): void {
  const type = vm.confidentialInstanceConfig?.confidentialInstanceType;
  if (type !== "SEV_SNP" && type !== "TDX") {
    report(
      `confidentialInstanceConfig.confidentialInstanceType is ${shown(type)}; required: "SEV_SNP" or "TDX"`,
    );
  }
  if (type === "SEV_SNP" && vm.minCpuPlatform !== "AMD Milan") {
    report(`minCpuPlatform is ${shown(vm.minCpuPlatform)}; required: "AMD Milan" for SEV_SNP`);
  }
  if (vm.scheduling?.onHostMaintenance !== "TERMINATE") {
    report(
      `scheduling.onHostMaintenance is ${shown(vm.scheduling?.onHostMaintenance)}; required: "TERMINATE"`,
    );
  }
  for (const flag of ["enableSecureBoot", "enableVtpm", "enableIntegrityMonitoring"] as const) {
    if (vm.shieldedInstanceConfig?.[flag] !== true) {
      report(`shieldedInstanceConfig.${flag} is not true; required: true`);
    }
  }
  for (const [i, nic] of (vm.networkInterfaces ?? []).entries()) {
    if ((nic.accessConfigs ?? []).length > 0) {
      report(`networkInterfaces[${i}].accessConfigs gives an external IP; required: no access configs`);
    }
    if ((nic.ipv6AccessConfigs ?? []).length > 0) {
      report(
        `networkInterfaces[${i}].ipv6AccessConfigs gives an external IPv6 address; required: no IPv6 access configs`,
      );
    }
  }
}

export const gcpConfidentialVm: ResourceValidationPolicy = {
  name: "gcp-cvm-confidential",
  description:
    "GCP instances and instance templates are confidential VMs (SEV-SNP on AMD Milan, or TDX), terminate on host maintenance, are fully shielded, and have no external IP.",
  validateResource: [
    validateResourceOfType(gcpCompute.Instance, (vm, _args, reportViolation) =>
      checkGcpVm(vm, reportViolation),
    ),
    validateResourceOfType(gcpCompute.InstanceTemplate, (vm, _args, reportViolation) =>
      checkGcpVm(vm, reportViolation),
    ),
  ],
};

/** What an EC2 instance and a launch template share: SEV-SNP, the instance type and IMDSv2. */
interface AwsVmSettings {
  cpuOptions?: { amdSevSnp?: string };
  instanceType?: string;
  metadataOptions?: { httpTokens?: string };
}

function checkAwsVm(vm: AwsVmSettings, report: Report): void {
  if (vm.cpuOptions?.amdSevSnp !== "enabled") {
    report(`cpuOptions.amdSevSnp is ${shown(vm.cpuOptions?.amdSevSnp)}; required: "enabled"`);
  }
  if (vm.instanceType === undefined || !AWS_SEV_SNP_INSTANCE_PATTERN.test(vm.instanceType)) {
    report(
      `instanceType is ${shown(vm.instanceType)}; required: an SEV-SNP type (M6a/C6a/R6a, ${AWS_SEV_SNP_INSTANCE_PATTERN})`,
    );
  }
  if (vm.metadataOptions?.httpTokens !== "required") {
    report(
      `metadataOptions.httpTokens is ${shown(vm.metadataOptions?.httpTokens)}; required: "required" (IMDSv2)`,
    );
  }
}

export const awsConfidentialVm: ResourceValidationPolicy = {
  name: "aws-cvm-confidential",
  description:
    "AWS instances and launch templates are SEV-SNP confidential VMs on M6a/C6a/R6a, require IMDSv2, encrypt every EBS volume, and get no public IP.",
  validateResource: [
    validateResourceOfType(ec2.Instance, (vm, _args, reportViolation) => {
      checkAwsVm(vm, reportViolation);
      if (vm.rootBlockDevice?.encrypted !== true) {
        reportViolation("rootBlockDevice.encrypted is not true; required: true");
      }
      for (const [i, disk] of (vm.ebsBlockDevices ?? []).entries()) {
        if (disk.encrypted !== true) {
          reportViolation(`ebsBlockDevices[${i}].encrypted (${disk.deviceName}) is not true; required: true`);
        }
      }
      if (vm.associatePublicIpAddress === true) {
        reportViolation("associatePublicIpAddress is true; required: no public IP address");
      }
    }),
    validateResourceOfType(ec2.LaunchTemplate, (lt, _args, reportViolation) => {
      checkAwsVm(lt, reportViolation);
      // Instance-store (virtualName) and suppressed (noDevice) mappings are not EBS volumes.
      const volumes = (lt.blockDeviceMappings ?? [])
        .map((mapping, i) => ({ mapping, i }))
        .filter(({ mapping }) => mapping.virtualName === undefined && mapping.noDevice === undefined);
      if (volumes.length === 0) {
        reportViolation(
          'blockDeviceMappings has no EBS volume; required: at least one mapping with ebs.encrypted "true"',
        );
      }
      for (const { mapping, i } of volumes) {
        if (!isTrue(mapping.ebs?.encrypted)) {
          reportViolation(
            `blockDeviceMappings[${i}].ebs.encrypted${mapping.deviceName ? ` (${mapping.deviceName})` : ""} is ${shown(mapping.ebs?.encrypted)}; required: "true"`,
          );
        }
      }
      for (const [i, nic] of (lt.networkInterfaces ?? []).entries()) {
        if (isTrue(nic.associatePublicIpAddress)) {
          reportViolation(
            `networkInterfaces[${i}].associatePublicIpAddress is ${shown(nic.associatePublicIpAddress)}; required: no public IP address`,
          );
        }
      }
    }),
  ],
};

export const confidentialVmPolicies = [
  azureConfidentialVm,
  azureNoPublicIp,
  gcpConfidentialVm,
  awsConfidentialVm,
];
