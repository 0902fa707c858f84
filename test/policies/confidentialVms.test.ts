import * as ec2 from "@pulumi/aws/ec2";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as gcpCompute from "@pulumi/gcp/compute";
import { confidentialVmPolicies } from "../../policies/rules/confidentialVms";
import { messagesOf } from "../policyHarness";

/** The settings each test may break; the defaults satisfy every confidential-VM rule. */
interface AzureKnobs {
  vmSize: string;
  securityType: string;
  vTpmEnabled: boolean;
  securityEncryptionType: string | undefined;
  adminPassword: string | undefined;
  disablePasswordAuthentication: boolean;
}

const GOOD_AZURE: AzureKnobs = {
  vmSize: "Standard_DC4es_v5",
  securityType: "ConfidentialVM",
  vTpmEnabled: true,
  securityEncryptionType: "DiskWithVMGuestState",
  adminPassword: undefined,
  disablePasswordAuthentication: true,
};

function azureParts(overrides: Partial<AzureKnobs>) {
  const k = { ...GOOD_AZURE, ...overrides };
  return {
    securityProfile: {
      securityType: k.securityType,
      uefiSettings: { secureBootEnabled: true, vTpmEnabled: k.vTpmEnabled },
    },
    osDisk: {
      createOption: "FromImage",
      managedDisk: { securityProfile: { securityEncryptionType: k.securityEncryptionType } },
    },
    osProfile: {
      adminUsername: "prism",
      adminPassword: k.adminPassword,
      linuxConfiguration: {
        disablePasswordAuthentication: k.disablePasswordAuthentication,
        ssh: { publicKeys: [{ path: "/home/prism/.ssh/authorized_keys", keyData: "ssh-ed25519 AAAA" }] },
      },
    },
    vmSize: k.vmSize,
  };
}

function azureVm(overrides: Partial<AzureKnobs> = {}): compute.VirtualMachineArgs {
  const p = azureParts(overrides);
  return {
    resourceGroupName: "rg",
    hardwareProfile: { vmSize: p.vmSize },
    securityProfile: p.securityProfile,
    storageProfile: { osDisk: p.osDisk },
    osProfile: { ...p.osProfile, computerName: "cvm" },
    networkProfile: { networkInterfaces: [{ id: "/subscriptions/s/nic" }] },
  };
}

function azureScaleSet(overrides: Partial<AzureKnobs> = {}): compute.VirtualMachineScaleSetArgs {
  const p = azureParts(overrides);
  return {
    resourceGroupName: "rg",
    sku: { name: p.vmSize, capacity: 2 },
    virtualMachineProfile: {
      securityProfile: p.securityProfile,
      storageProfile: { osDisk: p.osDisk },
      osProfile: { ...p.osProfile, computerNamePrefix: "cvm" },
    },
  };
}

function azureNic(publicIp = false): network.NetworkInterfaceArgs {
  return {
    resourceGroupName: "rg",
    ipConfigurations: [
      {
        name: "primary",
        subnet: { id: "/subscriptions/s/subnet" },
        publicIPAddress: publicIp ? { id: "/subscriptions/s/pip" } : undefined,
      },
    ],
  };
}

interface GcpKnobs {
  confidentialInstanceType: string | undefined;
  minCpuPlatform: string | undefined;
  onHostMaintenance: string;
  externalIp: boolean;
  externalIpv6: boolean;
}

const GOOD_GCP: GcpKnobs = {
  confidentialInstanceType: "SEV_SNP",
  minCpuPlatform: "AMD Milan",
  onHostMaintenance: "TERMINATE",
  externalIp: false,
  externalIpv6: false,
};

function gcpParts(overrides: Partial<GcpKnobs>) {
  const k = { ...GOOD_GCP, ...overrides };
  return {
    machineType: k.confidentialInstanceType === "TDX" ? "c3-standard-4" : "n2d-standard-4",
    minCpuPlatform: k.minCpuPlatform,
    confidentialInstanceConfig:
      k.confidentialInstanceType === undefined
        ? undefined
        : { confidentialInstanceType: k.confidentialInstanceType },
    scheduling: { onHostMaintenance: k.onHostMaintenance, automaticRestart: false },
    shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
    networkInterfaces: [
      {
        subnetwork: "cvm-subnet",
        accessConfigs: k.externalIp ? [{ networkTier: "PREMIUM" }] : [],
        ipv6AccessConfigs: k.externalIpv6 ? [{ networkTier: "PREMIUM" }] : undefined,
      },
    ],
  };
}

function gcpInstance(overrides: Partial<GcpKnobs> = {}): gcpCompute.InstanceArgs {
  return {
    zone: "europe-west4-a",
    bootDisk: { initializeParams: { image: "ubuntu-os-cloud/ubuntu-2404-lts-amd64" } },
    ...gcpParts(overrides),
  };
}

