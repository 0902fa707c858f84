/**
 * The Azure landing zone's network: a VNet with one subnet for the CVMs, an NSG that closes ingress
 * and allows only 443/7018 out (plus Azure's platform addresses), and a NAT gateway with a static
 * public IP, the stable egress address the 7018 allow-list is built from.
 */
import * as network from "@pulumi/azure-native/network";
import type * as azureInputs from "@pulumi/azure-native/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { CVM_EGRESS_TCP_PORTS } from "./landingZone";

/** Azure's platform addresses (DNS/WireServer and IMDS): provisioning and attestation need them. */
export const AZURE_PLATFORM_ADDRESSES = ["168.63.129.16/32", "169.254.169.254/32"];

export interface AzureCvmNetworkArgs {
  resourceGroupName: pulumi.Input<string>;
  location: string;
  tags: Record<string, string>;
  /** Base of the physical names, e.g. `prism-production-cvm`. */
  base: string;
  vnetCidr: string;
}

/** Registers the network as children of `opts.parent`; returns the CVM subnet and the NAT's public IP. */
export function azureCvmNetwork(
  name: string,
  args: AzureCvmNetworkArgs,
  opts: pulumi.CustomResourceOptions,
): { subnet: network.Subnet; egressIp: network.PublicIPAddress } {
  const { base, vnetCidr, ...rgArgs } = args;
  const az = opts; // parent and the azure-native provider
  const nsg = new network.NetworkSecurityGroup(
    `${name}-nsg`,
    {
      ...rgArgs,
      networkSecurityGroupName: `${base}-nsg`,
      securityRules: [
        rule("DenyAllInbound", 4096, "Inbound", "Deny", "*", "*", ["*"]),
        rule("AllowAzurePlatform", 100, "Outbound", "Allow", "*", AZURE_PLATFORM_ADDRESSES, ["*"]),
        rule("AllowAgentsAndAttestation", 200, "Outbound", "Allow", "Tcp", "Internet", [
          ...CVM_EGRESS_TCP_PORTS.map(String),
        ]),
        rule("DenyAllOutbound", 4096, "Outbound", "Deny", "*", "*", ["*"]),
      ],
    },
    az,
  );
  const egressIp = new network.PublicIPAddress(
    `${name}-egress-ip`,
    {
      ...rgArgs,
      publicIpAddressName: `${base}-egress`,
      sku: { name: "Standard", tier: "Regional" },
      publicIPAllocationMethod: "Static",
      publicIPAddressVersion: "IPv4",
    },
    az,
  );
  const nat = new network.NatGateway(
    `${name}-nat`,
    {
      ...rgArgs,
      natGatewayName: `${base}-nat`,
      sku: { name: "Standard" },
      publicIpAddresses: [{ id: egressIp.id }],
      idleTimeoutInMinutes: 10,
    },
    az,
  );
  const vnet = new network.VirtualNetwork(
    `${name}-vnet`,
    { ...rgArgs, virtualNetworkName: `${base}-vnet`, addressSpace: { addressPrefixes: [vnetCidr] } },
    { ...az, ignoreChanges: ["subnets"] },
  );
  const subnet = new network.Subnet(
    `${name}-subnet`,
    {
      resourceGroupName: args.resourceGroupName,
      virtualNetworkName: vnet.name,
      subnetName: "cvms",
      addressPrefix: vnetCidr,
      networkSecurityGroup: { id: nsg.id },
      natGateway: { id: nat.id },
      // A private subnet: no implicit outbound address, only the NAT gateway's.
      defaultOutboundAccess: false,
    },
    az,
  );
  return { subnet, egressIp };
}

function rule(
  ruleName: string,
  priority: number,
  direction: "Inbound" | "Outbound",
  access: "Allow" | "Deny",
  protocol: "*" | "Tcp",
  destination: string | string[],
  ports: string[],
): azureInputs.network.SecurityRuleArgs {
  return {
    name: ruleName,
    priority,
    direction,
    access,
    protocol,
    sourceAddressPrefix: "*",
    sourcePortRange: "*",
    ...(Array.isArray(destination)
      ? { destinationAddressPrefixes: destination }
      : { destinationAddressPrefix: destination }),
    ...(ports.length === 1 ? { destinationPortRange: ports[0] } : { destinationPortRanges: ports }),
  };
}
