/** Rules for Cloudflare: tunnel DNS records, tunnel ingress rules, and Access in front of operator UIs. */
import * as cloudflare from "@pulumi/cloudflare";
import {
  validateResourceOfType,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { isUnknownValue, knownItems, peek } from "../lib/unknowns";

const TUNNEL_SUFFIX = ".cfargotunnel.com";
const CATCH_ALL_SERVICE = "http_status:404";

/** Lower case, without the trailing dot of a fully qualified name. */
function normalHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, "");
}

/**
 * Decided on a first preview too, when a tunnel's CNAME target (`<tunnel id>.cfargotunnel.com`) is
 * not yet known: `proxied` is read first and settles it; a CNAME that is not proxied and whose
 * target is still unknown is held to the rule, since a tunnel's target is exactly such a value.
 */
export const tunnelDnsProxied: ResourceValidationPolicy = {
  name: "cf-tunnel-dns-proxied",
  description:
    "DNS records pointing at a Cloudflare tunnel (*.cfargotunnel.com) are proxied; so is a CNAME whose target is not yet known.",
  validateResource: validateResourceOfType(cloudflare.DnsRecord, (record, args, report) => {
    if (record.proxied === true) return;
    if (isUnknownValue(peek(args.props, "content"))) {
      if (record.type === "CNAME") {
        report(
          `DNS record ${record.name ?? args.name} is a CNAME to a target not yet known (as a tunnel's is) without proxied: true`,
        );
      }
      return;
    }
    const content = normalHost(record.content ?? "");
    if (content.endsWith(TUNNEL_SUFFIX)) {
      report(`DNS record ${record.name ?? args.name} points at tunnel ${content} without proxied: true`);
    }
  }),
};

export const tunnelIngressCatchAll: ResourceValidationPolicy = {
  name: "cf-tunnel-ingress-catch-all",
  description: `Tunnel ingress rules end with exactly one catch-all rule, with no hostname and service ${CATCH_ALL_SERVICE}.`,
  validateResource: validateResourceOfType(
    cloudflare.ZeroTrustTunnelCloudflaredConfig,
    (tunnel, args, report) => {
      const where = `tunnel config ${args.name}`;
      const ingresses = tunnel.config?.ingresses ?? [];
      if (ingresses.length === 0) {
        report(`${where} has no ingress rules (end them with a catch-all to ${CATCH_ALL_SERVICE})`);
        return;
      }
      ingresses.slice(0, -1).forEach((rule, i) => {
        if (!rule.hostname)
          report(`${where} ingress ${i} (service ${rule.service}) is a catch-all before the last rule`);
      });
      const last = ingresses[ingresses.length - 1];
      if (last.hostname || last.service !== CATCH_ALL_SERVICE) {
        report(
          `${where} last ingress rule (hostname ${last.hostname ?? "unset"}, service ${last.service}) is not a catch-all to ${CATCH_ALL_SERVICE}`,
        );
      }
    },
  ),
};

/** The fields of a tunnel config's and an Access application's outputs this rule reads. */
interface TunnelConfigView {
  config?: { ingresses?: { hostname?: string }[] };
}
interface AccessApplicationView {
  domain?: string;
  selfHostedDomains?: string[];
  destinations?: { uri?: string }[];
}

/** An Access domain or destination URI as a bare host: `host`, `host/` and `host/*` cover the whole host. */
function coveredHost(domain: string): string {
  return normalHost(domain.replace(/\/\*?$/, ""));
}

export const operatorHostsBehindAccess: StackValidationPolicy = {
  name: "cf-operator-hosts-behind-access",
  description:
    "Every operator UI a tunnel routes (Grafana, Argo CD, OpenSearch, …) is covered by a Cloudflare Access application.",
  configSchema: {
    properties: {
      operatorHostPrefixes: {
        type: "array",
        items: { type: "string" },
        default: [
          "grafana",
          "argocd",
          "logs",
          "opensearch",
          "traefik",
          "prometheus",
          "alertmanager",
          "jaeger",
          "openbao",
        ],
        description: "First DNS labels of the hostnames that serve operator UIs.",
      },
    },
  },
  validateStack: (args, report) => {
    const prefixes = new Set(
      args.getConfig<{ operatorHostPrefixes: string[] }>().operatorHostPrefixes.map((p) => p.toLowerCase()),
    );
    // `domain` first: it is the application's input, known on a first preview, while the
    // provider fills in `selfHostedDomains` and `destinations`; their known entries count too.
    const apps: AccessApplicationView[] = args.resources.flatMap((r) => {
      const app: AccessApplicationView | undefined = r.asType(cloudflare.ZeroTrustAccessApplication);
      return app ? [app] : [];
    });
    const covered = new Set<string>();
    for (const app of apps) if (app.domain) covered.add(coveredHost(app.domain));
    for (const app of apps) {
      const extra = [
        ...knownItems(peek(app, "selfHostedDomains")),
        ...knownItems(peek(app, "destinations")).map((d) =>
          typeof d === "object" && d !== null ? peek(d, "uri") : undefined,
        ),
      ];
      for (const domain of extra)
        if (typeof domain === "string" && !isUnknownValue(domain)) covered.add(coveredHost(domain));
    }
    for (const r of args.resources) {
      const tunnel: TunnelConfigView | undefined = r.asType(cloudflare.ZeroTrustTunnelCloudflaredConfig);
      const hosts = new Set(
        (tunnel?.config?.ingresses ?? []).flatMap((rule) =>
          rule.hostname ? [normalHost(rule.hostname)] : [],
        ),
      );
      for (const host of hosts) {
        if (prefixes.has(host.split(".")[0]) && !covered.has(host)) {
          report(
            `tunnel config ${r.name} routes operator host ${host} with no Access application covering it`,
            r.urn,
          );
        }
      }
    }
  },
};

export const cloudflarePolicies = [tunnelDnsProxied, tunnelIngressCatchAll, operatorHostsBehindAccess];
