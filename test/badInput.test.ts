/**
 * Everyday config mistakes: each is refused before a single resource is registered, with a message
 * naming the key, the bad value (never a secret's) and what is allowed.
 */
import * as fs from "fs";
import { selfSignedCertificate } from "./selfSignedCertificate";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { parsePlatformConfig, SECRET_KEYS } from "../stacks/config";
import { cronProblem, longestGapHours, mostAliveAtOnce, parseCron, runs } from "../stacks/validation/cron";
import { PROJECT_ROOT } from "../tools/engine/engine";
import { loadStackSettings, StackSettingsError } from "../tools/engine/stackSettings";
import { planFailure, programResources, section } from "./harness";

type Config = Record<string, unknown>;
const at = (c: Config, ...keys: string[]) => keys.reduce((o, k) => section(o, k), c);

/** Plans `stack` with the edit; the failure must name `key`, match `says`, and register nothing. */
async function refused(
  stack: string,
  mutate: (c: Config) => void,
  key: string,
  says: RegExp,
): Promise<string> {
  const failure = await planFailure(stack, mutate);
  expect(failure.message).toContain(`${key}:`);
  expect(failure.message).toMatch(says);
  expect(programResources(failure.plan)).toEqual([]);
  return failure.message;
}

describe("cron expressions are checked for meaning", () => {
  it.each([
    ["61 2 * * *", /minute 61 is out of range 0–59/],
    ["0 24 * * *", /hour 24 is out of range 0–23/],
    ["0 2 0 * *", /day of month 0 is out of range 1–31/],
    ["0 2 * 13 *", /month 13 is out of range 1–12/],
    ["0 2 * * 8", /day of week 8 is out of range 0–7/],
    ["0 2 30 feb *", /never runs/],
    ["0 2 * *", /needs five fields.*got 4/],
    ["0 2-1 * * *", /hour range "2-1" runs backwards/],
    ["*/0 * * * *", /minute step "0" must be a positive whole number/],
  ])("refuses %p", async (cron, says) => {
    await refused(
      "staging",
      (c) => (at(c, "prism:backups", "daily").schedule = cron),
      "prism:backups.daily.schedule",
      new RegExp(`not a valid cron expression: ${says.source}.*got "${cron.replace(/[*+]/g, "\\$&")}"`),
    );
  });

  it("reads names, steps, ranges and descriptors as Velero does", () => {
    expect(cronProblem("15 */6 * * mon-fri")).toBeUndefined();
    expect(cronProblem("@daily")).toBeUndefined();
    const sixHourly = runs(parseCron("15 */6 * * *"));
    expect(longestGapHours(sixHourly)).toBe(6);
    expect(mostAliveAtOnce(sixHourly, 48)).toBe(9);
    expect(longestGapHours(runs(parseCron("0 2 1 * *")))).toBe(31 * 24);
  });

  it("refuses a backup that expires before the next one runs", async () => {
    await refused(
      "staging",
      (c) => Object.assign(at(c, "prism:backups", "daily"), { schedule: "0 2 1 * *", ttlHours: 168 }),
      "prism:backups.daily.ttlHours",
      /expires before the next one runs: "0 2 1 \* \*" leaves up to 744 h between runs; keep backups at least 744 h; got 168/,
    );
  });
});

describe("backups fit DigitalOcean's 25 snapshots per volume", () => {
  it("production's schedules fit: 15 daily + 9 six-hourly per state volume", () => {
    const stack = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.production.yaml"), "utf8"));
    const b = stack.config["prism:backups"];
    const alive =
      mostAliveAtOnce(runs(parseCron(b.daily.schedule)), b.daily.ttlHours) +
      mostAliveAtOnce(runs(parseCron(b.hourlyState.schedule)), b.hourlyState.ttlHours);
    expect(alive).toBe(24);
  });

  it("refuses 30 daily plus 48 hourly, naming both counts", async () => {
    await refused(
      "production",
      (c) => {
        at(c, "prism:backups", "daily").ttlHours = 720;
        Object.assign(at(c, "prism:backups", "hourlyState"), { schedule: "15 * * * *", ttlHours: 48 });
      },
      "prism:backups.hourlyState.ttlHours",
      /keeps up to 80 snapshots of each state volume \(daily 31 \+ hourlyState 49\); DigitalOcean keeps at most 25 per volume/,
    );
  });

  it("refuses snapshots closer than DigitalOcean's 10 minutes", async () => {
    await refused(
      "production",
      (c) => Object.assign(at(c, "prism:backups", "hourlyState"), { schedule: "*/5 * * * *", ttlHours: 1 }),
      "prism:backups.hourlyState.schedule",
      /runs 5 min apart; DigitalOcean snapshots a volume at most every 10 min/,
    );
    await refused(
      "production",
      (c) => Object.assign(at(c, "prism:backups", "hourlyState"), { schedule: "5 */2 * * *", ttlHours: 12 }),
      "prism:backups.hourlyState.schedule",
      /runs 5 min from the daily backup/,
    );
  });
});

