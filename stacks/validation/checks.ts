/**
 * Checks that span several keys of the stack configuration: backup schedules against retention and
 * DigitalOcean's snapshot limit, network ranges against each provider's bounds and each other,
 * certificate lifetimes against their issuer's, Access rules, regular expressions and the warm
 * pool. Each problem names its key path, the bad value and what is allowed.
 */
import { X509Certificate } from "crypto";
import { ROOT_CA_TTL_HOURS } from "../../components/pki/pkiLifetimes";
import { cidrsOverlap, parseCidr } from "../../components/network/cidr";
import { PUBLIC_EMAIL_DOMAINS } from "../facts/publicEmailDomains";
import { cronProblem, longestGapHours, mostAliveAtOnce, parseCron, runs, shortestGapMinutes } from "./cron";

/** One problem: where (key path under the project namespace), what was given, what is wrong. */
export interface Problem {
  path: (string | number)[];
  input: unknown;
  message: string;
}

/**
 * DigitalOcean keeps at most 25 snapshots of a volume and takes at most one every 10 minutes
 * (docs.digitalocean.com/products/snapshots/details/limits/).
 */
export const DO_SNAPSHOTS_PER_VOLUME = 25;
export const DO_MIN_SNAPSHOT_INTERVAL_MINUTES = 10;

/** The warm pools together: each CVM is paid for while it waits. */
export const WARM_POOL_TOTAL_MAX = 20;

/** The config shape these checks read (a structural subset of the parsed stack config). */
export interface CheckedConfig {
  digitalocean: { network: { vpcCidr: string; clusterSubnet: string; serviceSubnet: string } };
  confidential: {
    azure: { enabled: boolean; vnetCidr?: string; warmPoolSize?: number; vmSize?: string };
    gcp: { enabled: boolean; subnetCidr?: string; warmPoolSize?: number; machineType?: string };
    aws: { enabled: boolean; vpcCidr?: string; warmPoolSize?: number };
  };
  cloudflare: { access: { allowedEmails: string[]; allowedEmailDomains: string[] } };
  pki: {
    rootCa: "generated" | "external";
    externalIntermediateCertificate?: string;
    cvmAgentMaxTtlHours: number;
    serviceMtlsMaxTtlHours: number;
    intermediateTtlHours: number;
  };
  backups: {
    daily: { schedule: string; ttlHours: number };
    hourlyState: { enabled: boolean; schedule?: string; ttlHours?: number };
  };
  delivery: { imageUpdate: { strategy: string; allowTags?: string } };
}

/** Zod refinement for a cron field: its meaning, not just five words. */
export function cronIssue(expression: string): string | undefined {
  const problem = cronProblem(expression);
  return problem && `is not a valid cron expression: ${problem}`;
}

