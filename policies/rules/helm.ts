/** Rules for Helm releases (k8s.helm.v3.Release): pinned chart versions, secure sources, no secrets in values. */
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";
import { archiveVersion } from "../lib/helmChart";

/** An exact SemVer 2.0 version (optionally with the `v` prefix some charts use): no ranges, no wildcards. */
const EXACT_SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/;

/** Keys whose value is a secret. */
const SECRET_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|credentials?)$/i;

/** Keys that name an existing Kubernetes Secret (or a key in one) rather than holding the secret itself. */
const SECRET_REFERENCE_KEY =
  /(existing|secretname|secretsname|secretref|secretkeyref|secretkey|tokensecret|fromsecret)/i;

/**
 * The vendored chart folder as the release's `chart` path names it: relative to the Pulumi working
 * directory (the project's `main`, stacks/), where the Kubernetes provider resolves local charts.
 */
export const DEFAULT_VENDOR_DIR = "../charts/vendor";

/** A chart fetched at deploy time: from a repository, or by URL (https, http, oci). */
function remoteSource(chart: string, repo: string): string | undefined {
  if (repo !== "") return `repository ${repo}`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chart)) return chart;
  return undefined;
}

/** The archive file name of a vendored chart path (`<dir>/<chart>-<version>.tgz`), if it is one. */
function vendoredArchive(chart: string, vendorDir: string): string | undefined {
  const normalized = path.posix.normalize(chart);
  const dir = path.posix.normalize(vendorDir).replace(/\/+$/, "");
  if (path.posix.dirname(normalized) !== dir) return undefined;
  const file = path.posix.basename(normalized);
  return /\.tgz$/.test(file) ? file : undefined;
}

export const chartVersionPinned: ResourceValidationPolicy = {
  name: "helm-chart-version-pinned",
  description:
    "Helm releases pin an exact chart version (SemVer), never a range or the latest; a vendored archive carries that version in its name.",
  validateResource: validateResourceOfType(k8s.helm.v3.Release, (release, args, report) => {
    const where = `release ${release.name ?? args.name} (chart ${release.chart})`;
    const version = release.version ?? "";
    if (version.trim() === "") report(`${where} sets no version`);
    else if (!EXACT_SEMVER.test(version)) report(`${where} version "${version}" is not an exact version`);
    else if ((release.chart ?? "").endsWith(".tgz")) {
      // The provider installs whatever the archive holds and records its version, so a release
      // whose version differs from the archive's name would not deploy what it says it pins.
      const inName = archiveVersion(path.posix.basename(release.chart ?? ""));
      if (inName !== version) {
        report(
          `${where} pins version ${version} but the archive is ${inName === undefined ? "unversioned" : inName}`,
        );
      }
    }
  }),
};

interface RepositoryConfig {
  vendorDir: string;
  allowRemoteRepositories: boolean;
}

export const repositorySecure: ResourceValidationPolicy = {
  name: "helm-repository-secure",
  description:
    "Helm charts install from an archive vendored in the repository; no chart repository is contacted at deploy time (where allowed, only https:// or oci://).",
  configSchema: {
    properties: {
      vendorDir: {
        type: "string",
        default: DEFAULT_VENDOR_DIR,
        description:
          "The vendored archives' folder, as release chart paths name it (relative to the project's main).",
      },
      allowRemoteRepositories: {
        type: "boolean",
        default: false,
        description: "Let releases fetch from https:// repositories and oci:// registries at deploy time.",
      },
    },
  },
  validateResource: validateResourceOfType(k8s.helm.v3.Release, (release, args, report) => {
    const config = args.getConfig<RepositoryConfig>();
    const where = `release ${release.name ?? args.name}`;
    const chart = release.chart ?? "";
    const remote = remoteSource(chart, release.repositoryOpts?.repo ?? "");
    if (remote !== undefined) {
      const insecure = !/^(https|oci):\/\//i.test(remote.replace(/^repository /, ""));
      if (insecure)
        report(`${where} fetches chart ${chart} from ${remote}, which is neither https:// nor oci://`);
      else if (!config.allowRemoteRepositories) {
        report(
          `${where} fetches chart ${chart} from ${remote} at deploy time; install its archive from ${config.vendorDir}`,
        );
      }
      return;
    }
    if (vendoredArchive(chart, config.vendorDir) === undefined) {
      report(`${where} installs chart ${chart}, which is not an archive in ${config.vendorDir}`);
    }
  }),
};

/** Dotted paths (with [i] for list items) of secret-named keys holding a literal, non-empty string. */
/** Maps of Kubernetes metadata: their keys name annotations and labels, not settings. */
const METADATA_MAP = /(annotations|labels)$/i;

export function plaintextSecretPaths(value: unknown, path = ""): string[] {
  if (METADATA_MAP.test(path.split(".").pop() ?? "")) return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => plaintextSecretPaths(item, `${path}[${i}]`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    const literal = typeof child === "string" && child.length > 0;
    if (literal && SECRET_KEY.test(key) && !SECRET_REFERENCE_KEY.test(key)) return [childPath];
    return plaintextSecretPaths(child, childPath);
  });
}

export const noPlaintextSecrets: ResourceValidationPolicy = {
  name: "helm-no-plaintext-secrets",
  description:
    "Helm values hold no literal passwords, tokens or keys; charts reference existing Kubernetes Secrets instead.",
  validateResource: validateResourceOfType(k8s.helm.v3.Release, (release, args, report) => {
    for (const path of plaintextSecretPaths(release.values ?? {})) {
      report(
        `release ${release.name ?? args.name} sets values.${path} to a literal; reference an existing Secret instead`,
      );
    }
  }),
};

export const helmPolicies = [chartVersionPinned, repositorySecure, noPlaintextSecrets];
