/**
 * AWS landing zone for AMD SEV-SNP confidential VMs.
 *
 * Credentials: the aws provider reads the standard chain of whoever runs Pulumi (AWS_PROFILE, or
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or OIDC role assumption in CI).
 * That identity needs EC2, KMS and IAM (users, access keys, user policies) administration.
 */
import * as ec2 from "@pulumi/aws/ec2";
import * as iam from "@pulumi/aws/iam";
import * as kms from "@pulumi/aws/kms";
import { Provider as AwsProvider } from "@pulumi/aws/provider";
import * as pulumi from "@pulumi/pulumi";
import { rotationSchedule } from "../safety/credentialRotation";
import type { AWS_SEV_SNP_REGIONS } from "../../policies/facts/confidential";
import { splitCidr } from "../network/cidr";
import {
  AWS_CVM_IMAGE_PARAMETER,
  AWS_ZONE_TAG,
  awsCvmInstanceArgs,
  awsCvmLaunchTemplateArgs,
  awsLauncherPolicy,
  type AwsCvmSettings,
} from "./awsSevSnpProfile";
import {
  CVM_EGRESS_TCP_PORTS,
  renderCloudInit,
  warmPoolToCreate,
  zoneLabels,
  zoneName,
  type LandingZone,
  type LandingZoneArgs,
} from "./landingZone";
import { keepStateful } from "../safety/stateful";

/** An AWS SEV-SNP landing zone: its region, the instances it launches, its address plan, its warm pool. */
export interface AwsSevSnpOptions {
  /** A region that offers SEV-SNP instances. */
  region: (typeof AWS_SEV_SNP_REGIONS)[number];
  /** An M6a, C6a or R6a instance type, e.g. m6a.xlarge. */
  instanceType: string;
  /** The VPC's private range, split into the CVMs' private subnet and the NAT's public one. */
  vpcCidr: string;
  /** CVMs kept running ahead of demand; 0 for none. */
  warmPoolSize: number;
}