describe("network ranges stay within each provider's bounds and never overlap", () => {
  const network = (c: Config) => at(c, "prism:digitalocean", "network");
  it.each([
    [
      "a /12 DigitalOcean VPC",
      (c: Config) => (network(c).vpcCidr = "10.96.0.0/12"),
      "prism:digitalocean.network.vpcCidr",
      /is \/12; a DigitalOcean VPC must be \/16 to \/28/,
    ],
    [
      "a /29 DigitalOcean VPC",
      (c: Config) => (network(c).vpcCidr = "10.110.0.0/29"),
      "prism:digitalocean.network.vpcCidr",
      /is \/29; a DigitalOcean VPC must be \/16 to \/28/,
    ],
    [
      "a /15 AWS VPC",
      (c: Config) => (at(c, "prism:confidential", "aws").vpcCidr = "10.162.0.0/15"),
      "prism:confidential.aws.vpcCidr",
      /is \/15; an AWS VPC .* must be \/16 to \/27/,
    ],
    [
      "an AWS VPC too small to split",
      (c: Config) => (at(c, "prism:confidential", "aws").vpcCidr = "10.160.0.0/28"),
      "prism:confidential.aws.vpcCidr",
      /is \/28; an AWS VPC split into a private and a public \/28-or-larger subnet must be \/16 to \/27/,
    ],
    [
      "a /30 GCP subnet",
      (c: Config) => (at(c, "prism:confidential", "gcp").subnetCidr = "10.150.0.0/30"),
      "prism:confidential.gcp.subnetCidr",
      /is \/30; a GCP subnet must be \/8 to \/29/,
    ],
    [
      "service range inside the pod range",
      (c: Config) => (network(c).serviceSubnet = "10.124.128.0/19"),
      "prism:digitalocean.network.serviceSubnet",
      /overlaps digitalocean.network.clusterSubnet \(10.124.0.0\/16\)/,
    ],
    [
      "a CVM network inside the pod range",
      (c: Config) => (at(c, "prism:confidential", "gcp").subnetCidr = "10.124.5.0/24"),
      "prism:confidential.gcp.subnetCidr",
      /overlaps digitalocean.network.clusterSubnet/,
    ],
    [
      "a CVM network inside the service range",
      (c: Config) => (at(c, "prism:confidential", "azure").vnetCidr = "10.125.1.0/24"),
      "prism:confidential.azure.vnetCidr",
      /overlaps digitalocean.network.serviceSubnet/,
    ],
    [
      "two CVM networks overlapping",
      (c: Config) => (at(c, "prism:confidential", "aws").vpcCidr = "10.140.0.0/24"),
      "prism:confidential.aws.vpcCidr",
      /overlaps confidential.azure.vnetCidr \(10.140.0.0\/24\)/,
    ],
  ])("refuses %s", async (_label, mutate, key, says) => {
    await refused("production", mutate, key, says);
  });
});

describe("machine types and regions exist for the chosen confidential technology", () => {
  const cloud = (c: Config, name: string) => at(c, "prism:confidential", name);
  it.each([
    [
      "an AMD (SEV-SNP) Azure size for TDX",
      (c: Config) => (cloud(c, "azure").vmSize = "Standard_DC4as_v5"),
      "prism:confidential.azure.vmSize",
      /Intel TDX size.*got "Standard_DC4as_v5"/,
    ],
    [
      "a TDX size that does not exist",
      (c: Config) => (cloud(c, "azure").vmSize = "Standard_DC3es_v5"),
      "prism:confidential.azure.vmSize",
      /come with 2, 4, 8.*got "Standard_DC3es_v5"/,
    ],
    [
      "an Azure region without TDX",
      (c: Config) => (cloud(c, "azure").location = "brazilsouth"),
      "prism:confidential.azure.location",
      /expected one of.*westeurope.*got "brazilsouth"/,
    ],
    [
      "an Intel machine for SEV-SNP on GCP",
      (c: Config) => (cloud(c, "gcp").machineType = "n2-standard-4"),
      "prism:confidential.gcp.machineType",
      /N2D machine type.*got "n2-standard-4"/,
    ],
    [
      "an N2D size that does not exist",
      (c: Config) => (cloud(c, "gcp").machineType = "n2d-standard-3"),
      "prism:confidential.gcp.machineType",
      /N2D standard machines come with 2, 4, 8.*got "n2d-standard-3"/,
    ],
    [
      "an AWS region without SEV-SNP",
      (c: Config) => (cloud(c, "aws").region = "us-west-2"),
      "prism:confidential.aws.region",
      /expected one of.*us-east-2.*got "us-west-2"/,
    ],
  ])("refuses %s", async (_label, mutate, key, says) => {
    await refused("production", mutate, key, says);
  });
});

