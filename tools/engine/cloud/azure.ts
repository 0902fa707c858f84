/**
 * Azure (azure-native and azuread) as the simulated cloud answers it: ARM ids in Azure's format,
 * NAT public IPs in 203.0.113.0/24 (TEST-NET-3), Key Vault URIs, managed identities, app
 * registrations. Types not listed here echo their inputs, plus an id.
 */
import {
  record,
  stableHex,
  stableUuid,
  str,
  type InvokeAnswer,
  type ResourceOutputs,
  type State,
} from "./common";

/** The simulated subscription and tenant every Azure resource lives in. */
const SUBSCRIPTION = stableUuid("azure", "subscription");
const TENANT = stableUuid("azure", "tenant");
/** The identity running Pulumi (what getClientConfig reports). */
const DEPLOYER_OBJECT_ID = stableUuid("azure", "deployer");

function armId(inputs: State, provider: string, ...segments: string[]): string {
  const rg = str(inputs.resourceGroupName, "rg");
  return `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}/providers/${provider}/${segments.join("/")}`;
}

/** A resource's physical name: its `<kind>Name` input, else the logical name. */
function named(inputs: State, key: string, fallback: string): string {
  return str(inputs[key], fallback);
}

function armResource(provider: string, kind: string, nameKey: string): ResourceOutputs {
  return (name, inputs) => {
    const physical = named(inputs, nameKey, name);
    return {
      ...inputs,
      id: armId(inputs, provider, kind, physical),
      name: physical,
      provisioningState: "Succeeded",
    };
  };
}

/** A documentation address (203.0.113.1–254), stable per name. */
function testNetAddress(name: string): string {
  return `203.0.113.${1 + (parseInt(stableHex(4, "azure-pip", name), 16) % 254)}`;
}