export class AwsSevSnpLandingZone extends pulumi.ComponentResource implements LandingZone {
  readonly cloud = "aws" as const;
  readonly egressRange: pulumi.Output<string>;
  readonly backendsSettings: pulumi.Output<Record<string, string>>;
  readonly backendsCredentials: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: LandingZoneArgs<AwsSevSnpOptions>, opts?: pulumi.ComponentResourceOptions) {
    super("prism:confidential:AwsSevSnpLandingZone", name, {}, opts);
    const { config: cfg, stack } = args;
    const { region } = cfg;
    const base = zoneName(stack);
    const zoneTag = `${base}-aws`;
    const tags = { ...zoneLabels(stack, "aws"), [AWS_ZONE_TAG]: zoneTag };
    const keep = keepStateful(args.protect);
    const availabilityZone = `${region}a`;

    const provider = new AwsProvider(`${name}-aws`, { region }, { parent: this });
    const a = { parent: this, provider };

    // --- Network: CVMs in a private subnet, out through a NAT gateway with an Elastic IP.
    // CVMs in the first half (private), the NAT gateway in the second (public).
    const [privateCidr, publicCidr] = splitCidr(cfg.vpcCidr);
    const vpc = new ec2.Vpc(
      `${name}-vpc`,
      {
        region,
        cidrBlock: cfg.vpcCidr,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: { ...tags, Name: base },
      },
      a,
    );
    // The VPC's default security group loses its allow-all rules: nothing may fall back on it.
    new ec2.DefaultSecurityGroup(`${name}-default-sg`, { region, vpcId: vpc.id, tags }, a);
    const igw = new ec2.InternetGateway(`${name}-igw`, { region, vpcId: vpc.id, tags }, a);
    const subnet = (kind: "private" | "public", cidrBlock: string) =>
      new ec2.Subnet(
        `${name}-${kind}`,
        {
          region,
          vpcId: vpc.id,
          cidrBlock,
          availabilityZone,
          mapPublicIpOnLaunch: false,
          tags: { ...tags, Name: `${base}-${kind}` },
        },
        a,
      );
    const privateSubnet = subnet("private", privateCidr);
    const publicSubnet = subnet("public", publicCidr);
    const eip = new ec2.Eip(
      `${name}-nat-ip`,
      { region, domain: "vpc", tags: { ...tags, Name: `${base}-nat` } },
      a,
    );
    const nat = new ec2.NatGateway(
      `${name}-nat`,
      {
        region,
        allocationId: eip.id,
        subnetId: publicSubnet.id,
        connectivityType: "public",
        tags: { ...tags, Name: base },
      },
      { ...a, dependsOn: [igw] },
    );
    const route = (
      kind: "private" | "public",
      target: ec2.RouteTableArgs["routes"],
      subnetId: pulumi.Input<string>,
    ) => {
      const table = new ec2.RouteTable(
        `${name}-${kind}-routes`,
        { region, vpcId: vpc.id, routes: target, tags },
        a,
      );
      new ec2.RouteTableAssociation(
        `${name}-${kind}-routes`,
        { region, subnetId, routeTableId: table.id },
        a,
      );
    };
    route("public", [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], publicSubnet.id);
    route("private", [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], privateSubnet.id);
    const securityGroup = new ec2.SecurityGroup(
      `${name}-cvm-sg`,
      {
        region,
        vpcId: vpc.id,
        name: `${base}-cvms`,
        description: "Prism CVMs: no inbound; outbound HTTPS and Prism's agent port only",
        ingress: [],
        egress: CVM_EGRESS_TCP_PORTS.map((port) => ({
          protocol: "tcp",
          fromPort: port,
          toPort: port,
          cidrBlocks: ["0.0.0.0/0"],
          description: port === 443 ? "attestation, packages" : "Prism agents endpoint",
        })),
        revokeRulesOnDelete: true,
        tags,
      },
      a,
    );

    // --- Disk key: a customer-managed KMS key, rotated yearly; the default key policy (account root)
    // lets IAM policies grant its use, and only Backends' policy does, through EC2.
    const key = new kms.Key(
      `${name}-disk-key`,
      {
        region,
        description: `Prism ${stack}: EBS encryption of confidential VMs`,
        keyUsage: "ENCRYPT_DECRYPT",
        customerMasterKeySpec: "SYMMETRIC_DEFAULT",
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        tags,
      },
      { ...a, ...keep },
    );
    new kms.Alias(
      `${name}-disk-key-alias`,
      { region, name: `alias/${base}-disk`, targetKeyId: key.keyId },
      a,
    );

    // --- The launch definition and the warm pool.
    const settings: AwsCvmSettings = {
      region,
      instanceType: cfg.instanceType,
      subnetId: privateSubnet.id,
      securityGroupId: securityGroup.id,
      kmsKeyArn: key.arn,
      userData: renderCloudInit(args.agentsEndpoint, args.openbaoCa).apply((c) =>
        Buffer.from(c).toString("base64"),
      ),
      tags,
    };
    const template = new ec2.LaunchTemplate(`${name}-template`, awsCvmLaunchTemplateArgs(settings, base), a);
    for (const vmName of warmPoolToCreate(stack, cfg.warmPoolSize, args.openbaoCa)) {
      new ec2.Instance(
        `${name}-${vmName}`,
        awsCvmInstanceArgs(
          settings,
          { id: template.id, version: template.latestVersion.apply(String) },
          vmName,
        ),
        // A new template version (new user data) must boot a new instance: cloud-init has run.
        { ...a, replaceOnChanges: ["launchTemplate"] },
      );
    }

    // --- Backends' identity: an IAM user whose one inline policy is scoped to this landing zone.
    const user = new iam.User(
      `${name}-backends`,
      { name: `prism-${stack}-backends-cvm`, path: "/prism/", tags },
      a,
    );
    new iam.UserPolicy(
      `${name}-backends-launcher`,
      {
        user: user.name,
        name: "launch-confidential-vms",
        policy: awsLauncherPolicy({
          region,
          accountId: vpc.ownerId,
          zoneTag,
          launchTemplateArn: template.arn,
          subnetArn: privateSubnet.arn,
          securityGroupArn: securityGroup.arn,
          kmsKeyArn: key.arn,
        }),
      },
      a,
    );
    // An access key has no keepers: the schedule replaces it through the replacementTrigger option.
    // A user holds two keys at most, which create-before-delete needs and never exceeds.
    const keyRotation = rotationSchedule(`${name}-backends-key`, args.credentialRotation, this);
    const accessKey = new iam.AccessKey(
      `${name}-backends-key`,
      { user: user.name },
      { ...a, ...keyRotation.options, replacementTrigger: keyRotation.trigger },
    );

    this.egressRange = eip.publicIp.apply((ip) => `${ip}/32`);
    this.backendsSettings = pulumi
      .all([vpc.id, privateSubnet.id, securityGroup.id, key.arn, template.id, template.name])
      .apply(([vpcId, subnetId, sgId, keyArn, templateId, templateName]): Record<string, string> => ({
        AWS_REGION: region,
        AWS_AVAILABILITY_ZONE: availabilityZone,
        AWS_INSTANCE_TYPE: cfg.instanceType,
        AWS_VPC_ID: vpcId,
        AWS_SUBNET_ID: subnetId,
        AWS_SECURITY_GROUP_ID: sgId,
        AWS_KMS_KEY_ARN: keyArn,
        AWS_LAUNCH_TEMPLATE_ID: templateId,
        AWS_LAUNCH_TEMPLATE_NAME: templateName,
        AWS_IMAGE: `resolve:ssm:${AWS_CVM_IMAGE_PARAMETER}`,
        AWS_ZONE_TAG: `${AWS_ZONE_TAG}=${zoneTag}`,
        CVM_AGENTS_ENDPOINT: args.agentsEndpoint,
      }));
    this.backendsCredentials = pulumi.secret(
      pulumi.all([accessKey.id, accessKey.secret]).apply(([id, secret]): Record<string, string> => ({
        AWS_ACCESS_KEY_ID: id,
        AWS_SECRET_ACCESS_KEY: secret,
      })),
    );
    this.registerOutputs({ egressRange: this.egressRange, backendsSettings: this.backendsSettings });
  }
}