describe("regular expressions compile and certificate lifetimes fit their issuer's", () => {
  it("refuses an allowTags pattern that does not compile", async () => {
    await refused(
      "production",
      (c) => (at(c, "prism:delivery", "imageUpdate").allowTags = "regexp:^v[0-9+$"),
      "prism:delivery.imageUpdate.allowTags",
      /does not compile: .*got "regexp:\^v\[0-9\+\$"/,
    );
  });

  it("refuses leaves that outlive the intermediate, and an intermediate that outlives the root", async () => {
    const message = await refused(
      "staging",
      (c) => (section(c, "prism:pki").intermediateTtlHours = 48),
      "prism:pki.serviceMtlsMaxTtlHours",
      /a leaf must expire before its issuer: must be less than pki.intermediateTtlHours \(48\); got 72/,
    );
    expect(message).not.toContain("prism:pki.cvmAgentMaxTtlHours");
    await refused(
      "staging",
      (c) => (section(c, "prism:pki").intermediateTtlHours = 90000),
      "prism:pki.intermediateTtlHours",
      /less than the generated root CA's lifetime \(87600 h\); got 90000/,
    );
  });

  it("refuses an external intermediate that is no CA or dies before a leaf would", async () => {
    const make = (days: string, ca: boolean) => selfSignedCertificate(Number(days), ca);
    await refused(
      "production",
      (c) => (section(c, "prism:pki").externalIntermediateCertificate = make("365", false)),
      "prism:pki.externalIntermediateCertificate",
      /is not a CA certificate/,
    );
    await refused(
      "production",
      (c) => (section(c, "prism:pki").externalIntermediateCertificate = make("1", true)),
      "prism:pki.externalIntermediateCertificate",
      /lives 24 h, not longer than the longest leaf TTL \(24 h\)/,
    );
  });
});

describe("secrets: declared, never plaintext, never printed", () => {
  it("every key the program reads as a secret is declared secret in Pulumi.yaml (openbaoToken: optional by design)", () => {
    const project = parseYaml(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), "utf8"));
    const declared = Object.entries(project.config as Record<string, { secret?: boolean }>)
      .filter(([, d]) => d.secret === true)
      .map(([k]) => k);
    // The CLI demands every declared key that has no default and refuses a default on a secret, so
    // the token that only exists after the OpenBao bootstrap cannot be declared; the program
    // itself refuses it in plaintext (below).
    expect([...SECRET_KEYS].filter((k) => !declared.includes(k))).toEqual(["openbaoToken"]);
    const source = fs.readFileSync(path.join(PROJECT_ROOT, "stacks", "secrets.ts"), "utf8");
    const read = [...source.matchAll(/(?:requireSecret|getSecret)\("([A-Za-z]+)"\)/g)].map((m) => m[1]);
    expect([...read].sort()).toEqual([...SECRET_KEYS].sort());
  });

  it("refuses a plaintext value under a declared secret, as the CLI does, without printing it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-plain-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    const stack = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.staging.yaml"), "utf8");
    fs.writeFileSync(
      path.join(dir, "Pulumi.staging.yaml"),
      `${stack}  prism:digitaloceanToken: dop_v1_plaintextleak\n`,
    );
    expect(() => loadStackSettings(dir, "staging")).toThrow(
      "Stack 'staging' with configuration key 'digitaloceanToken' must be encrypted as it's secret",
    );
    expect(() => loadStackSettings(dir, "staging")).not.toThrow(/plaintextleak/);
  });

  it("refuses a plaintext openbaoToken in the program, without printing it", async () => {
    const message = await refused(
      "staging",
      (c) => (c["prism:openbaoToken"] = "s.plaintexttoken"),
      "prism:openbaoToken",
      /must be encrypted as it's secret.*pulumi config set --secret openbaoToken/,
    );
    expect(message).not.toContain("plaintexttoken");
  });

  it("never prints a malformed secret value", () => {
    const raw = loadStackSettings(PROJECT_ROOT, "staging").config;
    raw["prism:digitaloceanToken"] = JSON.stringify({ leaked: "dop_v1_malformedsecret" });
    raw["prism:spacesSecretKey"] = "";
    let message = "";
    try {
      parsePlatformConfig("prism", "staging", raw);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(
      "prism:digitaloceanToken: Invalid input: expected string, received object (the value is secret and not shown)",
    );
    expect(message).toContain("prism:spacesSecretKey: must be set with `pulumi config set --secret`");
    expect(message).not.toContain("malformedsecret");
  });
});

