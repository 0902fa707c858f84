import { cidrContains } from "../components/network/cidr";
import {
  INTERNET_PEER,
  internetEgress,
  kubernetesApiEgress,
  PRIVATE_RANGES,
  tcp,
} from "../components/kubernetes/networkPolicy";
import { ofType, planOf } from "./harness";

interface IpBlock {
  cidr: string;
  except?: string[];
}

/** Whether a NetworkPolicy ipBlock admits the single address `ip`. */
function admits(block: IpBlock, ip: string): boolean {
  const host = `${ip}/32`;
  return cidrContains(block.cidr, host) && !(block.except ?? []).some((range) => cidrContains(range, host));
}

const NOT_INTERNET = [
  "10.0.0.1",
  "10.245.0.1",
  "172.16.0.1",
  "172.31.255.254",
  "192.168.1.1",
  "100.64.0.1",
  "100.127.255.254",
  "169.254.169.254",
  "169.254.0.1",
];
const INTERNET = ["8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.1", "172.32.0.1", "192.169.0.1"];

describe("the internet peer", () => {
  const block = INTERNET_PEER.ipBlock as IpBlock;

  it.each(NOT_INTERNET)("refuses the private, CGNAT or link-local address %s", (ip) => {
    expect(admits(block, ip)).toBe(false);
  });

  it.each(INTERNET)("admits the public address %s", (ip) => {
    expect(admits(block, ip)).toBe(true);
  });

  it("is the peer of internet egress, on the ports asked for", () => {
    expect(internetEgress(443, 7844)).toEqual({ to: [INTERNET_PEER], ports: tcp(443, 7844) });
  });
});

describe("egress to the Kubernetes API", () => {
  const rule = kubernetesApiEgress({ vpcCidr: "10.10.0.0/16", serviceSubnet: "10.245.0.0/16" });
  const blocks = (rule.to as { ipBlock: IpBlock }[]).map((peer) => peer.ipBlock);
  const reaches = (ip: string) => blocks.some((block) => admits(block, ip));

  it("reaches the kubernetes Service, the VPC and public addresses on the API ports", () => {
    expect(reaches("10.245.0.1")).toBe(true);
    expect(reaches("10.10.3.4")).toBe(true);
    expect(reaches("203.0.113.10")).toBe(true);
    expect(rule.ports).toEqual(tcp(443, 6443));
  });

  it("reaches no other private address, nor the metadata service", () => {
    for (const ip of ["10.245.0.2", "10.11.0.1", "192.168.0.1", "169.254.169.254", "100.64.0.1"]) {
      expect(reaches(ip)).toBe(false);
    }
  });
});

describe.each(["staging", "production"])("the %s plan's NetworkPolicies", (stack) => {
  it("exclude every private range wherever they open egress to the internet", async () => {
    const plan = await planOf(stack);
    const internetBlocks: IpBlock[] = [];
    for (const policy of ofType(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")) {
      const spec = policy.inputs.spec as { egress?: { to?: { ipBlock?: IpBlock }[] }[] };
      for (const rule of spec.egress ?? []) {
        for (const peer of rule.to ?? []) {
          if (peer.ipBlock?.except) internetBlocks.push(peer.ipBlock);
        }
      }
    }
    expect(internetBlocks.length).toBeGreaterThan(5);
    for (const block of internetBlocks) {
      expect(block).toEqual({ cidr: "0.0.0.0/0", except: [...PRIVATE_RANGES] });
    }
  });
});
