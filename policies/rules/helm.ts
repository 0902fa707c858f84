/** Rules for Helm releases (k8s.helm.v3.Release): pinned chart versions, secure sources, no secrets in values. */
import * as k8s from "@pulumi/kubernetes";
import { validateResourceOfType, type ResourceValidationPolicy } from "@pulumi/policy";

/** An exact SemVer 2.0 version (optionally with the `v` prefix some charts use): no ranges, no wildcards. */
const EXACT_SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*)?(\+[0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*)?$/;

/** Keys whose value is a secret. */
const SECRET_KEY = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key|credentials?)$/i;

/** Keys that name an existing Kubernetes Secret (or a key in one) rather than holding the secret itself. */
const SECRET_REFERENCE_KEY =
  /(existing|secretname|secretsname|secretref|secretkeyref|secretkey|tokensecret|fromsecret)/i;

export const chartVersionPinned: ResourceValidationPolicy = {
  name: "helm-chart-version-pinned",
  description: "Helm releases pin an exact chart version (SemVer), never a range or the latest.",
  validateResource: validateResourceOfType(k8s.helm.v3.Release, (release, args, report) => {
    const where = `release ${release.name ?? args.name} (chart ${release.chart})`;
    const version = release.version ?? "";
    if (version.trim() === "") report(`${where} sets no version`);
    else if (!EXACT_SEMVER.test(version)) report(`${where} version "${version}" is not an exact version`);
  }),
};

export const repositorySecure: ResourceValidationPolicy = {
  name: "helm-repository-secure",
  description: "Helm charts come from an https:// repository or an oci:// registry, never plain http.",
  validateResource: validateResourceOfType(k8s.helm.v3.Release, (release, args, report) => {
    const where = `release ${release.name ?? args.name}`;
    const chart = release.chart ?? "";
    if (/^oci:\/\//i.test(chart)) return;
    if (/^http:\/\//i.test(chart)) report(`${where} fetches chart ${chart} over plain http`);
    const repo = release.repositoryOpts?.repo ?? "";
    if (repo !== "" && !/^https:\/\//i.test(repo)) {
      report(`${where} uses repository ${repo}, which is not https://`);
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
