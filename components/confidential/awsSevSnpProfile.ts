/**
 * The AWS AMD SEV-SNP confidential-VM settings in one place: the launch template
 * Backends launches from, the warm-pool instances and Backends' IAM policy.
 */
import type * as ec2 from "@pulumi/aws/ec2";
import * as pulumi from "@pulumi/pulumi";

/**
 * Amazon Linux 2023 (boot mode uefi-preferred, so UEFI on M6a/C6a/R6a; supports SEV-SNP), resolved by
 * EC2 from Amazon's public SSM parameter at launch: no region-specific AMI id to keep current.
 */
export const AWS_CVM_IMAGE_PARAMETER =
  "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
const ROOT_DEVICE = "/dev/xvda";
const ROOT_GB = 30;

/** The tag that marks what Backends may terminate. */
export const AWS_ZONE_TAG = "prism:landing-zone";

export interface AwsCvmSettings {
  region: string;
  /** M6a/C6a/R6a, validated by the config schema. */
  instanceType: string;
  subnetId: pulumi.Input<string>;
  securityGroupId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  /** cloud-init, base64-encoded (a launch template's userData). */
  userData: pulumi.Input<string>;
  tags: Record<string, string>;
}

const SEV_SNP = { amdSevSnp: "enabled" };
/** IMDSv2 only, not reachable from containers inside the CVM (hop limit 1), no tags in metadata. */
const IMDS_V2 = {
  httpEndpoint: "enabled",
  httpTokens: "required",
  httpPutResponseHopLimit: 1,
  instanceMetadataTags: "disabled",
};

/** The launch definition Backends uses; every instance launched from it is an SEV-SNP CVM. */
export function awsCvmLaunchTemplateArgs(s: AwsCvmSettings, name: string): ec2.LaunchTemplateArgs {
  return {
    region: s.region,
    name,
    description: "Prism confidential VM (AMD SEV-SNP) launched by Backends",
    imageId: `resolve:ssm:${AWS_CVM_IMAGE_PARAMETER}`,
    instanceType: s.instanceType,
    cpuOptions: SEV_SNP,
    metadataOptions: IMDS_V2,
    ebsOptimized: "true",
    instanceInitiatedShutdownBehavior: "terminate",
    blockDeviceMappings: [
      {
        deviceName: ROOT_DEVICE,
        ebs: {
          encrypted: "true",
          kmsKeyId: s.kmsKeyArn,
          volumeType: "gp3",
          volumeSize: ROOT_GB,
          deleteOnTermination: "true",
        },
      },
    ],
    networkInterfaces: [
      {
        deviceIndex: 0,
        subnetId: s.subnetId,
        securityGroups: [s.securityGroupId],
        associatePublicIpAddress: "false",
        deleteOnTermination: "true",
      },
    ],
    userData: s.userData,
    tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
      resourceType,
      tags: s.tags,
    })),
    updateDefaultVersion: true,
    tags: s.tags,
  };
}

/** A warm-pool instance from the template, with its confidential settings spelled out for the policy pack. */
export function awsCvmInstanceArgs(
  s: AwsCvmSettings,
  template: { id: pulumi.Input<string>; version: pulumi.Input<string> },
  name: string,
): ec2.InstanceArgs {
  return {
    region: s.region,
    launchTemplate: { id: template.id, version: template.version },
    instanceType: s.instanceType,
    cpuOptions: SEV_SNP,
    metadataOptions: IMDS_V2,
    rootBlockDevice: {
      encrypted: true,
      kmsKeyId: s.kmsKeyArn,
      volumeType: "gp3",
      volumeSize: ROOT_GB,
      deleteOnTermination: true,
    },
    // No instance-level network settings: they would replace the template's interface (subnet,
    // security group, associatePublicIpAddress "false") instead of adding to it.
    tags: { ...s.tags, Name: name, "prism:role": "warm-pool" },
  };
}

/**
 * Backends' IAM policy: launch only from this landing zone's template, without overriding it, into
 * its subnet and security group, with its KMS key; tag only at launch; terminate only instances
 * carrying the landing zone's tag; describe only in its region.
 */
export function awsLauncherPolicy(a: {
  region: string;
  accountId: pulumi.Input<string>;
  zoneTag: string;
  launchTemplateArn: pulumi.Input<string>;
  subnetArn: pulumi.Input<string>;
  securityGroupArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
}): pulumi.Output<string> {
  return pulumi
    .all([a.accountId, a.launchTemplateArn, a.subnetArn, a.securityGroupArn, a.kmsKeyArn])
    .apply(([account, template, subnet, securityGroup, key]) => {
      const arn = (type: string) => `arn:aws:ec2:${a.region}:${account}:${type}/*`;
      const launched = [arn("instance"), arn("volume"), arn("network-interface")];
      const viaEc2 = { "kms:ViaService": `ec2.${a.region}.amazonaws.com` };
      return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "LaunchOnlyFromTheLandingZoneTemplate",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: launched,
            Condition: {
              ArnEquals: { "ec2:LaunchTemplate": template },
              Bool: { "ec2:IsLaunchTemplateResource": "true" },
            },
          },
          {
            Sid: "IntoTheLandingZoneNetwork",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: [template, subnet, securityGroup],
          },
          {
            Sid: "FromAmazonImages",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: `arn:aws:ec2:${a.region}::image/*`,
            Condition: { StringEquals: { "ec2:Owner": "amazon" } },
          },
          {
            Sid: "ResolveTheImageParameter",
            Effect: "Allow",
            Action: "ssm:GetParameters",
            Resource: `arn:aws:ssm:${a.region}::parameter${AWS_CVM_IMAGE_PARAMETER}`,
          },
          {
            Sid: "TagOnlyAtLaunch",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: launched,
            Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } },
          },
          {
            Sid: "TerminateOnlyLandingZoneInstances",
            Effect: "Allow",
            Action: "ec2:TerminateInstances",
            Resource: arn("instance"),
            Condition: { StringEquals: { [`aws:ResourceTag/${AWS_ZONE_TAG}`]: a.zoneTag } },
          },
          {
            Sid: "DescribeInTheLandingZoneRegion",
            Effect: "Allow",
            Action: [
              "ec2:DescribeInstances",
              "ec2:DescribeInstanceStatus",
              "ec2:DescribeLaunchTemplates",
              "ec2:DescribeLaunchTemplateVersions",
            ],
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": a.region } },
          },
          {
            Sid: "EncryptVolumesWithTheLandingZoneKey",
            Effect: "Allow",
            Action: ["kms:GenerateDataKeyWithoutPlaintext", "kms:Decrypt", "kms:DescribeKey"],
            Resource: key,
            Condition: { StringEquals: viaEc2 },
          },
          {
            Sid: "LetEc2UseTheKeyForTheVolume",
            Effect: "Allow",
            Action: "kms:CreateGrant",
            Resource: key,
            Condition: { StringEquals: viaEc2, Bool: { "kms:GrantIsForAWSResource": "true" } },
          },
        ],
      });
    });
}