function backupProblems(b: CheckedConfig["backups"]): Problem[] {
  const out: Problem[] = [];
  const schedules: { key: string; cron: string; ttlHours: number; everything: boolean }[] = [
    { key: "daily", cron: b.daily.schedule, ttlHours: b.daily.ttlHours, everything: true },
  ];
  if (b.hourlyState.enabled && b.hourlyState.schedule && b.hourlyState.ttlHours) {
    const h = b.hourlyState;
    schedules.push({
      key: "hourlyState",
      cron: h.schedule ?? "",
      ttlHours: h.ttlHours ?? 0,
      everything: false,
    });
  }
  const timed: { key: string; ttlHours: number; times: number[] }[] = [];
  for (const s of schedules) {
    if (cronProblem(s.cron)) continue; // the schedule's own error says what is wrong
    const times = runs(parseCron(s.cron), 1);
    const gap = longestGapHours(times);
    if (s.ttlHours < gap) {
      out.push({
        path: ["backups", s.key, "ttlHours"],
        input: s.ttlHours,
        message: `each backup expires before the next one runs: "${s.cron}" leaves up to ${gap} h between runs; keep backups at least ${gap} h`,
      });
    }
    const tightest = shortestGapMinutes(times);
    if (tightest < DO_MIN_SNAPSHOT_INTERVAL_MINUTES) {
      out.push({
        path: ["backups", s.key, "schedule"],
        input: s.cron,
        message: `runs ${tightest} min apart; DigitalOcean snapshots a volume at most every ${DO_MIN_SNAPSHOT_INTERVAL_MINUTES} min`,
      });
    }
    timed.push({ key: s.key, ttlHours: s.ttlHours, times });
  }
  // The state namespaces' volumes are in every schedule: their snapshots add up.
  const counts = timed.map((t) => ({ ...t, alive: mostAliveAtOnce(t.times, t.ttlHours) }));
  const total = counts.reduce((n, c) => n + c.alive, 0);
  if (total > DO_SNAPSHOTS_PER_VOLUME) {
    const last = counts[counts.length - 1];
    out.push({
      path: ["backups", last.key, "ttlHours"],
      input: last.ttlHours,
      message:
        `keeps up to ${total} snapshots of each state volume (${counts.map((c) => `${c.key} ${c.alive}`).join(" + ")}); ` +
        `DigitalOcean keeps at most ${DO_SNAPSHOTS_PER_VOLUME} per volume, so Velero's snapshots would start failing: ` +
        "shorten the TTLs or run the schedules less often",
    });
  }
  // Two schedules snapshotting the same volume within 10 minutes of each other also fail.
  if (timed.length === 2) {
    const merged = [...timed[0].times, ...timed[1].times].sort((x, y) => x - y);
    const tightest = shortestGapMinutes(merged);
    if (
      tightest < DO_MIN_SNAPSHOT_INTERVAL_MINUTES &&
      shortestGapMinutes(timed[1].times) >= DO_MIN_SNAPSHOT_INTERVAL_MINUTES
    ) {
      out.push({
        path: ["backups", "hourlyState", "schedule"],
        input: b.hourlyState.schedule,
        message: `runs ${tightest} min from the daily backup; DigitalOcean snapshots a volume at most every ${DO_MIN_SNAPSHOT_INTERVAL_MINUTES} min`,
      });
    }
  }
  return out;
}

/** Prefix-length bounds of each network the stack creates. */
const BOUNDS: {
  path: (string | number)[];
  what: string;
  min: number;
  max: number;
  pick: (c: CheckedConfig) => string | undefined;
}[] = [
  // docs.digitalocean.com/products/networking/vpc/concepts/plan-your-network/: /28 to /16.
  {
    path: ["digitalocean", "network", "vpcCidr"],
    what: "a DigitalOcean VPC",
    min: 16,
    max: 28,
    pick: (c) => c.digitalocean.network.vpcCidr,
  },
  // AWS VPCs are /16 to /28; the landing zone splits the VPC into two subnets of at least /28.
  {
    path: ["confidential", "aws", "vpcCidr"],
    what: "an AWS VPC split into a private and a public /28-or-larger subnet",
    min: 16,
    max: 27,
    pick: (c) => (c.confidential.aws.enabled ? c.confidential.aws.vpcCidr : undefined),
  },
  // GCP subnet primary ranges are /8 to /29.
  {
    path: ["confidential", "gcp", "subnetCidr"],
    what: "a GCP subnet",
    min: 8,
    max: 29,
    pick: (c) => (c.confidential.gcp.enabled ? c.confidential.gcp.subnetCidr : undefined),
  },
  // Azure's smallest subnet is /29; the landing zone's subnet is the whole VNet.
  {
    path: ["confidential", "azure", "vnetCidr"],
    what: "an Azure VNet and its subnet",
    min: 8,
    max: 29,
    pick: (c) => (c.confidential.azure.enabled ? c.confidential.azure.vnetCidr : undefined),
  },
];