describe("malformed stack files get a message that says what is wrong", () => {
  function project(stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-stackfile-"));
    fs.copyFileSync(path.join(PROJECT_ROOT, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.staging.yaml"), stackYaml);
    return dir;
  }
  it.each([
    [
      "not a mapping",
      "- prism:environment: staging\n",
      /Pulumi.staging.yaml must be a YAML mapping with a `config:` section, but it holds a list/,
    ],
    ["empty", "", /must be a YAML mapping .* but it holds nothing/],
    [
      "without config:",
      "prism:environment: staging\nprism:baseDomain: a.example.com\n",
      /Pulumi.staging.yaml has no `config:` section; its keys \(prism:environment, prism:baseDomain\) must sit under `config:`/,
    ],
    [
      "with a config: list",
      "config:\n  - prism:environment\n",
      /`config:` must be a mapping of keys to values, but it holds a list/,
    ],
  ])("%s", (_label, text, says) => {
    const dir = project(text);
    expect(() => loadStackSettings(dir, "staging")).toThrow(StackSettingsError);
    expect(() => loadStackSettings(dir, "staging")).toThrow(says);
  });

  it("holding the other stack's environment", async () => {
    await refused(
      "production",
      (c) => (c["prism:environment"] = "staging"),
      "prism:environment",
      /stack "production" holds environment "staging", the other stack's; the stack file Pulumi.production.yaml must say "production"/,
    );
  });
});

describe("errors from the cloud reach the user", () => {
  it("a Kubernetes version DigitalOcean does not offer fails the plan with DigitalOcean's list", async () => {
    const failure = await planFailure(
      "staging",
      (c) => (at(c, "prism:digitalocean").kubernetesVersion = "1.20"),
    );
    expect(failure.message).toMatch(
      /DOKS offers no Kubernetes 1\.20\.x \(prism:digitalocean\.kubernetesVersion\); available: 1\.35\.1-do\.0, 1\.34\.3-do\.1/,
    );
    // The message is the whole failure, not a silent exit: nothing else is reported.
    expect(failure.message.split("\n")).toHaveLength(1);
  }, 120_000);
});

describe("stacks stay apart, Access stays closed, the warm pool stays bounded", () => {
  it("staging may not reuse production's base domain or tunnel name", async () => {
    const message = await refused(
      "staging",
      (c) => {
        c["prism:baseDomain"] = "prism.example.com";
        section(c, "prism:cloudflare").tunnelName = "prism-production";
      },
      "prism:baseDomain",
      /"prism.example.com" is also stack "production"'s base domain/,
    );
    expect(message).toContain(
      'prism:cloudflare.tunnelName: "prism-production" is also stack "production"\'s tunnel',
    );
  });

  it("Access may not admit a public e-mail domain", async () => {
    await refused(
      "production",
      (c) => (at(c, "prism:cloudflare", "access").allowedEmailDomains = ["example.com", "Gmail.com"]),
      "prism:cloudflare.access.allowedEmailDomains[1]",
      /public e-mail domain/,
    );
  });

  it("warm pools are bounded per cloud and in all", async () => {
    await refused(
      "production",
      (c) => (at(c, "prism:confidential", "gcp").warmPoolSize = 21),
      "prism:confidential.gcp.warmPoolSize",
      /<=20.*got 21/,
    );
    await refused(
      "production",
      (c) => {
        at(c, "prism:confidential", "azure").warmPoolSize = 10;
        at(c, "prism:confidential", "gcp").warmPoolSize = 10;
        at(c, "prism:confidential", "aws").warmPoolSize = 5;
      },
      "prism:confidential.aws.warmPoolSize",
      /the warm pools add up to 25 CVMs \(azure 10, gcp 10, aws 5\); at most 20 in all/,
    );
  });
});
