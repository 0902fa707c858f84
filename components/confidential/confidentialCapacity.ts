/**
 * Confidential-VM capacity: the landing zone of every cloud the stack enables, the settings and
 * credentials Backends launches CVMs with (in its namespace), and the union of the landing zones'
 * egress ranges, which the edge layer turns into the 7018 load balancer's allow-list.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AwsSevSnpLandingZone, type AwsSevSnpOptions } from "./awsSevSnp";
import { AzureTdxLandingZone, type AzureTdxOptions } from "./azureTdx";
import { GcpSevSnpLandingZone, type GcpSevSnpOptions } from "./gcpSevSnp";
import { agentsEndpoint } from "../../policies/facts/platform";
import type { LandingZone } from "./landingZone";
import type { CredentialRotationOptions } from "../safety/credentialRotation";
import type { GcpWorkloadIdentity } from "../gcp/workloadIdentity";

/** A cloud's landing zone, off, or on with that cloud's options. */
export type CloudOptions<T> = { enabled: false } | ({ enabled: true } & T);

/** Which clouds the stack launches CVMs in, and each enabled cloud's landing zone. */
export interface ConfidentialCapacityOptions {
  azure: CloudOptions<AzureTdxOptions>;
  gcp: CloudOptions<GcpSevSnpOptions>;
  aws: CloudOptions<AwsSevSnpOptions>;
}

export interface ConfidentialCapacityArgs {
  stack: string;
  /** Whether each landing zone's keys and vaults are protected and kept (LandingZoneArgs.protect). */
  protect: boolean;
  /** The agents dial `agents.<baseDomain>:7018`. */
  baseDomain: string;
  config: ConfidentialCapacityOptions;
  /** The cluster's Kubernetes provider. */
  provider: k8s.Provider;
  /** Backends' namespace (`prism`), as an Output that depends on the namespace existing. */
  namespace: pulumi.Output<string>;
  /** The OpenBao CA (PEM) the CVMs trust; see LandingZoneArgs.openbaoCa. */
  openbaoCa?: pulumi.Input<string>;
  /** How often Backends' cloud credentials are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** How Backends authenticates to GCP: keyless (the cluster's tokens, federated) or a key. */
  gcpIdentity: GcpWorkloadIdentity;
}

export class ConfidentialCapacity extends pulumi.ComponentResource {
  /** Sorted, de-duplicated egress CIDRs of every enabled landing zone; empty when none is enabled. */
  readonly egressRanges: pulumi.Output<string[]>;
  /**
   * The same ranges one Output each, in zone order: a list whose length is known on a first
   * preview, before the NAT addresses exist (what a load balancer's source ranges are built from).
   */
  readonly egressRangeList: pulumi.Output<string>[];

  constructor(name: string, args: ConfidentialCapacityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:confidential:ConfidentialCapacity", name, {}, opts);
    const { config } = args;
    const shared = {
      stack: args.stack,
      protect: args.protect,
      agentsEndpoint: agentsEndpoint(args.baseDomain),
      openbaoCa: args.openbaoCa,
      credentialRotation: args.credentialRotation,
      backendsNamespace: args.namespace,
    };

    const zones: LandingZone[] = [];
    if (config.azure.enabled) {
      zones.push(
        new AzureTdxLandingZone(`${name}-azure`, { ...shared, config: config.azure }, { parent: this }),
      );
    }
    if (config.gcp.enabled) {
      zones.push(
        new GcpSevSnpLandingZone(
          `${name}-gcp`,
          { ...shared, config: config.gcp, gcpIdentity: args.gcpIdentity },
          { parent: this },
        ),
      );
    }
    if (config.aws.enabled) {
      zones.push(
        new AwsSevSnpLandingZone(`${name}-aws`, { ...shared, config: config.aws }, { parent: this }),
      );
    }

    const k8sOpts = { parent: this, provider: args.provider };
    for (const zone of zones) {
      const labels = {
        "app.kubernetes.io/part-of": "prism",
        "app.kubernetes.io/component": "backends",
        "prism.io/cloud": zone.cloud,
      };
      new k8s.core.v1.ConfigMap(
        `backends-${zone.cloud}`,
        {
          metadata: { name: `backends-${zone.cloud}`, namespace: args.namespace, labels },
          data: zone.backendsSettings,
        },
        k8sOpts,
      );
      new k8s.core.v1.Secret(
        `backends-${zone.cloud}-credentials`,
        {
          metadata: { name: `backends-${zone.cloud}-credentials`, namespace: args.namespace, labels },
          type: "Opaque",
          // Already a Pulumi secret; wrapped again so no refactoring upstream can make it plaintext.
          stringData: pulumi.secret(zone.backendsCredentials),
        },
        k8sOpts,
      );
    }

    this.egressRangeList = zones.map((z) => z.egressRange);
    this.egressRanges = pulumi.all(this.egressRangeList).apply((ranges) => [...new Set(ranges)].sort());
    this.registerOutputs({ egressRanges: this.egressRanges });
  }
}
