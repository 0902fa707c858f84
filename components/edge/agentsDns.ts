/**
 * The DNS name the confidential VMs' Cocos managers dial: `agents.<baseDomain>`, an A record on
 * the 7018 load balancer's public address. Not proxied: Cloudflare's proxy terminates TLS and
 * carries HTTP(S) only, while the agents hold an attested mutual-TLS session end to end with
 * Backends (Traefik passes it through). The record is therefore DNS only, with a short TTL so a
 * re-created load balancer is picked up within minutes.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { agentsHostname } from "../../policies/facts/platform";

export interface AgentsDnsArgs {
  baseDomain: string;
  /** Cloudflare zone of `baseDomain`. */
  zoneId: string;
  /** Public IPv4 address of the 7018 load balancer (its Service status). */
  address: pulumi.Input<string>;
  /** The Cloudflare provider holding the stack's API token. */
  provider: cloudflare.Provider;
}

export class AgentsDns extends pulumi.ComponentResource {
  readonly hostname: string;

  constructor(name: string, args: AgentsDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:edge:AgentsDns", name, {}, opts);
    this.hostname = agentsHostname(args.baseDomain);
    const address = pulumi.output(args.address).apply((ip) => {
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip ?? "")) {
        throw new pulumi.ResourceError(
          `the 7018 load balancer has no IPv4 address yet (got ${JSON.stringify(ip)}); ${this.hostname} cannot be published`,
          this,
        );
      }
      return ip;
    });
    new cloudflare.DnsRecord(
      name,
      {
        zoneId: args.zoneId,
        name: this.hostname,
        type: "A",
        content: address,
        proxied: false,
        ttl: 300,
        comment: "Prism CVM agents (attested mTLS on 7018): DNS only, never proxied",
      },
      { parent: this, provider: args.provider },
    );
    this.registerOutputs({ hostname: this.hostname });
  }
}
