/**
 * GCP Compute Engine and project/service-account IAM (for the confidential-VM landing zone) as the
 * simulated cloud answers them: resource paths and self links in Google's format, NAT addresses in
 * 198.51.100.0/24 (TEST-NET-2), custom roles, conditional bindings, the project number. Cloud KMS and
 * service accounts are answered by gcp.ts. Types not listed here echo their inputs, plus an id.
 */
import { stableHex, str, type InvokeAnswer, type ResourceOutputs, type State } from "./common";

const COMPUTE = "https://www.googleapis.com/compute/v1";

/** Decimal digits (numeric ids, project numbers), stable per input. */
function digits(length: number, ...parts: string[]): string {
  const n = BigInt(`0x${stableHex(32, ...parts)}`).toString();
  return `${(parseInt(n[0], 10) % 9) + 1}${n.slice(1, length)}`.padEnd(length, "0");
}

function project(inputs: State): string {
  return str(inputs.project, "simulated-project");
}

/** A compute resource: `projects/<p>/<scope>/<kind>/<name>` with its self link. */
function computeResource(scope: (inputs: State) => string, kind: string): ResourceOutputs {
  return (name, inputs) => {
    const physical = str(inputs.name, name);
    const id = `projects/${project(inputs)}/${scope(inputs)}/${kind}/${physical}`;
    return {
      ...inputs,
      id,
      name: physical,
      selfLink: `${COMPUTE}/${id}`,
      creationTimestamp: "2026-01-01T00:00:00.000-00:00",
    };
  };
}

const global = () => "global";
const regional = (inputs: State) => `regions/${str(inputs.region, "us-central1")}`;
const zonal = (inputs: State) => `zones/${str(inputs.zone, "us-central1-a")}`;

/** A documentation address (198.51.100.1–254), stable per name. */
function testNetAddress(name: string): string {
  return `198.51.100.${1 + (parseInt(stableHex(4, "gcp-address", name), 16) % 254)}`;
}

export const gcpComputeOutputs: Record<string, ResourceOutputs> = {
  "gcp:compute/network:Network": (name, inputs) => ({
    ...computeResource(global, "networks")(name, inputs),
    numericId: digits(19, "gcp-network", name),
  }),
  "gcp:compute/subnetwork:Subnetwork": (name, inputs) => {
    const base = computeResource(regional, "subnetworks")(name, inputs);
    const cidr = /^(\d+\.\d+\.\d+)\.(\d+)\//.exec(str(inputs.ipCidrRange, ""));
    return { ...base, gatewayAddress: cidr ? `${cidr[1]}.${Number(cidr[2]) + 1}` : undefined };
  },
  "gcp:compute/firewall:Firewall": computeResource(global, "firewalls"),
  "gcp:compute/router:Router": computeResource(regional, "routers"),
  "gcp:compute/routerNat:RouterNat": (name, inputs) => {
    const physical = str(inputs.name, name);
    return {
      ...inputs,
      id: `${project(inputs)}/${str(inputs.region, "us-central1")}/${str(inputs.router, "router")}/${physical}`,
      name: physical,
    };
  },
  "gcp:compute/address:Address": (name, inputs) => {
    const base = computeResource(regional, "addresses")(name, inputs);
    return { ...base, address: testNetAddress(String(base.name)), users: [] };
  },
  "gcp:compute/instanceTemplate:InstanceTemplate": (name, inputs) => {
    // Like the provider: a name prefix gets a unique, timestamp-like suffix.
    const physical = str(
      inputs.name,
      `${str(inputs.namePrefix, `${name}-`)}${digits(26, "gcp-template", name)}`,
    );
    const base = computeResource(global, "instanceTemplates")(name, { ...inputs, name: physical });
    const uniqueId = digits(19, "gcp-template-id", physical);
    return {
      ...base,
      selfLinkUnique: `${String(base.selfLink)}?uniqueId=${uniqueId}`,
      metadataFingerprint: stableHex(16, "gcp-template-metadata", physical),
    };
  },
  "gcp:compute/instance:Instance": (name, inputs) => ({
    ...computeResource(zonal, "instances")(name, inputs),
    instanceId: digits(19, "gcp-instance", name),
    cpuPlatform: str(inputs.minCpuPlatform, "AMD Milan"),
    currentStatus: "RUNNING",
  }),
  "gcp:projects/iAMCustomRole:IAMCustomRole": (name, inputs) => {
    const path = `projects/${project(inputs)}/roles/${str(inputs.roleId, name)}`;
    return { ...inputs, id: path, name: path, deleted: false };
  },
  "gcp:projects/iAMMember:IAMMember": (name, inputs) => ({
    ...inputs,
    id: `${project(inputs)}/${str(inputs.role, "role")}/${str(inputs.member, "member")}`,
    etag: `BwY${stableHex(10, "gcp-iam", name)}`,
  }),
  "gcp:serviceaccount/iAMMember:IAMMember": (name, inputs) => ({
    ...inputs,
    id: `${str(inputs.serviceAccountId, "sa")}/${str(inputs.role, "role")}/${str(inputs.member, "member")}`,
    etag: `BwY${stableHex(10, "gcp-iam", name)}`,
  }),
};

export const gcpComputeInvokes: Record<string, InvokeAnswer> = {
  "gcp:organizations/getProject:getProject": (inputs) => {
    const projectId = str(inputs.projectId, "simulated-project");
    return {
      id: `projects/${projectId}`,
      projectId,
      name: projectId,
      number: digits(12, "gcp-project-number", projectId),
      labels: {},
    };
  },
};
