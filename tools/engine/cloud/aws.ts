/**
 * AWS as the simulated cloud answers it (the confidential-VM landing zone): resource ids and ARNs in
 * AWS's format, Elastic IPs in 192.0.2.0/24 (TEST-NET-1), KMS keys, IAM users and access keys.
 * Types not listed here echo their inputs, plus an id.
 */
import { stableHex, stableUuid, str, type InvokeAnswer, type ResourceOutputs, type State } from "./common";

/** The simulated account every AWS resource lives in. */
export const AWS_ACCOUNT = BigInt(`0x${stableHex(16, "aws", "account")}`)
  .toString()
  .slice(0, 12);

function region(inputs: State): string {
  return str(inputs.region, "us-east-1");
}

/** An EC2 resource: `<prefix>-<17 hex>` id and its ARN. */
function ec2Resource(prefix: string, arnType: string): ResourceOutputs {
  return (name, inputs) => {
    const id = `${prefix}-${stableHex(17, "aws", prefix, name)}`;
    return {
      ...inputs,
      id,
      arn: `arn:aws:ec2:${region(inputs)}:${AWS_ACCOUNT}:${arnType}/${id}`,
      ownerId: AWS_ACCOUNT,
      tagsAll: inputs.tags ?? {},
    };
  };
}

/** A documentation address (192.0.2.1–254), stable per allocation id. */
function testNetAddress(allocationId: string): string {
  return `192.0.2.${1 + (parseInt(stableHex(4, "aws-eip", allocationId), 16) % 254)}`;
}

export const awsOutputs: Record<string, ResourceOutputs> = {
  "aws:ec2/vpc:Vpc": (name, inputs) => ({
    ...ec2Resource("vpc", "vpc")(name, inputs),
    defaultSecurityGroupId: `sg-${stableHex(17, "aws", "vpc-default-sg", name)}`,
    defaultNetworkAclId: `acl-${stableHex(17, "aws", "vpc-acl", name)}`,
    mainRouteTableId: `rtb-${stableHex(17, "aws", "vpc-main-rtb", name)}`,
  }),
  "aws:ec2/subnet:Subnet": (name, inputs) => ({
    ...ec2Resource("subnet", "subnet")(name, inputs),
    availabilityZoneId: `${region(inputs)
      .replace(/-/g, "")
      .replace(/(north|south|east|west|central)/g, (m) => m[0])}-az1`,
  }),
  "aws:ec2/internetGateway:InternetGateway": ec2Resource("igw", "internet-gateway"),
  "aws:ec2/securityGroup:SecurityGroup": ec2Resource("sg", "security-group"),
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ec2Resource("sg", "security-group"),
  "aws:ec2/routeTable:RouteTable": ec2Resource("rtb", "route-table"),
  "aws:ec2/routeTableAssociation:RouteTableAssociation": (name, inputs) => ({
    ...inputs,
    id: `rtbassoc-${stableHex(17, "aws", "rtbassoc", name)}`,
  }),
  "aws:ec2/eip:Eip": (name, inputs) => {
    const allocationId = `eipalloc-${stableHex(17, "aws", "eipalloc", name)}`;
    const publicIp = testNetAddress(allocationId);
    return {
      ...inputs,
      id: allocationId,
      allocationId,
      publicIp,
      publicDns: `ec2-${publicIp.replace(/\./g, "-")}.${region(inputs)}.compute.amazonaws.com`,
      arn: `arn:aws:ec2:${region(inputs)}:${AWS_ACCOUNT}:elastic-ip/${allocationId}`,
      tagsAll: inputs.tags ?? {},
    };
  },
  "aws:ec2/natGateway:NatGateway": (name, inputs) => ({
    ...inputs,
    id: `nat-${stableHex(17, "aws", "nat", name)}`,
    // The NAT gateway's address is its Elastic IP's.
    publicIp: testNetAddress(str(inputs.allocationId, name)),
    networkInterfaceId: `eni-${stableHex(17, "aws", "nat-eni", name)}`,
    tagsAll: inputs.tags ?? {},
  }),
  "aws:ec2/launchTemplate:LaunchTemplate": (name, inputs) => ({
    ...ec2Resource("lt", "launch-template")(name, inputs),
    name: str(inputs.name, name),
    latestVersion: 1,
    defaultVersion: 1,
  }),
  "aws:ec2/instance:Instance": (name, inputs) => ({
    ...ec2Resource("i", "instance")(name, inputs),
    instanceState: "running",
    primaryNetworkInterfaceId: `eni-${stableHex(17, "aws", "instance-eni", name)}`,
    publicIp: "",
  }),
  "aws:kms/key:Key": (name, inputs) => {
    const keyId = stableUuid("aws-kms-key", name);
    return {
      ...inputs,
      id: keyId,
      keyId,
      arn: `arn:aws:kms:${region(inputs)}:${AWS_ACCOUNT}:key/${keyId}`,
      tagsAll: inputs.tags ?? {},
    };
  },
  "aws:kms/alias:Alias": (name, inputs) => {
    const alias = str(inputs.name, `alias/${name}`);
    return {
      ...inputs,
      id: alias,
      arn: `arn:aws:kms:${region(inputs)}:${AWS_ACCOUNT}:${alias}`,
      targetKeyArn: `arn:aws:kms:${region(inputs)}:${AWS_ACCOUNT}:key/${str(inputs.targetKeyId, "key")}`,
    };
  },
  "aws:iam/user:User": (name, inputs) => {
    const user = str(inputs.name, name);
    return {
      ...inputs,
      id: user,
      name: user,
      arn: `arn:aws:iam::${AWS_ACCOUNT}:user${str(inputs.path, "/")}${user}`,
      uniqueId: `AIDA${stableHex(17, "aws-user", user).toUpperCase()}`,
      tagsAll: inputs.tags ?? {},
    };
  },
  "aws:iam/userPolicy:UserPolicy": (name, inputs) => ({
    ...inputs,
    id: `${str(inputs.user, "user")}:${str(inputs.name, name)}`,
  }),
  "aws:iam/accessKey:AccessKey": (name, inputs) => ({
    ...inputs,
    id: `AKIA${stableHex(16, "aws-access-key", name).toUpperCase()}`,
    // A simulated credential, never a real one.
    secret: `simulated${stableHex(31, "aws-secret", name)}`,
    status: "Active",
    createDate: "2026-01-01T00:00:00Z",
  }),
};

export const awsInvokes: Record<string, InvokeAnswer> = {};