function networkProblems(c: CheckedConfig): Problem[] {
  const out: Problem[] = [];
  for (const b of BOUNDS) {
    const range = b.pick(c);
    const parsed = range ? parseCidr(range) : undefined;
    if (range && parsed && (parsed.prefix < b.min || parsed.prefix > b.max)) {
      out.push({
        path: b.path,
        input: range,
        message: `is /${parsed.prefix}; ${b.what} must be /${b.min} to /${b.max}`,
      });
    }
  }
  // Every pair of networks the stack uses: CVM networks are routed back to the cluster, and the
  // pod and service ranges are what the cluster's nodes route locally.
  const n = c.digitalocean.network;
  const networks: [(string | number)[], string | undefined][] = [
    [["digitalocean", "network", "vpcCidr"], n.vpcCidr],
    [["digitalocean", "network", "clusterSubnet"], n.clusterSubnet],
    [["digitalocean", "network", "serviceSubnet"], n.serviceSubnet],
    [
      ["confidential", "azure", "vnetCidr"],
      c.confidential.azure.enabled ? c.confidential.azure.vnetCidr : undefined,
    ],
    [
      ["confidential", "gcp", "subnetCidr"],
      c.confidential.gcp.enabled ? c.confidential.gcp.subnetCidr : undefined,
    ],
    [["confidential", "aws", "vpcCidr"], c.confidential.aws.enabled ? c.confidential.aws.vpcCidr : undefined],
  ];
  for (let i = 0; i < networks.length; i++) {
    for (let j = i + 1; j < networks.length; j++) {
      const [aPath, a] = networks[i];
      const [bPath, b] = networks[j];
      if (a && b && cidrsOverlap(a, b)) {
        out.push({
          path: bPath,
          input: b,
          message: `overlaps ${aPath.join(".")} (${a}); every network of the stack (VPC, pod and service ranges, CVM networks) must be disjoint`,
        });
      }
    }
  }
  return out;
}

function pkiProblems(p: CheckedConfig["pki"]): Problem[] {
  const out: Problem[] = [];
  for (const key of ["cvmAgentMaxTtlHours", "serviceMtlsMaxTtlHours"] as const) {
    if (p[key] >= p.intermediateTtlHours) {
      out.push({
        path: ["pki", key],
        input: p[key],
        message: `a leaf must expire before its issuer: must be less than pki.intermediateTtlHours (${p.intermediateTtlHours})`,
      });
    }
  }
  if (p.rootCa === "generated" && p.intermediateTtlHours >= ROOT_CA_TTL_HOURS) {
    out.push({
      path: ["pki", "intermediateTtlHours"],
      input: p.intermediateTtlHours,
      message: `must be less than the generated root CA's lifetime (${ROOT_CA_TTL_HOURS} h)`,
    });
  }
  if (p.externalIntermediateCertificate) {
    let cert: X509Certificate | undefined;
    try {
      cert = new X509Certificate(p.externalIntermediateCertificate);
    } catch (err) {
      out.push({
        path: ["pki", "externalIntermediateCertificate"],
        input: "(PEM)",
        message: `is not a readable certificate: ${(err as Error).message}`,
      });
    }
    if (cert) {
      const hoursLeft = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 3_600_000;
      if (!cert.ca) {
        out.push({
          path: ["pki", "externalIntermediateCertificate"],
          input: cert.subject,
          message: "is not a CA certificate (basicConstraints CA:FALSE)",
        });
      }
      const longest = Math.max(p.cvmAgentMaxTtlHours, p.serviceMtlsMaxTtlHours);
      if (hoursLeft <= longest) {
        out.push({
          path: ["pki", "externalIntermediateCertificate"],
          input: `valid ${cert.validFrom} – ${cert.validTo}`,
          message: `lives ${Math.floor(hoursLeft)} h, not longer than the longest leaf TTL (${longest} h)`,
        });
      }
    }
  }
  return out;
}