export const azureOutputs: Record<string, ResourceOutputs> = {
  "azure-native:resources:ResourceGroup": (name, inputs) => {
    const rg = named(inputs, "resourceGroupName", name);
    return {
      ...inputs,
      id: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${rg}`,
      name: rg,
      properties: { provisioningState: "Succeeded" },
    };
  },
  "azure-native:network:NetworkSecurityGroup": armResource(
    "Microsoft.Network",
    "networkSecurityGroups",
    "networkSecurityGroupName",
  ),
  "azure-native:network:NatGateway": armResource("Microsoft.Network", "natGateways", "natGatewayName"),
  "azure-native:network:VirtualNetwork": armResource(
    "Microsoft.Network",
    "virtualNetworks",
    "virtualNetworkName",
  ),
  "azure-native:network:PublicIPAddress": (name, inputs) => {
    const physical = named(inputs, "publicIpAddressName", name);
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.Network", "publicIPAddresses", physical),
      name: physical,
      ipAddress: testNetAddress(physical),
      resourceGuid: stableUuid("azure-pip", physical),
      provisioningState: "Succeeded",
    };
  },
  "azure-native:network:Subnet": (name, inputs) => {
    const physical = named(inputs, "subnetName", name);
    const vnet = str(inputs.virtualNetworkName, "vnet");
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.Network", "virtualNetworks", vnet, "subnets", physical),
      name: physical,
      provisioningState: "Succeeded",
    };
  },
  "azure-native:network:NetworkInterface": (name, inputs) => {
    const physical = named(inputs, "networkInterfaceName", name);
    const mac = stableHex(12, "azure-nic", physical).toUpperCase().match(/../g) ?? [];
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.Network", "networkInterfaces", physical),
      name: physical,
      macAddress: mac.join("-"),
      resourceGuid: stableUuid("azure-nic", physical),
      provisioningState: "Succeeded",
    };
  },
  "azure-native:keyvault:Vault": (name, inputs) => {
    const physical = named(inputs, "vaultName", name);
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.KeyVault", "vaults", physical),
      name: physical,
      properties: {
        ...record(inputs.properties),
        vaultUri: `https://${physical}.vault.azure.net/`,
        provisioningState: "Succeeded",
      },
    };
  },
  "azure-native:keyvault:Key": (name, inputs) => {
    const vault = str(inputs.vaultName, "vault");
    const key = named(inputs, "keyName", name);
    const uri = `https://${vault}.vault.azure.net/keys/${key}`;
    return {
      ...inputs,
      ...record(inputs.properties),
      id: armId(inputs, "Microsoft.KeyVault", "vaults", vault, "keys", key),
      name: key,
      keyUri: uri,
      keyUriWithVersion: `${uri}/${stableHex(32, "azure-key-version", vault, key)}`,
    };
  },
  "azure-native:compute:DiskEncryptionSet": (name, inputs) => {
    const physical = named(inputs, "diskEncryptionSetName", name);
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.Compute", "diskEncryptionSets", physical),
      name: physical,
      identity: {
        ...record(inputs.identity),
        principalId: stableUuid("azure-des-identity", physical),
        tenantId: TENANT,
      },
      provisioningState: "Succeeded",
    };
  },
  "azure-native:compute:VirtualMachineScaleSet": (name, inputs) => {
    const physical = named(inputs, "vmScaleSetName", name);
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.Compute", "virtualMachineScaleSets", physical),
      name: physical,
      uniqueId: stableUuid("azure-vmss", physical),
      provisioningState: "Succeeded",
    };
  },
  "azure-native:compute:VirtualMachine": (name, inputs) => {
    const physical = named(inputs, "vmName", name);
    return {
      ...inputs,
      id: armId(inputs, "Microsoft.Compute", "virtualMachines", physical),
      name: physical,
      vmId: stableUuid("azure-vm", physical),
      provisioningState: "Succeeded",
    };
  },
  "azure-native:authorization:RoleDefinition": (name, inputs) => {
    const guid = str(inputs.roleDefinitionId, stableUuid("azure-role-definition", name));
    return {
      ...inputs,
      id: `${str(inputs.scope, `/subscriptions/${SUBSCRIPTION}`)}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      name: guid,
      type: "Microsoft.Authorization/roleDefinitions",
    };
  },
  "azure-native:authorization:RoleAssignment": (name, inputs) => {
    const guid = str(inputs.roleAssignmentName, stableUuid("azure-role-assignment", name));
    return {
      ...inputs,
      id: `${str(inputs.scope, `/subscriptions/${SUBSCRIPTION}`)}/providers/Microsoft.Authorization/roleAssignments/${guid}`,
      name: guid,
      type: "Microsoft.Authorization/roleAssignments",
    };
  },
  "azuread:index/application:Application": (name, inputs) => {
    const objectId = stableUuid("azuread-application", name);
    return {
      ...inputs,
      id: `/applications/${objectId}`,
      objectId,
      clientId: stableUuid("azuread-client", name),
      publisherDomain: "example.onmicrosoft.com",
    };
  },
  "azuread:index/servicePrincipal:ServicePrincipal": (name, inputs) => {
    const objectId = stableUuid("azuread-service-principal", name);
    return {
      ...inputs,
      id: `/servicePrincipals/${objectId}`,
      objectId,
      applicationTenantId: TENANT,
      type: "Application",
    };
  },
  "azuread:index/servicePrincipalPassword:ServicePrincipalPassword": (name, inputs) => {
    const keyId = stableUuid("azuread-password", name);
    return {
      ...inputs,
      id: `${str(inputs.servicePrincipalId, "/servicePrincipals/unknown")}/password/${keyId}`,
      keyId,
      // A simulated credential, never a real one.
      value: `sim~${stableHex(36, "azuread-password-value", name)}`,
      startDate: "2026-01-01T00:00:00Z",
      endDate: "2028-01-01T00:00:00Z",
    };
  },
};

export const azureInvokes: Record<string, InvokeAnswer> = {
  "azure-native:authorization:getClientConfig": () => ({
    clientId: stableUuid("azure", "deployer-client"),
    objectId: DEPLOYER_OBJECT_ID,
    subscriptionId: SUBSCRIPTION,
    tenantId: TENANT,
  }),
  "azuread:index/getServicePrincipal:getServicePrincipal": (inputs) => {
    const clientId = str(inputs.clientId, stableUuid("azuread-client", str(inputs.displayName, "sp")));
    const objectId = str(inputs.objectId, stableUuid("azuread-service-principal", clientId));
    return {
      id: objectId,
      objectId,
      clientId,
      displayName: str(inputs.displayName, `service principal ${clientId}`),
      applicationTenantId: TENANT,
      accountEnabled: true,
      type: "Application",
    };
  },
};
