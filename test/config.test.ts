import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { parse as parseYaml } from "yaml";
import { planFailure, programResources, section } from "./harness";
import { loadStackSettings, placeholderSecret, StackSettingsError } from "../tools/engine/stackSettings";
import { PROJECT_ROOT } from "../tools/engine/engine";
import { parsePlatformConfig } from "../stacks/config";

type Mutation = (config: Record<string, unknown>) => void;

const doSection = (c: Record<string, unknown>) => section(c, "prism:digitalocean");
const pools = (c: Record<string, unknown>) => section(doSection(c), "nodePools");
const firstWorkloadPool = (c: Record<string, unknown>) =>
  (pools(c).workloads as Record<string, unknown>[])[0];

/** Each bad config: the edit, the key path the message must name, and a fragment of what it says. */
const BAD_CONFIGS: [string, Mutation, string, RegExp][] = [
  [
    "wrong type (string for boolean)",
    (c) => (doSection(c).haControlPlane = "yes"),
    "prism:digitalocean.haControlPlane",
    /expected boolean.*got "yes"/,
  ],
  [
    "unknown region",
    (c) => (doSection(c).region = "mars1"),
    "prism:digitalocean.region",
    /expected one of.*fra1.*got "mars1"/,
  ],
  [
    "min nodes greater than max nodes",
    (c) => Object.assign(firstWorkloadPool(c), { minNodes: 5, maxNodes: 2 }),
    "prism:digitalocean.nodePools.workloads[0].minNodes",
    /must not exceed maxNodes.*got 5/,
  ],
  [
    "malformed CIDR",
    (c) => (section(doSection(c), "network").vpcCidr = "10.0.0.0/33"),
    "prism:digitalocean.network.vpcCidr",
    /IPv4 CIDR.*got "10.0.0.0\/33"/,
  ],
  [
    "public VPC range",
    (c) => (section(doSection(c), "network").vpcCidr = "8.8.0.0/16"),
    "prism:digitalocean.network.vpcCidr",
    /private.*got "8.8.0.0\/16"/,
  ],
  [
    "overlapping pod and VPC ranges",
    (c) => (section(doSection(c), "network").clusterSubnet = "10.110.0.0/16"),
    "prism:digitalocean.network.clusterSubnet",
    /overlaps digitalocean.network.vpcCidr/,
  ],
  [
    "missing required section",
    (c) => delete c["prism:cloudflare"],
    "prism:cloudflare",
    /expected object.*key is missing/,
  ],
  [
    "misspelt key",
    (c) => {
      const d = doSection(c);
      d.haControlPlan = d.haControlPlane;
      delete d.haControlPlane;
    },
    "prism:digitalocean.haControlPlan",
    /unknown key; allowed keys here: .*haControlPlane/,
  ],
  [
    "misspelt top-level key",
    (c) => {
      c["prism:digitalocaen"] = c["prism:digitalocean"];
      delete c["prism:digitalocean"];
    },
    "prism:digitalocaen",
    /unknown key; allowed keys here: .*digitalocean/,
  ],
  [
    "unknown node size",
    (c) => (section(pools(c), "system").size = "s-64vcpu-1tb"),
    "prism:digitalocean.nodePools.system.size",
    /expected one of.*s-4vcpu-8gb.*got "s-64vcpu-1tb"/,
  ],
  [
    "negative node count",
    (c) => (section(pools(c), "system").nodeCount = -1),
    "prism:digitalocean.nodePools.system.nodeCount",
    />=1.*got -1/,
  ],
  [
    "firewall open to the internet",
    (c) => {
      section(doSection(c), "controlPlaneFirewall").enabled = true;
      section(doSection(c), "controlPlaneFirewall").allowedAddresses = ["0.0.0.0/0"];
    },
    "prism:digitalocean.controlPlaneFirewall.allowedAddresses[0]",
    /whole internet.*got "0.0.0.0\/0"/,
  ],
  [
    "maintenance window at an impossible time",
    (c) => (section(doSection(c), "maintenanceWindow").startTime = "25:00"),
    "prism:digitalocean.maintenanceWindow.startTime",
    /HH:MM.*got "25:00"/,
  ],
  [
    "Kubernetes patch instead of minor",
    (c) => (doSection(c).kubernetesVersion = "1.34.2"),
    "prism:digitalocean.kubernetesVersion",
    /minor version.*got "1.34.2"/,
  ],
  [
    "unseal key protection level Cloud KMS does not offer",
    (c) => (section(section(section(c, "prism:pki"), "openbao"), "autoUnseal").protectionLevel = "EXTERNAL"),
    "prism:pki.openbao.autoUnseal.protectionLevel",
    /"HSM"\|"SOFTWARE".*got "EXTERNAL"/,
  ],
  [
    "unseal key destroy window beyond GCP's 120 days",
    (c) => (section(section(section(c, "prism:pki"), "openbao"), "autoUnseal").destroyScheduledDays = 365),
    "prism:pki.openbao.autoUnseal.destroyScheduledDays",
    /<=120.*got 365/,
  ],
  [
    "OpenBao CPU request that is no quantity",
    (c) => (section(section(c, "prism:pki"), "openbao").resources = { requests: { cpu: "lots" } }),
    "prism:pki.openbao.resources.requests.cpu",
    /CPU quantity.*got "lots"/,
  ],
  [
    "stateful protection as a string",
    (c) => (c["prism:stateful"] = { protect: "yes" }),
    "prism:stateful.protect",
    /expected boolean.*got "yes"/,
  ],
  [
    "trace storage Jaeger is not given",
    (c) => (section(section(c, "prism:observability"), "tracing").storage = "disk"),
    "prism:observability.tracing.storage",
    /"opensearch"\|"memory".*got "disk"/,
  ],
  [
    "unknown environment",
    (c) => (c["prism:environment"] = "prod"),
    "prism:environment",
    /"staging"\|"production".*got "prod"/,
  ],
  [
    "GCP zone without SEV-SNP",
    (c) => (section(section(c, "prism:confidential"), "gcp").zone = "us-east1-b"),
    "prism:confidential.gcp.zone",
    /expected one of.*europe-west4-a.*got "us-east1-b"/,
  ],
  [
    "AWS family without SEV-SNP",
    (c) => {
      const aws = section(section(c, "prism:confidential"), "aws");
      Object.assign(aws, {
        enabled: true,
        region: "us-east-2",
        instanceType: "m5.xlarge",
        vpcCidr: "10.160.0.0/24",
        warmPoolSize: 0,
      });
    },
    "prism:confidential.aws.instanceType",
    /M6a, C6a and R6a.*got "m5.xlarge"/,
  ],
  [
    "no confidential cloud and no agent sources",
    (c) =>
      Object.assign(section(c, "prism:confidential"), {
        azure: { enabled: false },
        gcp: { enabled: false },
        aws: { enabled: false },
      }),
    "prism:confidential",
    /7018 load balancer would admit nobody/,
  ],
  [
    "email receiver without a mail relay",
    (c) => delete section(section(c, "prism:observability"), "alertmanager").smtpSmarthost,
    "prism:observability.alertmanager",
    /email receiver needs smtpSmarthost and smtpFrom/,
  ],
  [
    "Access with nobody allowed",
    (c) =>
      Object.assign(section(section(c, "prism:cloudflare"), "access"), {
        allowedEmails: [],
        allowedEmailDomains: [],
      }),
    "prism:cloudflare.access",
    /at least one allowed email/,
  ],
  [
    "PostgreSQL anti-affinity that is neither required nor preferred",
    (c) => (section(section(c, "prism:data"), "postgres").podAntiAffinity = "sometimes"),
    "prism:data.postgres.podAntiAffinity",
    /expected one of "required"\|"preferred".*got "sometimes"/,
  ],
  [
    "Valkey maxmemory above its container's limit (staging's 256Mi)",
    (c) => (section(section(c, "prism:data"), "valkey").maxmemory = "300mb"),
    "prism:data.valkey.maxmemory",
    /must be below resources.limits.memory \(256Mi\).*got "300mb"/,
  ],
  [
    "SpiceDB requesting more CPU than its limit",
    (c) =>
      (c["prism:spicedb"] = {
        resources: { requests: { cpu: "2", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
      }),
    "prism:spicedb.resources.requests.cpu",
    /must not exceed limits.cpu \(1\).*got "2"/,
  ],
  [
    "memory limit in a unit Kubernetes reads differently",
    (c) =>
      (section(section(c, "prism:data"), "nats").resources = {
        requests: { cpu: "50m", memory: "128Mi" },
        limits: { cpu: "500m", memory: "1GB" },
      }),
    "prism:data.nats.resources.limits.memory",
    /memory quantity in Ki, Mi or Gi.*got "1GB"/,
  ],
  [
    "External Secrets with no replicas",
    (c) => (section(c, "prism:externalSecrets").replicas = 0),
    "prism:externalSecrets.replicas",
    />=1.*got 0/,
  ],
];

describe("invalid stack config", () => {
  it.each(BAD_CONFIGS)(
    "rejects %s, naming the key, before registering anything",
    async (_label, mutate, key, says) => {
      const failure = await planFailure("staging", mutate);
      expect(failure.message).toContain(`${key}:`);
      expect(failure.message).toMatch(says);
      expect(failure.message).toContain('Invalid configuration for stack "staging"');
      expect(programResources(failure.plan)).toEqual([]);
    },
  );

  it("covers at least twelve distinct mistakes", () => {
    expect(new Set(BAD_CONFIGS.map(([, , key]) => key)).size).toBeGreaterThanOrEqual(12);
  });

  it("holds production to its safety settings", async () => {
    const failure = await planFailure("production", (c) => {
      doSection(c).haControlPlane = false;
      section(doSection(c), "controlPlaneFirewall").enabled = false;
    });
    expect(failure.message).toContain(
      "prism:digitalocean.haControlPlane: production needs an HA control plane",
    );
    expect(failure.message).toContain(
      "prism:digitalocean.controlPlaneFirewall.enabled: production needs the control-plane firewall",
    );
    expect(programResources(failure.plan)).toEqual([]);
  });

  it("holds production to protecting its state, retaining its volumes and an HSM unseal key", async () => {
    const failure = await planFailure("production", (c) => {
      c["prism:stateful"] = { protect: false, retainVolumes: false };
      section(section(section(c, "prism:pki"), "openbao"), "autoUnseal").protectionLevel = "SOFTWARE";
    });
    expect(failure.message).toContain(
      "prism:stateful.protect: production protects its stateful resources (set true)",
    );
    expect(failure.message).toContain(
      "prism:stateful.retainVolumes: production retains its volumes (set true)",
    );
    expect(failure.message).toContain(
      "prism:pki.openbao.autoUnseal.protectionLevel: production keeps OpenBao's unseal key in an HSM",
    );
    expect(programResources(failure.plan)).toEqual([]);
  });

  it("refuses a Slack receiver without its webhook secret (checked before any resource)", () => {
    // The engine, like the CLI, fills declared secrets, so this is checked on the parser itself.
    const raw = loadStackSettings(PROJECT_ROOT, "staging").config;
    delete raw["prism:alertmanagerSlackWebhookUrl"];
    expect(() => parsePlatformConfig("prism", "staging", raw)).toThrow(
      /prism:observability\.alertmanager\.receivers\[1\]: a Slack receiver needs the alertmanagerSlackWebhookUrl secret/,
    );
  });

  it("reports every problem at once", async () => {
    const failure = await planFailure("staging", (c) => {
      doSection(c).region = "mars1";
      c["prism:baseDomain"] = "Not A Domain";
    });
    expect(failure.message).toMatch(/\(2 problems\)/);
  });
});

describe("stack settings are read the way the Pulumi CLI reads them", () => {
  function tempProject(projectYaml: string, stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-settings-"));
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), projectYaml);
    fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), stackYaml);
    return dir;
  }

  it("namespaces keys, serialises structured values as JSON and replaces secure values with placeholders", () => {
    const dir = tempProject(
      "name: demo\nruntime: nodejs\nconfig:\n  region:\n    type: string\n    default: fra1\n  token:\n    type: string\n    secret: true\n",
      "config:\n  demo:size: 3\n  demo:nested:\n    a: 1\n    b:\n      secure: v1:AAAA\n  digitalocean:token:\n    secure: v1:BBBB\n",
    );
    const s = loadStackSettings(dir, "dev");
    expect(s.project).toBe("demo");
    expect(s.config).toEqual({
      "demo:size": "3",
      "demo:nested": JSON.stringify({ a: 1, b: placeholderSecret("demo:nested.b") }),
      "digitalocean:token": placeholderSecret("digitalocean:token"),
      "demo:region": "fra1",
      "demo:token": placeholderSecret("demo:token"),
    });
    expect(s.secretKeys).toEqual(["demo:nested", "demo:token", "digitalocean:token"]);
  });

  it("rejects a value of the wrong declared type and a missing declared key", () => {
    const wrongType = tempProject(
      "name: demo\nruntime: nodejs\nconfig:\n  n:\n    type: integer\n",
      "config:\n  demo:n: three\n",
    );
    expect(() => loadStackSettings(wrongType, "dev")).toThrow(
      /'demo:n' is declared in Pulumi.yaml as integer/,
    );
    const missing = tempProject(
      "name: demo\nruntime: nodejs\nconfig:\n  n:\n    type: integer\n",
      "config: {}\n",
    );
    expect(() => loadStackSettings(missing, "dev")).toThrow(StackSettingsError);
    expect(() => loadStackSettings(missing, "dev")).toThrow(/missing configuration value 'demo:n'/);
  });

  it("fails plainly for a stack that has no file", () => {
    expect(() => loadStackSettings(PROJECT_ROOT, "nosuchstack")).toThrow(
      /Pulumi.nosuchstack.yaml does not exist/,
    );
  });
});

describe("project files", () => {
  it("Pulumi.yaml validates against Pulumi's project schema and runs stacks/", () => {
    const schema = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, "test", "schemas", "pulumi-project.json"), "utf8"),
    );
    const ajv = new Ajv2020({ strict: false });
    const validate = ajv.compile(schema);
    const project = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
    expect(validate(project) ? [] : validate.errors).toEqual([]);
    expect(project.main).toBe("stacks/");
    expect(project.runtime.name).toBe("nodejs");
  });

  it.each(["staging", "production"])("Pulumi.%s.yaml holds no secrets", (stack) => {
    const text = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`), "utf8");
    expect(text).not.toMatch(/secure:|dop_v1_|-----BEGIN/);
  });
});