function accessProblems(a: CheckedConfig["cloudflare"]["access"]): Problem[] {
  const out: Problem[] = [];
  a.allowedEmailDomains.forEach((domain, i) => {
    if (PUBLIC_EMAIL_DOMAINS.includes(domain.toLowerCase())) {
      out.push({
        path: ["cloudflare", "access", "allowedEmailDomains", i],
        input: domain,
        message:
          "is a public e-mail domain: anyone can get an address there; list your organisation's domain or single addresses",
      });
    }
  });
  return out;
}

function regexProblems(d: CheckedConfig["delivery"]): Problem[] {
  const tags = d.imageUpdate.allowTags;
  if (d.imageUpdate.strategy !== "semver" || tags === undefined) return [];
  const path = ["delivery", "imageUpdate", "allowTags"];
  if (!tags.startsWith("regexp:")) {
    return [{ path, input: tags, message: 'must be "regexp:<pattern>" (Image Updater\'s allow-tags form)' }];
  }
  try {
    new RegExp(tags.slice("regexp:".length));
    return [];
  } catch (err) {
    return [{ path, input: tags, message: `does not compile: ${(err as Error).message}` }];
  }
}

function warmPoolProblems(c: CheckedConfig["confidential"]): Problem[] {
  const clouds = (["azure", "gcp", "aws"] as const).filter((k) => c[k].enabled);
  const total = clouds.reduce((n, k) => n + (c[k].warmPoolSize ?? 0), 0);
  if (total <= WARM_POOL_TOTAL_MAX) return [];
  return [
    {
      path: ["confidential", clouds[clouds.length - 1], "warmPoolSize"],
      input: total,
      message: `the warm pools add up to ${total} CVMs (${clouds.map((k) => `${k} ${c[k].warmPoolSize}`).join(", ")}); at most ${WARM_POOL_TOTAL_MAX} in all`,
    },
  ];
}

/** vCPU counts that exist per family (the name patterns in facts/confidential.ts admit any number). */
const GCP_N2D_VCPUS: Record<string, number[]> = {
  standard: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
  highmem: [2, 4, 8, 16, 32, 48, 64, 80, 96],
  highcpu: [2, 4, 8, 16, 32, 48, 64, 80, 96, 128, 224],
};
const AZURE_TDX_VCPUS = [2, 4, 8, 16, 32, 48, 64, 96, 128];

function machineProblems(c: CheckedConfig["confidential"]): Problem[] {
  const out: Problem[] = [];
  const gcpType = c.gcp.enabled ? c.gcp.machineType : undefined;
  const gcp = gcpType ? /^n2d-(standard|highmem|highcpu)-(\d+)$/.exec(gcpType) : null;
  if (gcpType && gcp && !GCP_N2D_VCPUS[gcp[1]].includes(Number(gcp[2]))) {
    out.push({
      path: ["confidential", "gcp", "machineType"],
      input: gcpType,
      message: `N2D ${gcp[1]} machines come with ${GCP_N2D_VCPUS[gcp[1]].join(", ")} vCPUs`,
    });
  }
  const azureSize = c.azure.enabled ? c.azure.vmSize : undefined;
  const azure = azureSize ? /^Standard_(DC|EC)(\d+)e/.exec(azureSize) : null;
  if (azureSize && azure && !AZURE_TDX_VCPUS.includes(Number(azure[2]))) {
    out.push({
      path: ["confidential", "azure", "vmSize"],
      input: azureSize,
      message: `Intel TDX sizes come with ${AZURE_TDX_VCPUS.join(", ")} vCPUs, e.g. Standard_DC4es_v5`,
    });
  }
  return out;
}

/** Every cross-key problem of a parsed config. */
export function crossKeyProblems(c: CheckedConfig): Problem[] {
  return [
    ...backupProblems(c.backups),
    ...networkProblems(c),
    ...pkiProblems(c.pki),
    ...accessProblems(c.cloudflare.access),
    ...regexProblems(c.delivery),
    ...warmPoolProblems(c.confidential),
    ...machineProblems(c.confidential),
  ];
}
