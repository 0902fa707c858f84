/**
 * Confidential-VM capacity: each cloud's landing zone planned with the real
 * stack config and foundation, its confidential settings, Backends' least-privilege identity, the
 * egress ranges the 7018 allow-list is built from, and the policy pack's verdict.
 */
import { buildConfidential } from "../stacks/platform";
import {
  azureCvmNicArgs,
  azureCvmScaleSetArgs,
  azureCvmVirtualMachineArgs,
} from "../components/confidential/azureTdxProfile";
import { gcpCvmInstanceArgs, gcpCvmTemplateArgs } from "../components/confidential/gcpSevSnpProfile";
import { awsCvmInstanceArgs, awsCvmLaunchTemplateArgs } from "../components/confidential/awsSevSnpProfile";
import { splitCidr } from "../components/network/cidr";
import * as pulumi from "@pulumi/pulumi";
import * as ec2 from "@pulumi/aws/ec2";
import * as compute from "@pulumi/azure-native/compute";
import * as network from "@pulumi/azure-native/network";
import * as gcpCompute from "@pulumi/gcp/compute";
import { confidentialVmPolicies } from "../policies/rules/confidentialVms";
import { checkPlan, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import type { ConfigMutation } from "../tools/engine/stackSettings";
import { ofType, one, planWithFoundation, section } from "./harness";
import { messagesOf } from "./policyHarness";
import { releaseProblems } from "./upstreamCharts";
import { STATEFUL_TYPES } from "../policies/rules/stackSafety";

/** A placeholder CA (no key material): what the CVMs are told to trust. */
const TEST_CA = "-----BEGIN CERTIFICATE-----\nUExBQ0VIT0xERVI=\n-----END CERTIFICATE-----";

type Cloud = "azure" | "gcp" | "aws";
const CLOUD_TYPE_PREFIXES: Record<Cloud, string[]> = {
  azure: ["azure-native:", "azuread:", "pulumi:providers:azure-native", "pulumi:providers:azuread"],
  gcp: ["gcp:", "pulumi:providers:gcp"],
  aws: ["aws:", "pulumi:providers:aws"],
};

interface CapacityPlan {
  plan: Plan;
  egressRanges: string[] | undefined;
}

const cache = new Map<string, Promise<CapacityPlan>>();

/** The stack's foundation plus the confidential layer of stacks/platform.ts. */
function planCapacity(stack: string, mutate?: ConfigMutation, key?: string): Promise<CapacityPlan> {
  const cacheKey = `${stack}/${key ?? ""}`;
  const cached = cache.get(cacheKey);
  if (cached && (key !== undefined || mutate === undefined)) return cached;
  let egressRanges: string[] | undefined;
  const run = planWithFoundation(
    stack,
    (ctx) => {
      const { confidential: capacity } = buildConfidential({ ...ctx, previous: {} }, ctx, {
        pki: { caChain: pulumi.output(TEST_CA) },
      });
      capacity.egressRanges.apply((ranges) => (egressRanges = ranges));
    },
    mutate,
  ).then((plan) => ({ plan, egressRanges }));
  cache.set(cacheKey, run);
  return run;
}

const disable =
  (...clouds: Cloud[]): ConfigMutation =>
  (c) => {
    for (const cloud of clouds) section(c, "prism:confidential")[cloud] = { enabled: false };
  };

function byName(plan: Plan, type: string, suffix: string): PlannedResource {
  const found = ofType(plan, type).filter((r) => r.name.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one ${type} named *${suffix}, found ${found.length}`);
  return found[0];
}

function decode(base64: unknown): string {
  return Buffer.from(String(base64), "base64").toString("utf8");
}

type Json = Record<string, unknown>;
const obj = (v: unknown) => v as Json;

describe("when a cloud is disabled", () => {
  it.each(["azure", "gcp", "aws"] as Cloud[])("registers nothing of %s", async (cloud) => {
    const { plan } = await planCapacity("production", disable(cloud), `without-${cloud}`);
    const ofCloud = plan.resources.filter((r) =>
      CLOUD_TYPE_PREFIXES[cloud].some((prefix) => r.type.startsWith(prefix)),
    );
    expect(ofCloud).toEqual([]);
    const k8sNames = plan.resources
      .filter((r) => r.type === "kubernetes:core/v1:ConfigMap" || r.type === "kubernetes:core/v1:Secret")
      .map((r) => r.name);
    expect(k8sNames.filter((n) => n.startsWith(`backends-${cloud}`))).toEqual([]);
    // The other clouds are still there.
    for (const other of (["azure", "gcp", "aws"] as Cloud[]).filter((c) => c !== cloud)) {
      expect(k8sNames).toContain(`backends-${other}`);
    }
  });

  it("registers no cloud at all, and publishes no egress range, when every cloud is disabled", async () => {
    // With no cloud, the 7018 load balancer must be given its sources explicitly (config validation).
    const noClouds: ConfigMutation = (c) => {
      disable("azure", "gcp", "aws")(c);
      section(c, "prism:confidential").extraAgentSourceRanges = ["203.0.113.0/28"];
    };
    const { plan, egressRanges } = await planCapacity("staging", noClouds, "none");
    const clouds = Object.values(CLOUD_TYPE_PREFIXES).flat();
    expect(plan.resources.filter((r) => clouds.some((p) => r.type.startsWith(p)))).toEqual([]);
    expect(egressRanges).toEqual([]);
  });
});

describe("the Azure TDX landing zone (production)", () => {
  const AZ = "azure-native:";

  it("uses one azure-native provider with the configured subscription and location", async () => {
    const { plan } = await planCapacity("production");
    const provider = one(plan, "pulumi:providers:azure-native");
    expect(provider.inputs).toMatchObject({
      subscriptionId: "00000000-0000-0000-0000-000000000000",
      location: "westeurope",
    });
    for (const r of plan.resources.filter((x) => x.type.startsWith(AZ)))
      expect(r.provider).toBe(provider.urn);
  });

  it("closes ingress, allows only 443 and 7018 out, and leaves through a NAT gateway with a static IP", async () => {
    const { plan } = await planCapacity("production");
    const nsg = one(plan, "azure-native:network:NetworkSecurityGroup");
    const rules = nsg.inputs.securityRules as Json[];
    const allowed = rules.filter((r) => r.access === "Allow");
    expect(allowed.filter((r) => r.direction === "Inbound")).toEqual([]);
    expect(rules).toContainEqual(
      expect.objectContaining({
        direction: "Inbound",
        access: "Deny",
        destinationPortRange: "*",
        sourceAddressPrefix: "*",
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        direction: "Outbound",
        access: "Deny",
        priority: 4096,
        destinationPortRange: "*",
      }),
    );
    const internet = allowed.find((r) => r.destinationAddressPrefix === "Internet");
    expect(internet).toMatchObject({ protocol: "Tcp", destinationPortRanges: ["443", "7018"] });
    const platform = allowed.find((r) => r.name === "AllowAzurePlatform");
    expect(platform?.destinationAddressPrefixes).toEqual(["168.63.129.16/32", "169.254.169.254/32"]);

    const ip = one(plan, "azure-native:network:PublicIPAddress");
    expect(ip.inputs).toMatchObject({ publicIPAllocationMethod: "Static", sku: { name: "Standard" } });
    const nat = one(plan, "azure-native:network:NatGateway");
    expect(nat.inputs.publicIpAddresses).toEqual([{ id: ip.id }]);
    const subnet = one(plan, "azure-native:network:Subnet");
    expect(subnet.inputs).toMatchObject({
      addressPrefix: "10.140.0.0/24",
      natGateway: { id: nat.id },
      networkSecurityGroup: { id: nsg.id },
      defaultOutboundAccess: false,
    });
    for (const nic of ofType(plan, "azure-native:network:NetworkInterface")) {
      for (const ipc of nic.inputs.ipConfigurations as Json[]) {
        expect(ipc.publicIPAddress).toBeUndefined();
        expect(ipc.subnet).toEqual({ id: subnet.id });
      }
    }
  });

  it("encrypts disks with a protected HSM key released only to attested TDX CVMs", async () => {
    const { plan } = await planCapacity("production");
    const vault = one(plan, "azure-native:keyvault:Vault");
    expect(vault.inputs.properties).toMatchObject({
      sku: { family: "A", name: "premium" },
      enablePurgeProtection: true,
      enableRbacAuthorization: true,
      enableSoftDelete: true,
    });
    expect(String(vault.inputs.vaultName).length).toBeLessThanOrEqual(24);
    const key = one(plan, "azure-native:keyvault:Key");
    const props = obj(key.inputs.properties);
    expect(props).toMatchObject({ kty: "RSA-HSM", attributes: { exportable: true } });
    const policy = JSON.parse(
      Buffer.from(String(obj(props.releasePolicy).data), "base64url").toString("utf8"),
    );
    expect(JSON.stringify(policy)).toContain('"equals":"tdxvm"');
    expect(JSON.stringify(policy)).toContain('"equals":"azure-compliant-cvm"');
    const des = one(plan, "azure-native:compute:DiskEncryptionSet");
    expect(des.inputs).toMatchObject({
      encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
      activeKey: { keyUrl: key.outputs.keyUriWithVersion, sourceVault: { id: vault.id } },
      identity: { type: "SystemAssigned" },
    });
    for (const r of [vault, key, des]) expect(r.options.protect).toBe(true);
    // The DES may wrap with the key; the CVM orchestrator may release it; both on the key alone.
    const keyScoped = ofType(plan, "azure-native:authorization:RoleAssignment").filter(
      (r) => r.inputs.scope === key.id,
    );
    expect(keyScoped.map((r) => String(r.inputs.roleDefinitionId).split("/").pop()).sort()).toEqual(
      ["08bbd89e-9f13-488c-ac41-acfcb10c90ab", "e147488a-f6f5-4113-8e2d-b22465e65bf6"].sort(),
    );
  });

  it("defines the launch template and two warm-pool VMs with every TDX confidential setting", async () => {
    const { plan } = await planCapacity("production");
    const des = one(plan, "azure-native:compute:DiskEncryptionSet");
    const subnet = one(plan, "azure-native:network:Subnet");
    const confidential = {
      securityProfile: {
        securityType: "ConfidentialVM",
        uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
      },
      storageProfile: {
        imageReference: { publisher: "Canonical", offer: "ubuntu-24_04-lts", sku: "cvm" },
        osDisk: {
          managedDisk: {
            securityProfile: {
              securityEncryptionType: "DiskWithVMGuestState",
              diskEncryptionSet: { id: des.id },
            },
          },
        },
      },
      osProfile: { linuxConfiguration: { disablePasswordAuthentication: true } },
    };
    const template = one(plan, "azure-native:compute:VirtualMachineScaleSet");
    expect(template.inputs).toMatchObject({
      sku: { name: "Standard_DC4es_v5", capacity: 0 },
      orchestrationMode: "Flexible",
      virtualMachineProfile: confidential,
    });
    const profile = obj(template.inputs.virtualMachineProfile);
    const nicConfig = (obj(profile.networkProfile).networkInterfaceConfigurations as Json[])[0];
    expect((nicConfig.ipConfigurations as Json[])[0]).toEqual({
      name: "primary",
      primary: true,
      subnet: { id: subnet.id },
    });

    const vms = ofType(plan, "azure-native:compute:VirtualMachine");
    expect(vms).toHaveLength(2);
    for (const vm of vms) {
      expect(vm.inputs).toMatchObject({ hardwareProfile: { vmSize: "Standard_DC4es_v5" }, ...confidential });
      const os = obj(vm.inputs.osProfile);
      expect(os.adminPassword).toBeUndefined();
      const cloudInit = decode(os.customData);
      expect(cloudInit).toMatch(/^#cloud-config\n/);
      expect(cloudInit).toContain("AGENT_CVM_GRPC_URL=agents.prism.example.com:7018");
      expect(cloudInit).toContain("UExBQ0VIT0xERVI=");
    }
  });
});

describe("the GCP SEV-SNP landing zone", () => {
  it("uses one gcp provider with the configured project and region", async () => {
    const { plan } = await planCapacity("staging");
    const provider = one(plan, "pulumi:providers:gcp");
    expect(provider.inputs).toMatchObject({
      project: "prism-staging-000000",
      region: "europe-west4",
      zone: "europe-west4-a",
    });
    for (const r of plan.resources.filter((x) => x.type.startsWith("gcp:")))
      expect(r.provider).toBe(provider.urn);
  });

  it("denies ingress, allows only 443 and 7018 out, and NATs through a reserved static address", async () => {
    const { plan } = await planCapacity("staging");
    const firewalls = ofType(plan, "gcp:compute/firewall:Firewall").map((f) => f.inputs);
    expect(firewalls.filter((f) => f.direction === "INGRESS" && f.allows)).toEqual([]);
    expect(firewalls).toContainEqual(
      expect.objectContaining({
        direction: "INGRESS",
        denies: [{ protocol: "all" }],
        sourceRanges: ["0.0.0.0/0"],
      }),
    );
    const egressAllows = firewalls.filter((f) => f.direction === "EGRESS" && f.allows);
    expect(egressAllows).toHaveLength(1);
    expect(egressAllows[0].allows).toEqual([{ protocol: "tcp", ports: ["443", "7018"] }]);
    expect(firewalls).toContainEqual(
      expect.objectContaining({ direction: "EGRESS", denies: [{ protocol: "all" }], priority: 65000 }),
    );
    const address = one(plan, "gcp:compute/address:Address");
    expect(address.inputs).toMatchObject({ addressType: "EXTERNAL", region: "europe-west4" });
    const nat = one(plan, "gcp:compute/routerNat:RouterNat");
    const subnet = one(plan, "gcp:compute/subnetwork:Subnetwork");
    expect(nat.inputs).toMatchObject({
      natIpAllocateOption: "MANUAL_ONLY",
      natIps: [address.outputs.selfLink],
      sourceSubnetworkIpRangesToNat: "LIST_OF_SUBNETWORKS",
      subnetworks: [{ name: subnet.id, sourceIpRangesToNats: ["ALL_IP_RANGES"] }],
    });
    expect(subnet.inputs).toMatchObject({ ipCidrRange: "10.130.0.0/24", region: "europe-west4" });
  });

  it.each([
    ["staging", false],
    ["production", true],
  ])("keeps the disk key in Cloud KMS, rotated, protected in production (%s: %s)", async (stack, protect) => {
    const { plan } = await planCapacity(stack);
    const ring = one(plan, "gcp:kms/keyRing:KeyRing");
    const key = one(plan, "gcp:kms/cryptoKey:CryptoKey");
    expect(key.inputs).toMatchObject({
      keyRing: ring.id,
      purpose: "ENCRYPT_DECRYPT",
      rotationPeriod: "7776000s",
    });
    expect([ring.options.protect, key.options.protect]).toEqual([protect, protect]);
    const agentUse = one(plan, "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember");
    expect(agentUse.inputs).toMatchObject({
      cryptoKeyId: key.id,
      role: "roles/cloudkms.cryptoKeyEncrypterDecrypter",
    });
    expect(String(agentUse.inputs.member)).toMatch(
      /^serviceAccount:service-\d{12}@compute-system\.iam\.gserviceaccount\.com$/,
    );
  });

  it.each([
    ["staging", 0],
    ["production", 2],
  ])(
    "puts every SEV-SNP setting in the template and the %s warm pool (%d instances)",
    async (stack, count) => {
      const { plan } = await planCapacity(stack);
      const key = one(plan, "gcp:kms/cryptoKey:CryptoKey");
      const confidential = {
        minCpuPlatform: "AMD Milan",
        confidentialInstanceConfig: { confidentialInstanceType: "SEV_SNP" },
        scheduling: { onHostMaintenance: "TERMINATE" },
        shieldedInstanceConfig: { enableSecureBoot: true, enableVtpm: true, enableIntegrityMonitoring: true },
      };
      const template = one(plan, "gcp:compute/instanceTemplate:InstanceTemplate");
      expect(template.inputs).toMatchObject({
        ...confidential,
        machineType: stack === "staging" ? "n2d-standard-4" : "n2d-standard-8",
        disks: [{ boot: true, diskEncryptionKey: { kmsKeySelfLink: key.id } }],
      });
      const instances = ofType(plan, "gcp:compute/instance:Instance");
      expect(instances).toHaveLength(count);
      for (const vm of [template, ...instances]) {
        for (const nic of vm.inputs.networkInterfaces as Json[]) expect(nic.accessConfigs ?? []).toEqual([]);
        const metadata = obj(vm.inputs.metadata);
        expect(metadata["block-project-ssh-keys"]).toBe("true");
        expect(String(metadata["user-data"])).toContain(
          `AGENT_CVM_GRPC_URL=agents.${stack === "staging" ? "staging." : ""}prism.example.com:7018`,
        );
      }
      for (const vm of instances) {
        expect(vm.inputs).toMatchObject({
          ...confidential,
          zone: "europe-west4-b",
          bootDisk: { kmsKeySelfLink: key.id },
        });
      }
    },
  );
});

describe("the AWS SEV-SNP landing zone (production)", () => {
  it("uses one aws provider in the configured region", async () => {
    const { plan } = await planCapacity("production");
    const provider = one(plan, "pulumi:providers:aws");
    expect(provider.inputs).toMatchObject({ region: "eu-west-1" });
    for (const r of plan.resources.filter((x) => x.type.startsWith("aws:")))
      expect(r.provider).toBe(provider.urn);
  });

  it("keeps CVMs in a private subnet behind a NAT gateway with an Elastic IP, with no inbound rule", async () => {
    const { plan } = await planCapacity("production");
    expect(splitCidr("10.160.0.0/24")).toEqual(["10.160.0.0/25", "10.160.0.128/25"]);
    const priv = byName(plan, "aws:ec2/subnet:Subnet", "-private");
    const pub = byName(plan, "aws:ec2/subnet:Subnet", "-public");
    expect(priv.inputs).toMatchObject({ cidrBlock: "10.160.0.0/25", mapPublicIpOnLaunch: false });
    const eip = one(plan, "aws:ec2/eip:Eip");
    const nat = one(plan, "aws:ec2/natGateway:NatGateway");
    expect(nat.inputs).toMatchObject({ allocationId: eip.id, subnetId: pub.id });
    const privateRoutes = byName(plan, "aws:ec2/routeTable:RouteTable", "-private-routes");
    expect(privateRoutes.inputs.routes).toEqual([{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }]);
    const sg = one(plan, "aws:ec2/securityGroup:SecurityGroup");
    expect(sg.inputs.ingress).toEqual([]);
    expect((sg.inputs.egress as Json[]).map((e) => [e.protocol, e.fromPort, e.toPort, e.cidrBlocks])).toEqual(
      [
        ["tcp", 443, 443, ["0.0.0.0/0"]],
        ["tcp", 7018, 7018, ["0.0.0.0/0"]],
      ],
    );
    expect(one(plan, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs.ingress).toBeUndefined();
  });

  it("encrypts with a protected, rotating KMS key and launches SEV-SNP CVMs from one template, one warm", async () => {
    const { plan } = await planCapacity("production");
    const key = one(plan, "aws:kms/key:Key");
    expect(key.inputs).toMatchObject({ enableKeyRotation: true, keyUsage: "ENCRYPT_DECRYPT" });
    expect(key.options.protect).toBe(true);
    const sg = one(plan, "aws:ec2/securityGroup:SecurityGroup");
    const priv = byName(plan, "aws:ec2/subnet:Subnet", "-private");
    const template = one(plan, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(template.inputs).toMatchObject({
      instanceType: "m6a.xlarge",
      cpuOptions: { amdSevSnp: "enabled" },
      metadataOptions: { httpTokens: "required" },
      blockDeviceMappings: [{ ebs: { encrypted: "true", kmsKeyId: key.outputs.arn } }],
      networkInterfaces: [{ subnetId: priv.id, securityGroups: [sg.id], associatePublicIpAddress: "false" }],
    });
    expect(decode(template.inputs.userData)).toContain("AGENT_CVM_GRPC_URL=agents.prism.example.com:7018");
    const instances = ofType(plan, "aws:ec2/instance:Instance");
    expect(instances).toHaveLength(1);
    expect(instances[0].inputs).toMatchObject({
      launchTemplate: { id: template.id, version: "1" },
      instanceType: "m6a.xlarge",
      cpuOptions: { amdSevSnp: "enabled" },
      metadataOptions: { httpTokens: "required" },
      rootBlockDevice: { encrypted: true, kmsKeyId: key.outputs.arn },
    });
  });
});

describe("Backends' identity per cloud", () => {
  it("Azure: a custom role assignable and assigned on the landing zone's resource group only", async () => {
    const { plan } = await planCapacity("production");
    const rg = one(plan, "azure-native:resources:ResourceGroup");
    const sp = one(plan, "azuread:index/servicePrincipal:ServicePrincipal");
    const role = one(plan, "azure-native:authorization:RoleDefinition");
    expect(role.inputs).toMatchObject({ scope: rg.id, assignableScopes: [rg.id], roleType: "CustomRole" });
    const actions = (role.inputs.permissions as Json[]).flatMap((p) => p.actions as string[]);
    expect(actions.filter((a) => a.includes("*"))).toEqual([]);
    expect(
      actions.filter((a) => /publicIPAddresses|roleAssignments|KeyVault|networkSecurityGroups/.test(a)),
    ).toEqual([]);
    expect(actions).toContain("Microsoft.Compute/virtualMachines/write");
    const spAssignments = ofType(plan, "azure-native:authorization:RoleAssignment").filter(
      (r) => r.inputs.principalId === sp.outputs.objectId,
    );
    expect(spAssignments.map((r) => [r.inputs.scope, r.inputs.roleDefinitionId])).toEqual([[rg.id, role.id]]);
  });

  it("GCP: a custom role under an IAM condition naming the landing zone, and act-as on the CVM account only", async () => {
    const { plan } = await planCapacity("staging");
    const backends = byName(plan, "gcp:serviceaccount/account:Account", "-backends-sa");
    const cvm = byName(plan, "gcp:serviceaccount/account:Account", "-cvm-sa");
    const role = one(plan, "gcp:projects/iAMCustomRole:IAMCustomRole");
    const perms = role.inputs.permissions as string[];
    expect(perms).toContain("compute.instances.create");
    expect(
      perms.filter((p) => /useExternalIp|firewalls|^compute\.networks\.|setIamPolicy|\*/.test(p)),
    ).toEqual([]);
    const bindings = ofType(plan, "gcp:projects/iAMMember:IAMMember");
    expect(bindings).toHaveLength(1);
    expect(bindings[0].inputs).toMatchObject({ role: role.id, member: backends.outputs.member });
    const template = one(plan, "gcp:compute/instanceTemplate:InstanceTemplate");
    const zone = "projects/prism-staging-000000/zones/europe-west4-a";
    expect(String(obj(bindings[0].inputs.condition).expression).split(" ||\n")).toEqual([
      `resource.name.startsWith("${zone}/instances/prism-staging-cvm-")`,
      `resource.name.startsWith("${zone}/disks/prism-staging-cvm-")`,
      `resource.name.startsWith("${zone}/operations/")`,
      'resource.name == "projects/prism-staging-000000/regions/europe-west4/subnetworks/prism-staging-cvm"',
      `resource.name == "projects/prism-staging-000000/global/instanceTemplates/${String(template.outputs.name)}"`,
    ]);
    // Besides its own federation (test/gcpKeyless.test.ts), Backends may act as the CVM account only.
    const [actAs, ...more] = ofType(plan, "gcp:serviceaccount/iAMMember:IAMMember").filter(
      (m) => m.inputs.role !== "roles/iam.workloadIdentityUser",
    );
    expect(more).toEqual([]);
    expect(actAs.inputs).toMatchObject({
      serviceAccountId: cvm.outputs.name,
      role: "roles/iam.serviceAccountUser",
      member: backends.outputs.member,
    });
  });

  it("AWS: an IAM user limited to the landing zone's template, subnet, security group, key and tag", async () => {
    const { plan } = await planCapacity("production");
    const policy = JSON.parse(String(one(plan, "aws:iam/userPolicy:UserPolicy").inputs.policy)) as {
      Statement: { Sid: string; Action: string | string[]; Resource: string | string[]; Condition?: Json }[];
    };
    const template = one(plan, "aws:ec2/launchTemplate:LaunchTemplate");
    const priv = byName(plan, "aws:ec2/subnet:Subnet", "-private");
    const sg = one(plan, "aws:ec2/securityGroup:SecurityGroup");
    const key = one(plan, "aws:kms/key:Key");
    const actions = policy.Statement.flatMap((s) => [s.Action].flat());
    expect([...new Set(actions)].sort()).toEqual([
      "ec2:CreateTags",
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeInstances",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:DescribeLaunchTemplates",
      "ec2:RunInstances",
      "ec2:TerminateInstances",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "ssm:GetParameters",
    ]);
    const sid = (s: string) => policy.Statement.find((x) => x.Sid === s);
    expect(sid("LaunchOnlyFromTheLandingZoneTemplate")?.Condition).toEqual({
      ArnEquals: { "ec2:LaunchTemplate": template.outputs.arn },
      Bool: { "ec2:IsLaunchTemplateResource": "true" },
    });
    expect(sid("IntoTheLandingZoneNetwork")?.Resource).toEqual([
      template.outputs.arn,
      priv.outputs.arn,
      sg.outputs.arn,
    ]);
    expect(sid("TerminateOnlyLandingZoneInstances")?.Condition).toEqual({
      StringEquals: { "aws:ResourceTag/prism:landing-zone": "prism-production-cvm-aws" },
    });
    for (const s of policy.Statement.filter((x) => String(x.Action).startsWith("kms:"))) {
      expect(s.Resource).toBe(key.outputs.arn);
    }
    // Every wildcard resource is narrowed by a condition.
    for (const s of policy.Statement.filter((x) => [x.Resource].flat().some((r) => r.endsWith("*")))) {
      expect({ sid: s.Sid, condition: s.Condition }).toEqual({ sid: s.Sid, condition: expect.any(Object) });
    }
    expect(template.inputs.tagSpecifications).toContainEqual({
      resourceType: "instance",
      tags: expect.objectContaining({ "prism:landing-zone": "prism-production-cvm-aws" }),
    });
  });

  it.each(["azure", "gcp", "aws"] as Cloud[])(
    "%s: delivers the settings as ConfigMap backends-<cloud> and the credential as a secret Secret in prism",
    async (cloud) => {
      const { plan } = await planCapacity("production");
      const provider = one(plan, "pulumi:providers:kubernetes");
      const configMap = one(plan, "kubernetes:core/v1:ConfigMap", `backends-${cloud}`);
      expect(configMap.inputs.metadata).toMatchObject({ name: `backends-${cloud}`, namespace: "prism" });
      expect(configMap.provider).toBe(provider.urn);
      expect(obj(configMap.inputs.data).CVM_AGENTS_ENDPOINT).toBe("agents.prism.example.com:7018");
      const secret = one(plan, "kubernetes:core/v1:Secret", `backends-${cloud}-credentials`);
      expect(secret.inputs.metadata).toMatchObject({
        name: `backends-${cloud}-credentials`,
        namespace: "prism",
      });
      expect(secret.secretPaths).toContain("stringData");
      expect(secret.provider).toBe(provider.urn);
      expect(configMap.secretPaths).toEqual([]);
    },
  );

  it("gives Backends project/resource group, region or zone, subnet, key and template per cloud", async () => {
    const { plan } = await planCapacity("production");
    const data = (cloud: Cloud) =>
      obj(one(plan, "kubernetes:core/v1:ConfigMap", `backends-${cloud}`).inputs.data);
    expect(data("azure")).toMatchObject({
      AZURE_RESOURCE_GROUP: "prism-production-cvm",
      AZURE_LOCATION: "westeurope",
      AZURE_SUBNET_ID: one(plan, "azure-native:network:Subnet").id,
      AZURE_DISK_ENCRYPTION_SET_ID: one(plan, "azure-native:compute:DiskEncryptionSet").id,
      AZURE_TEMPLATE_ID: one(plan, "azure-native:compute:VirtualMachineScaleSet").id,
    });
    expect(data("gcp")).toMatchObject({
      GCP_PROJECT: "prism-production-000000",
      GCP_ZONE: "europe-west4-b",
      GCP_SUBNETWORK: one(plan, "gcp:compute/subnetwork:Subnetwork").outputs.selfLink,
      GCP_DISK_KMS_KEY: one(plan, "gcp:kms/cryptoKey:CryptoKey").id,
      GCP_INSTANCE_TEMPLATE: one(plan, "gcp:compute/instanceTemplate:InstanceTemplate").outputs.selfLink,
    });
    expect(data("aws")).toMatchObject({
      AWS_REGION: "eu-west-1",
      AWS_SUBNET_ID: byName(plan, "aws:ec2/subnet:Subnet", "-private").id,
      AWS_KMS_KEY_ARN: one(plan, "aws:kms/key:Key").outputs.arn,
      AWS_LAUNCH_TEMPLATE_ID: one(plan, "aws:ec2/launchTemplate:LaunchTemplate").id,
    });
  });
});

describe("the egress ranges behind the 7018 allow-list", () => {
  const natRanges = (plan: Plan) =>
    [
      ...ofType(plan, "azure-native:network:PublicIPAddress").map((r) => r.outputs.ipAddress),
      ...ofType(plan, "gcp:compute/address:Address").map((r) => r.outputs.address),
      ...ofType(plan, "aws:ec2/eip:Eip").map((r) => r.outputs.publicIp),
    ].map((ip) => `${String(ip)}/32`);

  it("are the union of every enabled cloud's NAT addresses, sorted (production: three clouds)", async () => {
    const { plan, egressRanges } = await planCapacity("production");
    expect(egressRanges).toHaveLength(3);
    expect(egressRanges).toEqual(natRanges(plan).sort());
    for (const range of egressRanges ?? [])
      expect(range).toMatch(/^(203\.0\.113|198\.51\.100|192\.0\.2)\.\d+\/32$/);
  });

  it("follow the enabled clouds (staging: GCP only; production without AWS: two)", async () => {
    const staging = await planCapacity("staging");
    expect(staging.egressRanges).toEqual(natRanges(staging.plan));
    expect(staging.egressRanges).toHaveLength(1);
    const noAws = await planCapacity("production", disable("aws"), "without-aws");
    expect(noAws.egressRanges).toEqual(natRanges(noAws.plan).sort());
    expect(noAws.egressRanges).toHaveLength(2);
  });
});

describe("the policy pack rejects non-confidential variants of the landing zones' definitions", () => {
  const azure = {
    vmSize: "Standard_DC4es_v5",
    subnetId: "/subscriptions/s/subnet",
    diskEncryptionSetId: "/subscriptions/s/des",
    customData: "I2Nsb3VkLWNvbmZpZw==",
    sshPublicKey: "ssh-ed25519 AAAA",
  };
  const azureVm = (overrides: Partial<compute.VirtualMachineArgs> = {}, vmSize = azure.vmSize) => ({
    ...azureCvmVirtualMachineArgs(
      { ...azure, vmSize },
      { resourceGroupName: "rg", location: "westeurope", vmName: "cvm", nicId: "/nic", tags: {} },
    ),
    ...overrides,
  });
  const gcp = {
    project: "p",
    zone: "europe-west4-a",
    machineType: "n2d-standard-4",
    subnetworkId: "projects/p/regions/europe-west4/subnetworks/s",
    kmsKeyId: "projects/p/locations/europe-west4/keyRings/r/cryptoKeys/k",
    serviceAccountEmail: "cvm@p.iam.gserviceaccount.com",
    cloudInit: "#cloud-config",
    labels: {},
  };
  const aws = {
    region: "eu-west-1",
    instanceType: "m6a.xlarge",
    subnetId: "subnet-1",
    securityGroupId: "sg-1",
    kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k",
    userData: "I2Nsb3VkLWNvbmZpZw==",
    tags: {},
  };

  it("accepts the landing zones' own definitions", async () => {
    const messages = await messagesOf(confidentialVmPolicies, () => {
      new compute.VirtualMachine("vm", azureVm());
      new compute.VirtualMachineScaleSet(
        "vmss",
        azureCvmScaleSetArgs(azure, { resourceGroupName: "rg", location: "westeurope", name: "t", tags: {} }),
      );
      new network.NetworkInterface(
        "nic",
        azureCvmNicArgs(azure, { resourceGroupName: "rg", location: "westeurope", name: "n", tags: {} }),
      );
      new gcpCompute.InstanceTemplate("tpl", gcpCvmTemplateArgs(gcp, "t-"));
      new gcpCompute.Instance("gce", gcpCvmInstanceArgs(gcp, "i"));
      new ec2.LaunchTemplate("lt", awsCvmLaunchTemplateArgs(aws, "lt"));
      new ec2.Instance("ec2", awsCvmInstanceArgs(aws, { id: "lt-1", version: "1" }, "i"));
    });
    expect(messages).toEqual([]);
  });

  it("Azure: a non-TDX size, a non-confidential security type and a public IP are rejected", async () => {
    const messages = await messagesOf(confidentialVmPolicies, () => {
      new compute.VirtualMachine("wrong-size", azureVm({}, "Standard_D4s_v5"));
      new compute.VirtualMachine(
        "trusted-launch",
        azureVm({ securityProfile: { securityType: "TrustedLaunch" } }),
      );
      const nic = azureCvmNicArgs(azure, {
        resourceGroupName: "rg",
        location: "westeurope",
        name: "n",
        tags: {},
      });
      new network.NetworkInterface("public", {
        ...nic,
        ipConfigurations: [
          { name: "primary", subnet: { id: azure.subnetId }, publicIPAddress: { id: "/pip" } },
        ],
      });
    });
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^azure-cvm-confidential: hardwareProfile\.vmSize is "Standard_D4s_v5"/),
        expect.stringMatching(/^azure-cvm-confidential: securityProfile\.securityType is "TrustedLaunch"/),
        expect.stringMatching(
          /^azure-no-public-ip: ipConfigurations\[0\]\.publicIPAddress \(primary\) is set/,
        ),
      ]),
    );
  });

  it("GCP: SEV-SNP off and an external IP are rejected", async () => {
    const messages = await messagesOf(confidentialVmPolicies, () => {
      new gcpCompute.InstanceTemplate("no-snp", {
        ...gcpCvmTemplateArgs(gcp, "t-"),
        confidentialInstanceConfig: undefined,
      });
      new gcpCompute.Instance("external-ip", {
        ...gcpCvmInstanceArgs(gcp, "i"),
        networkInterfaces: [{ subnetwork: gcp.subnetworkId, accessConfigs: [{ networkTier: "PREMIUM" }] }],
      });
    });
    expect(messages).toEqual([
      'gcp-cvm-confidential: confidentialInstanceConfig.confidentialInstanceType is unset; required: "SEV_SNP" or "TDX"',
      "gcp-cvm-confidential: networkInterfaces[0].accessConfigs gives an external IP; required: no access configs",
    ]);
  });

  it("AWS: SEV-SNP off, a non-SEV-SNP family and a public IP are rejected", async () => {
    const messages = await messagesOf(confidentialVmPolicies, () => {
      new ec2.LaunchTemplate("no-snp", {
        ...awsCvmLaunchTemplateArgs(aws, "lt"),
        cpuOptions: { amdSevSnp: "disabled" },
      });
      new ec2.LaunchTemplate("m5", awsCvmLaunchTemplateArgs({ ...aws, instanceType: "m5.xlarge" }, "lt"));
      new ec2.Instance("public", {
        ...awsCvmInstanceArgs(aws, { id: "lt-1", version: "1" }, "i"),
        associatePublicIpAddress: true,
      });
    });
    expect(messages).toEqual(
      expect.arrayContaining([
        'aws-cvm-confidential: cpuOptions.amdSevSnp is "disabled"; required: "enabled"',
        expect.stringMatching(/^aws-cvm-confidential: instanceType is "m5\.xlarge"/),
        "aws-cvm-confidential: associatePublicIpAddress is true; required: no public IP address",
      ]),
    );
    expect(messages).toHaveLength(3);
  });
});

describe.each(["staging", "production"])("the %s stack with confidential capacity", (stack) => {
  it("has zero mandatory policy violations", async () => {
    const { plan } = await planCapacity(stack);
    expect(mandatory(await checkPlan(plan, stackPolicyConfig(stack)))).toEqual([]);
    expect(releaseProblems(plan)).toEqual([]);
  });

  it("protects every key, vault and disk encryption set in production only", async () => {
    const { plan } = await planCapacity(stack);
    // The cloud kinds the policy pack holds to protection (stateful-resources-protected).
    const stateful = plan.resources.filter(
      (r) => STATEFUL_TYPES.includes(r.type) && /^(azure-native|gcp|aws):/.test(r.type),
    );
    expect(stateful.length).toBeGreaterThan(0);
    for (const r of stateful)
      expect({ urn: r.urn, protect: r.options.protect }).toEqual({
        urn: r.urn,
        protect: stack === "production",
      });
  });
});
