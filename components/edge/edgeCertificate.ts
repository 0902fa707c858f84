/**
 * The edge certificate of the proxied platform hostnames (`<name>.<baseDomain>`). Cloudflare's
 * Universal certificate covers the zone apex and one level below it only, so when `baseDomain` is
 * the zone itself nothing is needed; when it lies deeper (staging: `staging.<zone>`), the
 * hostnames get no edge certificate unless an Advanced certificate covers `*.<baseDomain>`.
 */
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface EdgeCertificateArgs {
  baseDomain: string;
  /** The Cloudflare zone's name (apex) and id. */
  zoneName: string;
  zoneId: string;
  provider: cloudflare.Provider;
}

/**
 * The hosts an Advanced certificate must list to cover every `<name>.<baseDomain>`; none when
 * Universal does. `resource` is the component the hosts are for, which an error names.
 */
export function advancedCertificateHosts(
  baseDomain: string,
  zoneName: string,
  resource?: pulumi.Resource,
): string[] {
  if (baseDomain === zoneName) return [];
  if (!baseDomain.endsWith(`.${zoneName}`))
    throw new pulumi.ResourceError(
      `prism:baseDomain is "${baseDomain}", outside the zone prism:cloudflare.zoneName "${zoneName}"; allowed: the zone or a name under it`,
      resource,
    );
  // The API requires the zone apex on every Advanced certificate.
  return [zoneName, baseDomain, `*.${baseDomain}`];
}

export class EdgeCertificate extends pulumi.ComponentResource {
  /** The hosts of the Advanced certificate; empty when the Universal certificate covers them. */
  readonly hosts: string[];

  constructor(name: string, args: EdgeCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:edge:EdgeCertificate", name, {}, opts);
    this.hosts = advancedCertificateHosts(args.baseDomain, args.zoneName, this);
    if (this.hosts.length > 0) {
      new cloudflare.CertificatePack(
        name,
        {
          zoneId: args.zoneId,
          type: "advanced",
          hosts: this.hosts,
          // TXT validation works before any hostname serves traffic; Google Trust Services
          // accepts wildcards; 90 days, renewed by Cloudflare.
          validationMethod: "txt",
          certificateAuthority: "google",
          validityDays: 90,
          cloudflareBranding: false,
        },
        { parent: this, provider: args.provider },
      );
    }
    this.registerOutputs({ hosts: this.hosts });
  }
}
