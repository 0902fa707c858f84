/**
 * Azure landing zone for Intel TDX confidential VMs.
 *
 * Credentials: azure-native and azuread read them from the environment of whoever runs Pulumi
 * (`az login`, or ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID for a service principal, or
 * ARM_USE_OIDC in CI). That identity needs Owner (or Contributor + User Access Administrator) on the
 * subscription and permission to create app registrations in the tenant.
 */
import { createHash } from "crypto";
import * as azuread from "@pulumi/azuread";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as network from "@pulumi/azure-native/network";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { rotationSchedule } from "../safety/credentialRotation";
import type { AZURE_TDX_LOCATIONS } from "../../policies/facts/confidential";
import {
  AZURE_CVM_DISK_ENCRYPTION,
  AZURE_CVM_IMAGE,
  AZURE_CVM_SECURITY_TYPE,
  azureCvmNicArgs,
  azureCvmScaleSetArgs,
  azureCvmVirtualMachineArgs,
  type AzureCvmSettings,
} from "./azureTdxProfile";
import { azureCvmNetwork } from "./azureTdxNetwork";
import { azureLauncherActions, azureRoleId, cvmKeyReleasePolicy, AZURE_ROLES } from "./azureTdxFacts";
import {
  renderCloudInit,
  unusableSshPublicKey,
  warmPoolToCreate,
  zoneLabels,
  zoneName,
  type LandingZone,
  type LandingZoneArgs,
} from "./landingZone";
import { keepStateful } from "../safety/stateful";

/** An Azure TDX landing zone: its subscription and location, the VMs it launches, its network, its warm pool. */
export interface AzureTdxOptions {
  /** The subscription (a UUID) the landing zone is built in. */
  subscriptionId: string;
  /** A location that offers Intel TDX sizes. */
  location: (typeof AZURE_TDX_LOCATIONS)[number];
  /** An Intel TDX size, e.g. Standard_DC4es_v5. */
  vmSize: string;
  /** The CVMs' virtual network range. */
  vnetCidr: string;
  /** CVMs kept running ahead of demand; 0 for none. */
  warmPoolSize: number;
}

/**
 * How long to let new role assignments propagate. Azure documents up to ten minutes; assignments
 * to a service principal on a single key are in practice visible within one to two. Three minutes
 * covers that with margin and is off the cold-up critical path (the Azure zone builds beside the
 * cluster). Should it ever be too short, the VM create fails and the next `up` succeeds.
 */
export const AZURE_ROLE_PROPAGATION = "180s";

/** Microsoft's "Confidential VM Orchestrator" app; it releases the disk key to an attested CVM. */
const CVM_ORCHESTRATOR_APP_ID = "bf7b6499-ff71-4aa2-97a4-f372087be7f0";

