/** Rules for the OpenBao/Vault PKI engines: short-lived, strong leaf certificates, and published CA and CRL URLs. */
import * as vault from "@pulumi/vault";
import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Seconds of a TTL given as seconds ("259200", 259200) or as a duration ("72h", "1h30m"); undefined if neither. */
export function ttlSeconds(ttl: string | number): number | undefined {
  if (typeof ttl === "number") return Number.isFinite(ttl) ? ttl : undefined;
  const text = ttl.trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+(\.\d+)?[smhd])+$/.test(text)) return undefined;
  let seconds = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)([smhd])/g)) {
    seconds += Number(amount) * DURATION_UNITS[unit];
  }
  return seconds;
}

interface LeafRoleConfig {
  maxTtlHours: number;
  minRsaBits: number;
}

export const leafRoleHardening: ResourceValidationPolicy = {
  name: "pki-leaf-role-hardening",
  description:
    "PKI roles issue short-lived leaf certificates for named hosts only, with RSA or EC keys of at least the minimum size.",
  configSchema: {
    properties: {
      maxTtlHours: {
        type: "integer",
        minimum: 1,
        default: 72,
        description: "Longest certificate lifetime a role may allow, in hours.",
      },
      minRsaBits: {
        type: "integer",
        minimum: 2048,
        default: 2048,
        description: "Smallest RSA key a role may issue (the provider default, unset keyType, is RSA 2048).",
      },
    },
  },
  validateResource: validateResourceOfType(vault.pkisecret.SecretBackendRole, (role, args, report) => {
    const { maxTtlHours, minRsaBits } = args.getConfig<LeafRoleConfig>();
    const where = `role ${role.backend}/${role.name ?? args.name}`;

    const maxTtl: string | number | undefined = role.maxTtl;
    if (maxTtl === undefined || maxTtl === "") {
      report(`${where} sets no maxTtl (at most ${maxTtlHours}h)`);
    } else {
      const seconds = ttlSeconds(maxTtl);
      if (seconds === undefined) report(`${where} maxTtl "${maxTtl}" is not a number of seconds`);
      else if (seconds <= 0) report(`${where} maxTtl ${maxTtl} does not bound the lifetime`);
      else if (seconds > maxTtlHours * 3600) {
        report(
          `${where} maxTtl ${maxTtl} (${Math.round((seconds / 3600) * 100) / 100}h) exceeds ${maxTtlHours}h`,
        );
      }
    }

    if (role.allowAnyName === true) report(`${where} sets allowAnyName: true`);

    const keyType = role.keyType ?? "rsa";
    // keyBits 0 (or unset) means the key type's default size.
    const keyBits = role.keyBits || undefined;
    if (keyType === "rsa") {
      const bits = keyBits ?? 2048;
      if (bits < minRsaBits) report(`${where} issues RSA ${bits}-bit keys, below ${minRsaBits}`);
    } else if (keyType === "ec") {
      const bits = keyBits ?? 256;
      if (bits < 256) report(`${where} issues EC ${bits}-bit keys, below 256`);
    } else if (keyType === "any") {
      report(`${where} sets keyType any, which signs keys of any type and size`);
    } else if (keyType !== "ed25519") {
      report(`${where} sets unknown keyType "${keyType}"`);
    }
  }),
};

/** A mount path or backend as Vault compares them: without leading or trailing slashes. */
function mountPath(path: string | undefined): string {
  return (path ?? "").replace(/^\/+|\/+$/g, "");
}

/** The fields of the outputs this rule reads. */
interface MountView {
  path?: string;
  type?: string;
}
interface ConfigUrlsView {
  backend?: string;
  issuingCertificates?: string[];
  crlDistributionPoints?: string[];
}
interface CrlConfigView {
  backend?: string;
}

export const urlsConfigured: StackValidationPolicy = {
  name: "pki-urls-configured",
  description:
    "Every PKI mount publishes its issuing-certificate and CRL distribution URLs and has a CRL configuration.",
  validateStack: (args, report) => {
    const urls = new Map<string, ConfigUrlsView[]>();
    const crls = new Set<string>();
    for (const r of args.resources) {
      const config: ConfigUrlsView | undefined = r.asType(vault.pkisecret.SecretBackendConfigUrls);
      if (config) {
        const backend = mountPath(config.backend);
        urls.set(backend, [...(urls.get(backend) ?? []), config]);
      }
      const crl: CrlConfigView | undefined = r.asType(vault.pkisecret.SecretBackendCrlConfig);
      if (crl) crls.add(mountPath(crl.backend));
    }
    for (const r of args.resources) {
      const mount: MountView | undefined = r.asType(vault.Mount);
      if (mount?.type !== "pki") continue;
      const path = mountPath(mount.path);
      const where = `PKI mount ${path}`;
      const configs = urls.get(path) ?? [];
      if (configs.length === 0) {
        report(`${where} has no SecretBackendConfigUrls (issuingCertificates, crlDistributionPoints)`, r.urn);
      } else {
        if (!configs.some((c) => (c.issuingCertificates ?? []).length > 0)) {
          report(`${where} publishes no issuingCertificates URL`, r.urn);
        }
        if (!configs.some((c) => (c.crlDistributionPoints ?? []).length > 0)) {
          report(`${where} publishes no crlDistributionPoints URL`, r.urn);
        }
      }
      if (!crls.has(path)) report(`${where} has no SecretBackendCrlConfig`, r.urn);
    }
  },
};

export const pkiPolicies = [leafRoleHardening, urlsConfigured];