function gcpTemplate(overrides: Partial<GcpKnobs> = {}): gcpCompute.InstanceTemplateArgs {
  return {
    disks: [{ boot: true, sourceImage: "ubuntu-os-cloud/ubuntu-2404-lts-amd64" }],
    ...gcpParts(overrides),
  };
}

interface AwsKnobs {
  amdSevSnp: string;
  instanceType: string;
  httpTokens: string;
  encrypted: boolean;
  publicIp: boolean;
}

const GOOD_AWS: AwsKnobs = {
  amdSevSnp: "enabled",
  instanceType: "m6a.xlarge",
  httpTokens: "required",
  encrypted: true,
  publicIp: false,
};

function awsInstance(overrides: Partial<AwsKnobs> = {}): ec2.InstanceArgs {
  const k = { ...GOOD_AWS, ...overrides };
  return {
    ami: "ami-0123456789abcdef0",
    instanceType: k.instanceType,
    cpuOptions: { amdSevSnp: k.amdSevSnp },
    metadataOptions: { httpTokens: k.httpTokens, httpEndpoint: "enabled" },
    rootBlockDevice: { encrypted: k.encrypted, volumeSize: 50 },
    ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true, volumeSize: 100 }],
    associatePublicIpAddress: k.publicIp,
    subnetId: "subnet-1",
  };
}

function awsLaunchTemplate(overrides: Partial<AwsKnobs> = {}): ec2.LaunchTemplateArgs {
  const k = { ...GOOD_AWS, ...overrides };
  return {
    imageId: "ami-0123456789abcdef0",
    instanceType: k.instanceType,
    cpuOptions: { amdSevSnp: k.amdSevSnp },
    metadataOptions: { httpTokens: k.httpTokens },
    blockDeviceMappings: [
      { deviceName: "/dev/xvda", ebs: { encrypted: String(k.encrypted), volumeSize: 50 } },
    ],
    networkInterfaces: [{ subnetId: "subnet-1", associatePublicIpAddress: String(k.publicIp) }],
  };
}