export class AzureTdxLandingZone extends pulumi.ComponentResource implements LandingZone {
  readonly cloud = "azure" as const;
  readonly egressRange: pulumi.Output<string>;
  readonly backendsSettings: pulumi.Output<Record<string, string>>;
  readonly backendsCredentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: LandingZoneArgs<AzureTdxOptions>, opts?: pulumi.ComponentResourceOptions) {
    super("prism:confidential:AzureTdxLandingZone", name, {}, opts);
    const { config: cfg, stack } = args;
    const base = zoneName(stack);
    const tags = zoneLabels(stack, "azure");
    const keep = keepStateful(args.protect);

    const provider = new AzureProvider(
      `${name}-azure`,
      { subscriptionId: cfg.subscriptionId, location: cfg.location },
      { parent: this },
    );
    const az = { parent: this, provider };
    const client = authorization.getClientConfigOutput({ parent: this, provider });
    const adProvider = new azuread.Provider(
      `${name}-azuread`,
      { tenantId: client.tenantId },
      { parent: this },
    );
    const ad = { parent: this, provider: adProvider };

    // Everything of the landing zone lives in one resource group: Backends' role stops at its edge.
    const rg = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: base, location: cfg.location, tags },
      az,
    );
    const rgArgs = { resourceGroupName: rg.name, location: cfg.location, tags };

    // --- Network: no inbound at all; outbound only 443/7018, through a NAT gateway with a static IP.
    const { subnet, egressIp } = azureCvmNetwork(name, { ...rgArgs, base, vnetCidr: cfg.vnetCidr }, az);

    // --- Disk key: an HSM key that Key Vault releases only to an attested confidential VM.
    const vault = new keyvault.Vault(
      `${name}-vault`,
      {
        ...rgArgs,
        // Globally unique, 3-24 characters: the stack plus a hash of the subscription.
        vaultName: `pcvm-${stack.slice(0, 12)}-${createHash("sha256").update(cfg.subscriptionId).digest("hex").slice(0, 6)}`,
        properties: {
          tenantId: client.tenantId,
          sku: { family: "A", name: "premium" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          enablePurgeProtection: true,
          enabledForDiskEncryption: true,
        },
      },
      { ...az, ...keep },
    );
    const key = new keyvault.Key(
      `${name}-disk-key`,
      {
        resourceGroupName: rg.name,
        vaultName: vault.name,
        keyName: "cvm-disk",
        properties: {
          kty: "RSA-HSM",
          keySize: 3072,
          keyOps: ["wrapKey", "unwrapKey"],
          attributes: { enabled: true, exportable: true },
          releasePolicy: {
            contentType: "application/json; charset=utf-8",
            data: cvmKeyReleasePolicy(),
          },
        },
        tags,
      },
      { ...az, ...keep },
    );
    const des = new compute.DiskEncryptionSet(
      `${name}-des`,
      {
        ...rgArgs,
        diskEncryptionSetName: `${base}-des`,
        encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
        activeKey: { keyUrl: key.keyUriWithVersion, sourceVault: { id: vault.id } },
        identity: { type: "SystemAssigned" },
      },
      { ...az, ...keep },
    );
    const orchestrator = azuread.getServicePrincipalOutput({ clientId: CVM_ORCHESTRATOR_APP_ID }, ad);
    const keyAccess = [
      new authorization.RoleAssignment(
        `${name}-des-key-access`,
        {
          scope: key.id,
          principalId: des.identity.apply((i) => i?.principalId ?? ""),
          principalType: "ServicePrincipal",
          roleDefinitionId: azureRoleId(cfg.subscriptionId, AZURE_ROLES.cryptoServiceEncryptionUser),
        },
        az,
      ),
      new authorization.RoleAssignment(
        `${name}-orchestrator-key-release`,
        {
          scope: key.id,
          principalId: orchestrator.objectId,
          principalType: "ServicePrincipal",
          roleDefinitionId: azureRoleId(cfg.subscriptionId, AZURE_ROLES.cryptoServiceReleaseUser),
        },
        az,
      ),
    ];

    // Role assignments take effect asynchronously: Azure documents up to ten minutes, and a VM
    // created before its disk-encryption identity can read the key fails. Nothing that encrypts a
    // disk starts until this wait is over; re-run with new assignments (a replaced key or DES)
    // waits again.
    const keyAccessPropagated = new time.Sleep(
      `${name}-key-access-propagation`,
      {
        createDuration: AZURE_ROLE_PROPAGATION,
        triggers: pulumi
          .all(keyAccess.map((a) => a.id))
          .apply((ids) => Object.fromEntries(ids.map((id, i) => [`assignment${i}`, id]))),
      },
      { parent: this },
    );

    // --- Backends' identity: an app whose only role is a custom launcher role on this resource group.
    const app = new azuread.Application(
      `${name}-backends-app`,
      {
        displayName: `prism-${stack}-backends-cvm-launcher`,
        signInAudience: "AzureADMyOrg",
        owners: [client.objectId],
      },
      ad,
    );
    const principal = new azuread.ServicePrincipal(
      `${name}-backends-sp`,
      { clientId: app.clientId, owners: [client.objectId] },
      ad,
    );
    const passwordRotation = rotationSchedule(`${name}-backends-password`, args.credentialRotation, this);
    const password = new azuread.ServicePrincipalPassword(
      `${name}-backends-password`,
      {
        servicePrincipalId: principal.id,
        displayName: "prism backends",
        rotateWhenChanged: passwordRotation.keepers,
      },
      { ...ad, ...passwordRotation.options },
    );
    const launcher = new authorization.RoleDefinition(
      `${name}-launcher-role`,
      {
        scope: rg.id,
        roleName: `Prism CVM launcher (${stack})`,
        description: `Launch and delete confidential VMs in ${base} only; no public IPs, no network changes.`,
        roleType: "CustomRole",
        permissions: [{ actions: azureLauncherActions(), notActions: [] }],
        assignableScopes: [rg.id],
      },
      az,
    );
    new authorization.RoleAssignment(
      `${name}-backends-launcher`,
      {
        scope: rg.id,
        principalId: principal.objectId,
        principalType: "ServicePrincipal",
        roleDefinitionId: launcher.id,
      },
      az,
    );

    // --- The launch definition and the warm pool, all from azureTdxProfile's settings.
    const settings: AzureCvmSettings = {
      vmSize: cfg.vmSize,
      subnetId: subnet.id,
      diskEncryptionSetId: des.id,
      customData: renderCloudInit(args.agentsEndpoint, args.openbaoCa).apply((c) =>
        Buffer.from(c).toString("base64"),
      ),
      sshPublicKey: unusableSshPublicKey(`${base}-azure`),
    };
    const template = new compute.VirtualMachineScaleSet(
      `${name}-template`,
      azureCvmScaleSetArgs(settings, {
        resourceGroupName: rg.name,
        location: cfg.location,
        name: `${base}-template`,
        tags,
      }),
      { ...az, dependsOn: [keyAccessPropagated] },
    );
    for (const vmName of warmPoolToCreate(stack, cfg.warmPoolSize, args.openbaoCa)) {
      const nic = new network.NetworkInterface(
        `${name}-${vmName}-nic`,
        azureCvmNicArgs(settings, {
          resourceGroupName: rg.name,
          location: cfg.location,
          name: `${vmName}-nic`,
          tags,
        }),
        az,
      );
      new compute.VirtualMachine(
        `${name}-${vmName}`,
        azureCvmVirtualMachineArgs(settings, {
          resourceGroupName: rg.name,
          location: cfg.location,
          vmName,
          nicId: nic.id,
          tags: { ...tags, "prism-role": "warm-pool" },
        }),
        {
          ...az,
          dependsOn: [keyAccessPropagated],
          // Azure refuses or ignores a customData change on an existing VM, and cloud-init has run:
          // boot a new VM instead (same name, so the old one goes first).
          replaceOnChanges: ["osProfile.customData"],
          deleteBeforeReplace: true,
        },
      );
    }

    this.egressRange = pulumi.output(egressIp.ipAddress).apply((ip) => {
      // A Static public IP has its address once created.
      if (!ip)
        throw new pulumi.ResourceError(
          `Azure egress IP ${name}: the static public IP has no ipAddress`,
          egressIp,
        );
      return `${ip}/32`;
    });
    this.backendsSettings = pulumi
      .all([rg.name, subnet.id, des.id, template.id, key.id])
      .apply(([resourceGroup, subnetId, desId, templateId, keyId]): Record<string, string> => ({
        AZURE_SUBSCRIPTION_ID: cfg.subscriptionId,
        AZURE_RESOURCE_GROUP: resourceGroup,
        AZURE_LOCATION: cfg.location,
        AZURE_VM_SIZE: cfg.vmSize,
        AZURE_SUBNET_ID: subnetId,
        AZURE_DISK_ENCRYPTION_SET_ID: desId,
        AZURE_DISK_KEY_ID: keyId,
        AZURE_TEMPLATE_ID: templateId,
        AZURE_IMAGE: [
          AZURE_CVM_IMAGE.publisher,
          AZURE_CVM_IMAGE.offer,
          AZURE_CVM_IMAGE.sku,
          AZURE_CVM_IMAGE.version,
        ].join(":"),
        AZURE_SECURITY_TYPE: AZURE_CVM_SECURITY_TYPE,
        AZURE_SECURITY_ENCRYPTION_TYPE: AZURE_CVM_DISK_ENCRYPTION,
        CVM_AGENTS_ENDPOINT: args.agentsEndpoint,
      }));
    // Azure SDKs' EnvironmentCredential names.
    this.backendsCredentials = pulumi.secret(
      pulumi
        .all([client.tenantId, app.clientId, password.value])
        .apply(([tenant, clientId, secret]): Record<string, string> => ({
          AZURE_TENANT_ID: tenant,
          AZURE_CLIENT_ID: clientId,
          AZURE_CLIENT_SECRET: secret,
        })),
    );
    this.registerOutputs({ egressRange: this.egressRange, backendsSettings: this.backendsSettings });
  }
}
