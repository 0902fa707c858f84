/**
 * The CVM agents' endpoint: the name every confidential VM dials is the name DNS serves, on the
 * 7018 load balancer's address, DNS only (Cloudflare's proxy cannot carry the attested TLS).
 */
import { parse } from "yaml";
import { ofType, one, planOf } from "./harness";
import type { Plan } from "../tools/engine/plan";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";

/** The AGENT_CVM_GRPC_URL a cloud-init document configures. */
function dialedEndpoint(cloudInit: string): string {
  const doc = parse(cloudInit.replace(/^#cloud-config\n/, "")) as {
    write_files: { path: string; content: string }[];
  };
  const env = doc.write_files.find((f) => f.path === "/etc/cocos/environment");
  const line = env?.content.split("\n").find((l) => l.startsWith("AGENT_CVM_GRPC_URL="));
  if (!line) throw new Error("cloud-init sets no AGENT_CVM_GRPC_URL");
  return line.slice("AGENT_CVM_GRPC_URL=".length);
}

const b64 = (v: unknown) => Buffer.from(String(v), "base64").toString("utf8");

/** Every boot configuration a CVM of the plan can start from, by where it came from. */
function cloudInits(plan: Plan): [string, string][] {
  const found: [string, string][] = [];
  for (const r of ofType(plan, "gcp:compute/instanceTemplate:InstanceTemplate"))
    found.push([r.name, String((r.inputs.metadata as Record<string, unknown>)["user-data"])]);
  for (const r of ofType(plan, "aws:ec2/launchTemplate:LaunchTemplate"))
    found.push([r.name, b64(r.inputs.userData)]);
  for (const r of ofType(plan, "azure-native:compute:VirtualMachineScaleSet")) {
    const profile = r.inputs.virtualMachineProfile as { osProfile: { customData: string } };
    found.push([r.name, b64(profile.osProfile.customData)]);
  }
  return found;
}

describe.each(["staging", "production"])("%s: the agents endpoint", (stack) => {
  it("is published as an unproxied A record on the 7018 load balancer, and is the name every CVM dials", async () => {
    const plan = await planOf(stack);
    const lb = ofType(plan, "kubernetes:core/v1:Service").find(
      (s) => (s.inputs.metadata as { name: string }).name === "traefik-cvm-agents",
    );
    const ip = (lb?.outputs.status as { loadBalancer: { ingress: { ip: string }[] } }).loadBalancer.ingress[0]
      .ip;
    const records = ofType(plan, DNS).filter((r) => String(r.inputs.name).startsWith("agents."));
    expect(records).toHaveLength(1);
    const record = records[0];
    expect(record.inputs).toMatchObject({ type: "A", content: ip, proxied: false });

    const inits = cloudInits(plan);
    expect(inits.length).toBeGreaterThan(0);
    for (const [, init] of inits) expect(dialedEndpoint(init)).toBe(`${String(record.inputs.name)}:7018`);
    // Backends launches CVMs with the same endpoint.
    for (const cm of ofType(plan, "kubernetes:core/v1:ConfigMap").filter((c) =>
      c.name.startsWith("backends-"),
    ))
      expect((cm.inputs.data as Record<string, string>).CVM_AGENTS_ENDPOINT).toBe(
        `${String(record.inputs.name)}:7018`,
      );
  });

  it("is the only record of the zone Cloudflare does not proxy", async () => {
    const plan = await planOf(stack);
    const unproxied = ofType(plan, DNS).filter((r) => r.inputs.proxied !== true);
    expect(unproxied.map((r) => r.inputs.name)).toEqual([one(plan, DNS, "agents").inputs.name]);
  });
});