describe("confidential-VM rules", () => {
  it("accept TDX VMs and scale sets, a private NIC, SEV-SNP and TDX GCP VMs, and SEV-SNP EC2", async () => {
    const messages = await messagesOf(confidentialVmPolicies, () => {
      new compute.VirtualMachine("vm", azureVm());
      new compute.VirtualMachine("vm-guest-state", azureVm({ securityEncryptionType: "VMGuestStateOnly" }));
      new compute.VirtualMachineScaleSet("vmss", azureScaleSet({ vmSize: "Standard_EC8eds_v6" }));
      new network.NetworkInterface("nic", azureNic());
      new gcpCompute.Instance("snp", gcpInstance());
      new gcpCompute.Instance(
        "tdx",
        gcpInstance({ confidentialInstanceType: "TDX", minCpuPlatform: undefined }),
      );
      new gcpCompute.InstanceTemplate("snp-template", gcpTemplate());
      new ec2.Instance("ec2", awsInstance());
      new ec2.LaunchTemplate("lt", awsLaunchTemplate());
    });
    expect(messages).toEqual([]);
  });

  it.each<[string, () => void, string, string]>([
    [
      "a non-TDX size",
      () => new compute.VirtualMachine("vm", azureVm({ vmSize: "Standard_D4s_v5" })),
      "azure-cvm-confidential",
      'hardwareProfile.vmSize is "Standard_D4s_v5"',
    ],
    [
      "TrustedLaunch",
      () => new compute.VirtualMachine("vm", azureVm({ securityType: "TrustedLaunch" })),
      "azure-cvm-confidential",
      'securityProfile.securityType is "TrustedLaunch"',
    ],
    [
      "no vTPM",
      () => new compute.VirtualMachine("vm", azureVm({ vTpmEnabled: false })),
      "azure-cvm-confidential",
      "securityProfile.uefiSettings.vTpmEnabled",
    ],
    [
      "no confidential OS disk encryption",
      () => new compute.VirtualMachine("vm", azureVm({ securityEncryptionType: undefined })),
      "azure-cvm-confidential",
      "storageProfile.osDisk.managedDisk.securityProfile.securityEncryptionType is unset",
    ],
    [
      "an admin password",
      () => new compute.VirtualMachine("vm", azureVm({ adminPassword: "hunter2hunter2!" })),
      "azure-cvm-confidential",
      "osProfile.adminPassword is set",
    ],
    [
      "password authentication",
      () => new compute.VirtualMachine("vm", azureVm({ disablePasswordAuthentication: false })),
      "azure-cvm-confidential",
      "osProfile.linuxConfiguration.disablePasswordAuthentication",
    ],
    [
      "a scale set of TrustedLaunch VMs",
      () => new compute.VirtualMachineScaleSet("vmss", azureScaleSet({ securityType: "TrustedLaunch" })),
      "azure-cvm-confidential",
      "virtualMachineProfile.securityProfile.securityType",
    ],
    [
      "a scale set of non-TDX size",
      () => new compute.VirtualMachineScaleSet("vmss", azureScaleSet({ vmSize: "Standard_D4s_v5" })),
      "azure-cvm-confidential",
      'sku.name is "Standard_D4s_v5"',
    ],
    [
      "a public IP on a NIC",
      () => new network.NetworkInterface("nic", azureNic(true)),
      "azure-no-public-ip",
      "ipConfigurations[0].publicIPAddress (primary) is set",
    ],
    [
      "a GCP VM without SEV-SNP",
      () => new gcpCompute.Instance("vm", gcpInstance({ confidentialInstanceType: undefined })),
      "gcp-cvm-confidential",
      "confidentialInstanceConfig.confidentialInstanceType is unset",
    ],
    [
      "a SEV-SNP VM on the wrong CPU platform",
      () => new gcpCompute.Instance("vm", gcpInstance({ minCpuPlatform: "AMD Rome" })),
      "gcp-cvm-confidential",
      'minCpuPlatform is "AMD Rome"',
    ],
    [
      "live migration on host maintenance",
      () => new gcpCompute.Instance("vm", gcpInstance({ onHostMaintenance: "MIGRATE" })),
      "gcp-cvm-confidential",
      'scheduling.onHostMaintenance is "MIGRATE"',
    ],
    [
      "an external IP",
      () => new gcpCompute.Instance("vm", gcpInstance({ externalIp: true })),
      "gcp-cvm-confidential",
      "networkInterfaces[0].accessConfigs",
    ],
    [
      "an instance template with an external IPv6 address",
      () => new gcpCompute.InstanceTemplate("tpl", gcpTemplate({ externalIpv6: true })),
      "gcp-cvm-confidential",
      "networkInterfaces[0].ipv6AccessConfigs",
    ],
    [
      "an instance template that migrates",
      () => new gcpCompute.InstanceTemplate("tpl", gcpTemplate({ onHostMaintenance: "MIGRATE" })),
      "gcp-cvm-confidential",
      'scheduling.onHostMaintenance is "MIGRATE"',
    ],
    [
      "EC2 with SEV-SNP disabled",
      () => new ec2.Instance("vm", awsInstance({ amdSevSnp: "disabled" })),
      "aws-cvm-confidential",
      'cpuOptions.amdSevSnp is "disabled"',
    ],
    [
      "an m5.xlarge",
      () => new ec2.Instance("vm", awsInstance({ instanceType: "m5.xlarge" })),
      "aws-cvm-confidential",
      'instanceType is "m5.xlarge"',
    ],
    [
      "IMDSv1",
      () => new ec2.Instance("vm", awsInstance({ httpTokens: "optional" })),
      "aws-cvm-confidential",
      'metadataOptions.httpTokens is "optional"',
    ],
    [
      "an unencrypted root volume",
      () => new ec2.Instance("vm", awsInstance({ encrypted: false })),
      "aws-cvm-confidential",
      "rootBlockDevice.encrypted",
    ],
    [
      "a public IP",
      () => new ec2.Instance("vm", awsInstance({ publicIp: true })),
      "aws-cvm-confidential",
      "associatePublicIpAddress is true",
    ],
    [
      "a launch template with an unencrypted volume",
      () => new ec2.LaunchTemplate("lt", awsLaunchTemplate({ encrypted: false })),
      "aws-cvm-confidential",
      'blockDeviceMappings[0].ebs.encrypted (/dev/xvda) is "false"',
    ],
    [
      "a launch template with a public IP",
      () => new ec2.LaunchTemplate("lt", awsLaunchTemplate({ publicIp: true })),
      "aws-cvm-confidential",
      'networkInterfaces[0].associatePublicIpAddress is "true"',
    ],
    [
      "a launch template without SEV-SNP",
      () => new ec2.LaunchTemplate("lt", awsLaunchTemplate({ amdSevSnp: "disabled" })),
      "aws-cvm-confidential",
      "cpuOptions.amdSevSnp",
    ],
  ])("reject %s", async (_label, build, policy, says) => {
    const messages = await messagesOf(confidentialVmPolicies, build);
    // One problem, one message, from the rule that owns it.
    expect(messages).toEqual([expect.stringContaining(says)]);
    expect(messages[0].startsWith(`${policy}: `)).toBe(true);
  });

  it.each<[string, ec2.LaunchTemplateArgs["blockDeviceMappings"]]>([
    ["no mappings", []],
    ["only an instance-store mapping", [{ deviceName: "/dev/sdb", virtualName: "ephemeral0" }]],
  ])(
    "rejects a launch template that leaves its volumes to the AMI: %s",
    async (_label, blockDeviceMappings) => {
      const messages = await messagesOf(confidentialVmPolicies, () => {
        new ec2.LaunchTemplate("lt", { ...awsLaunchTemplate(), blockDeviceMappings });
      });
      expect(messages).toEqual([
        expect.stringMatching(/^aws-cvm-confidential: blockDeviceMappings has no EBS volume/),
      ]);
    },
  );
});
