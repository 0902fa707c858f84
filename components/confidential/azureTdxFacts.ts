/** Azure facts the TDX landing zone depends on: built-in role ids, the launcher's actions, the key release policy. */

/** Built-in role definition ids (the same in every tenant). */
export const AZURE_ROLES = {
  /** Wrap/unwrap with a key: what a disk encryption set's identity needs. */
  cryptoServiceEncryptionUser: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  /** Release an exportable key under its release policy: what the CVM orchestrator needs. */
  cryptoServiceReleaseUser: "08bbd89e-9f13-488c-ac41-acfcb10c90ab",
} as const;

export function azureRoleId(subscriptionId: string, roleGuid: string): string {
  return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
}

/**
 * Everything Backends may do, and only inside the landing zone's resource group (the role's only
 * assignable scope): create, read and delete VMs, their OS disks and NICs, attach NICs to the CVM
 * subnet, and read the template and the disk encryption set it references. Deliberately absent:
 * public IPs (no `publicIPAddresses/*`), network or NSG changes, role assignments, Key Vault.
 */
export function azureLauncherActions(): string[] {
  return [
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/write",
    "Microsoft.Compute/virtualMachines/delete",
    "Microsoft.Compute/virtualMachines/instanceView/read",
    "Microsoft.Compute/virtualMachineScaleSets/read",
    "Microsoft.Compute/disks/read",
    "Microsoft.Compute/disks/write",
    "Microsoft.Compute/disks/delete",
    "Microsoft.Compute/diskEncryptionSets/read",
    "Microsoft.Network/networkInterfaces/read",
    "Microsoft.Network/networkInterfaces/write",
    "Microsoft.Network/networkInterfaces/delete",
    "Microsoft.Network/networkInterfaces/join/action",
    "Microsoft.Network/virtualNetworks/subnets/read",
    "Microsoft.Network/virtualNetworks/subnets/join/action",
  ];
}

/** Microsoft Azure Attestation's shared providers that attest confidential VMs. */
const MAA_SHARED_AUTHORITIES = [
  "https://sharedeus.eus.attest.azure.net/",
  "https://sharedwus.wus.attest.azure.net/",
  "https://sharedneu.neu.attest.azure.net/",
  "https://sharedweu.weu.attest.azure.net/",
];

/**
 * The key release policy of the disk key (base64url JSON, as Key Vault expects it): the key is
 * released only to a TDX confidential VM that Azure Attestation reports as compliant.
 */
export function cvmKeyReleasePolicy(): string {
  const policy = {
    version: "1.0.0",
    anyOf: MAA_SHARED_AUTHORITIES.map((authority) => ({
      authority,
      allOf: [
        { claim: "x-ms-isolation-tee.x-ms-attestation-type", equals: "tdxvm" },
        { claim: "x-ms-isolation-tee.x-ms-compliance-status", equals: "azure-compliant-cvm" },
      ],
    })),
  };
  return Buffer.from(JSON.stringify(policy)).toString("base64url");
}
