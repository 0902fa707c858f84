/**
 * The Azure Intel TDX confidential-VM settings, in one place: the scale-set template
 * Backends reads, the warm-pool VMs and the `backends-azure` ConfigMap all take them from here.
 */
import type * as compute from "@pulumi/azure-native/compute";
import type * as network from "@pulumi/azure-native/network";
import type * as pulumi from "@pulumi/pulumi";

/** Canonical's Ubuntu 24.04 confidential-VM image (the only image family a TDX CVM boots). */
export const AZURE_CVM_IMAGE = {
  publisher: "Canonical",
  offer: "ubuntu-24_04-lts",
  sku: "cvm",
  version: "latest",
} as const;

/** The OS disk and VM guest state are encrypted with the landing zone's key (DiskWithVMGuestState). */
export const AZURE_CVM_DISK_ENCRYPTION = "DiskWithVMGuestState";
export const AZURE_CVM_SECURITY_TYPE = "ConfidentialVM";

/** The login user; password login is disabled and SSH is switched off by cloud-init. */
const ADMIN_USER = "cocos";

export interface AzureCvmSettings {
  /** A TDX size (DCesv5/DCedsv5/ECesv5/ECedsv5 or v6), validated by the config schema. */
  vmSize: string;
  subnetId: pulumi.Input<string>;
  /** A disk encryption set of type ConfidentialVmEncryptedWithCustomerKey. */
  diskEncryptionSetId: pulumi.Input<string>;
  /** cloud-init, base64-encoded (Azure's customData). */
  customData: pulumi.Input<string>;
  /** A public key nobody holds the private half of: Azure wants one when passwords are off. */
  sshPublicKey: string;
}

function securityProfile() {
  return {
    securityType: AZURE_CVM_SECURITY_TYPE,
    uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
  };
}

function osDisk(s: AzureCvmSettings, name?: string) {
  return {
    name,
    createOption: "FromImage",
    caching: "ReadWrite" as const,
    deleteOption: "Delete",
    managedDisk: {
      storageAccountType: "Premium_LRS",
      securityProfile: {
        securityEncryptionType: AZURE_CVM_DISK_ENCRYPTION,
        diskEncryptionSet: { id: s.diskEncryptionSetId },
      },
    },
  };
}

function linuxConfiguration(s: AzureCvmSettings) {
  return {
    disablePasswordAuthentication: true,
    provisionVMAgent: true,
    ssh: { publicKeys: [{ path: `/home/${ADMIN_USER}/.ssh/authorized_keys`, keyData: s.sshPublicKey }] },
  };
}

/** A warm-pool VM's NIC: a private address in the CVM subnet and no public IP. */
export function azureCvmNicArgs(
  s: AzureCvmSettings,
  nic: {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    name: string;
    tags: Record<string, string>;
  },
): network.NetworkInterfaceArgs {
  return {
    resourceGroupName: nic.resourceGroupName,
    location: nic.location,
    networkInterfaceName: nic.name,
    ipConfigurations: [
      { name: "primary", primary: true, privateIPAllocationMethod: "Dynamic", subnet: { id: s.subnetId } },
    ],
    tags: nic.tags,
  };
}

/** A standalone confidential VM (the warm pool), on an existing NIC without a public IP. */
export function azureCvmVirtualMachineArgs(
  s: AzureCvmSettings,
  vm: {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    vmName: string;
    nicId: pulumi.Input<string>;
    tags: Record<string, string>;
  },
): compute.VirtualMachineArgs {
  return {
    resourceGroupName: vm.resourceGroupName,
    location: vm.location,
    vmName: vm.vmName,
    hardwareProfile: { vmSize: s.vmSize },
    securityProfile: securityProfile(),
    storageProfile: { imageReference: { ...AZURE_CVM_IMAGE }, osDisk: osDisk(s, `${vm.vmName}-os`) },
    osProfile: {
      computerName: vm.vmName,
      adminUsername: ADMIN_USER,
      customData: s.customData,
      allowExtensionOperations: false,
      linuxConfiguration: linuxConfiguration(s),
    },
    networkProfile: { networkInterfaces: [{ id: vm.nicId, primary: true, deleteOption: "Delete" }] },
    diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    tags: vm.tags,
  };
}

/**
 * The launch definition Backends uses: a Flexible scale set with capacity 0, so every confidential
 * setting lives in an ARM object the policy pack checks and Backends reads (GET on its id) rather than
 * in free-form configuration. Backends creates per-computation VMs from this profile; it never
 * scales the set itself.
 */
export function azureCvmScaleSetArgs(
  s: AzureCvmSettings,
  set: {
    resourceGroupName: pulumi.Input<string>;
    location: string;
    name: string;
    tags: Record<string, string>;
  },
): compute.VirtualMachineScaleSetArgs {
  return {
    resourceGroupName: set.resourceGroupName,
    location: set.location,
    vmScaleSetName: set.name,
    orchestrationMode: "Flexible",
    platformFaultDomainCount: 1,
    singlePlacementGroup: false,
    sku: { name: s.vmSize, tier: "Standard", capacity: 0 },
    virtualMachineProfile: {
      securityProfile: securityProfile(),
      storageProfile: { imageReference: { ...AZURE_CVM_IMAGE }, osDisk: osDisk(s) },
      osProfile: {
        computerNamePrefix: "cvm",
        adminUsername: ADMIN_USER,
        customData: s.customData,
        allowExtensionOperations: false,
        linuxConfiguration: linuxConfiguration(s),
      },
      networkProfile: {
        networkApiVersion: "2020-11-01",
        networkInterfaceConfigurations: [
          {
            name: "primary",
            primary: true,
            deleteOption: "Delete",
            // No publicIPAddressConfiguration: CVMs leave through the NAT gateway only.
            ipConfigurations: [{ name: "primary", primary: true, subnet: { id: s.subnetId } }],
          },
        ],
      },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
    },
    tags: set.tags,
  };
}
