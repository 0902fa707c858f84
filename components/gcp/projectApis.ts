/**
 * The Google APIs a component uses, enabled by that component in its project, so it works on a
 * fresh project and no component relies on another having run first. Enabling is idempotent, and
 * an API is never disabled on destroy: other stacks or people may use it.
 */
import * as projects from "@pulumi/gcp/projects";
import type { Provider as GcpProvider } from "@pulumi/gcp/provider";
import * as pulumi from "@pulumi/pulumi";

/**
 * The API behind each kind of GCP resource (and invoke) the platform manages, from Google's API
 * reference: a resource of that type cannot be created before the API is enabled.
 */
export const GCP_API_OF: Record<string, string> = {
  compute: "compute.googleapis.com",
  kms: "cloudkms.googleapis.com",
  serviceaccount: "iam.googleapis.com",
  // Workload identity pools and providers.
  iam: "iam.googleapis.com",
  "projects/iAMCustomRole": "iam.googleapis.com",
  // Project IAM bindings and the project lookup (its number) go through Resource Manager.
  "projects/iAMMember": "cloudresourcemanager.googleapis.com",
  organizations: "cloudresourcemanager.googleapis.com",
  orgpolicy: "orgpolicy.googleapis.com",
};

/** The API a GCP resource type (`gcp:<module>/<name>:<Name>`) needs; undefined for projects.Service itself. */
export function gcpApiOf(type: string): string | undefined {
  const token = type.replace(/^gcp:/, "").split(":")[0];
  return GCP_API_OF[token] ?? GCP_API_OF[token.split("/")[0]];
}

/** Enables `services` in `project`; everything that uses one of them must depend on the result. */
export function enableGcpApis(
  name: string,
  project: string,
  services: readonly string[],
  /** The provider of `project`'s resources; the default provider when they use it. */
  opts: { parent: pulumi.Resource; provider?: GcpProvider },
): projects.Service[] {
  return [...new Set(services)]
    .sort()
    .map(
      (service) =>
        new projects.Service(
          `${name}-${service.split(".")[0]}`,
          { project, service, disableOnDestroy: false, disableDependentServices: false },
          opts,
        ),
    );
}
