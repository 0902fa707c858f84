import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
  ORIGIN_CA_DIR,
  ORIGIN_CA_KEY,
  PLATFORM_HOSTS,
  platformHostname,
} from "../../policies/facts/platform";

/** What cloudflared answers for a hostname no rule matches. */
export const CATCH_ALL_SERVICE = "http_status:404";

/** Key of the run token in the Kubernetes Secret cloudflared reads it from. */
export const TOKEN_SECRET_KEY = "token";

/** The Cloudflare account and zone the tunnel lives in, and who may reach the operator UIs. */
export interface CloudflareTunnelOptions {
  /** Account (32 hex characters) owning the tunnel and the Access applications. */
  accountId: string;
  /** Zone (32 hex characters) the platform hostnames' CNAMEs are written in. */
  zoneId: string;
  /** The tunnel's name; also names the Access policies and the DNS records' comments. */
  tunnelName: string;
  access: {
    /** Email addresses admitted to the operator UIs. */
    allowedEmails: readonly string[];
    /** Email domains whose addresses are admitted to the operator UIs. */
    allowedEmailDomains: readonly string[];
    /** How long an Access session lasts, e.g. "8h". */
    sessionDuration: string;
  };
}

export interface CloudflareTunnelArgs {
  stack: string;
  baseDomain: string;
  config: CloudflareTunnelOptions;
  /** Cloudflare API token (a Pulumi secret). */
  apiToken: pulumi.Input<string>;
  /** In-cluster URL of Traefik's TLS entry point, e.g. https://traefik.edge.svc.cluster.local:443. */
  originUrl: pulumi.Input<string>;
  /** Namespace of cloudflared, where the run token's Secret goes. */
  namespace: pulumi.Input<string>;
  k8sProvider: k8s.Provider;
}

/**
 * A named Cloudflare tunnel with remotely managed configuration: each platform hostname routes to
 * Traefik and anything else gets a 404; proxied CNAMEs point the hostnames at the tunnel; every
 * operator UI sits behind a Cloudflare Access application. The run token goes straight from the
 * Cloudflare API into a Kubernetes Secret, as a Pulumi secret.
 */
export class CloudflareTunnel extends pulumi.ComponentResource {
  readonly tunnelId: pulumi.Output<string>;
  /** `<tunnel id>.cfargotunnel.com`, the target of the DNS records. */
  readonly tunnelCname: pulumi.Output<string>;
  /** Name of the Secret holding the run token under TOKEN_SECRET_KEY. */
  readonly tokenSecretName: pulumi.Output<string>;
  /** The Cloudflare provider with the stack's token, for the zone's other records. */
  readonly provider: cloudflare.Provider;

  constructor(name: string, args: CloudflareTunnelArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:edge:CloudflareTunnel", name, {}, opts);
    const { config, baseDomain } = args;
    const accountId = config.accountId;

    // An explicit provider: the API token is the stack's secret, never ambient credentials.
    const provider = new cloudflare.Provider(
      `${name}-cloudflare`,
      { apiToken: args.apiToken },
      { parent: this },
    );
    const cfOpts = { parent: this, provider };
    this.provider = provider;

    const tunnel = new cloudflare.ZeroTrustTunnelCloudflared(
      `${name}-tunnel`,
      { accountId, name: config.tunnelName, configSrc: "cloudflare" },
      cfOpts,
    );
    const tunnelCname = pulumi.interpolate`${tunnel.id}.cfargotunnel.com`;

    const hosts = PLATFORM_HOSTS.map((host) => ({
      ...host,
      hostname: platformHostname(host.label, baseDomain),
    }));

    new cloudflare.ZeroTrustTunnelCloudflaredConfig(
      `${name}-config`,
      {
        accountId,
        tunnelId: tunnel.id,
        source: "cloudflare",
        config: {
          // Defaults for every rule: TLS to Traefik's websecure entry point.
          originRequest: {
            connectTimeout: 10,
            tlsTimeout: 10,
            keepAliveTimeout: 90,
            http2Origin: true,
            // Traefik's origin certificate chains to a CA of its own, mounted into cloudflared:
            // the in-cluster hop is verified, not just encrypted.
            caPool: `${ORIGIN_CA_DIR}/${ORIGIN_CA_KEY}`,
          },
          ingresses: [
            ...hosts.map((host) => ({
              hostname: host.hostname,
              service: args.originUrl,
              // SNI equal to the Host header, so Traefik's TLS and HTTP routing agree.
              originRequest: { originServerName: host.hostname },
            })),
            { service: CATCH_ALL_SERVICE },
          ],
        },
      },
      cfOpts,
    );

    // Access in front of every operator UI, before DNS publishes the hostname.
    const accessApps = new Map<string, cloudflare.ZeroTrustAccessApplication>();
    for (const host of hosts.filter((h) => h.operatorUi)) {
      const policy = new cloudflare.ZeroTrustAccessPolicy(
        `${name}-${host.label}-operators`,
        {
          accountId,
          name: `${config.tunnelName} ${host.label} operators`,
          decision: "allow",
          includes: [
            ...config.access.allowedEmails.map((email) => ({ email: { email } })),
            ...config.access.allowedEmailDomains.map((domain) => ({ emailDomain: { domain } })),
          ],
          sessionDuration: config.access.sessionDuration,
        },
        cfOpts,
      );
      accessApps.set(
        host.label,
        new cloudflare.ZeroTrustAccessApplication(
          `${name}-${host.label}`,
          {
            accountId,
            name: `Prism ${host.serves} (${args.stack})`,
            type: "self_hosted",
            domain: host.hostname,
            sessionDuration: config.access.sessionDuration,
            policies: [{ id: policy.id, precedence: 1 }],
            appLauncherVisible: true,
            httpOnlyCookieAttribute: true,
            sameSiteCookieAttribute: "lax",
          },
          cfOpts,
        ),
      );
    }

    for (const host of hosts) {
      const app = accessApps.get(host.label);
      new cloudflare.DnsRecord(
        `${name}-${host.label}`,
        {
          zoneId: config.zoneId,
          name: host.hostname,
          type: "CNAME",
          content: tunnelCname,
          proxied: true,
          ttl: 1, // automatic, as proxied records require
          comment: `Prism ${host.serves} via tunnel ${config.tunnelName}`,
        },
        { ...cfOpts, dependsOn: app ? [app] : [] },
      );
    }

    // The run token, kept secret from the API response to the Secret cloudflared reads.
    const token = cloudflare.getZeroTrustTunnelCloudflaredTokenOutput(
      { accountId, tunnelId: tunnel.id },
      { parent: this, provider },
    ).token;
    const tokenSecret = new k8s.core.v1.Secret(
      `${name}-token`,
      {
        metadata: {
          name: "cloudflared-token",
          namespace: args.namespace,
          labels: { "app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/part-of": "prism" },
        },
        type: "Opaque",
        stringData: { [TOKEN_SECRET_KEY]: pulumi.secret(token) },
      },
      { parent: this, provider: args.k8sProvider },
    );

    this.tunnelId = tunnel.id;
    this.tunnelCname = tunnelCname;
    this.tokenSecretName = tokenSecret.metadata.name;
    this.registerOutputs({
      tunnelId: this.tunnelId,
      tunnelCname: this.tunnelCname,
      tokenSecretName: this.tokenSecretName,
    });
  }
}
