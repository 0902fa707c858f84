/**
 * The GitHub Environments the workflows run in, per stack, and what each may do. The workflows
 * (deploy.yml, pr-preview.yml, drift.yml) and the cloud-side trust are built from this one list.
 */
export type CiAccess = "write" | "read";

export interface CiEnvironment {
  /** The GitHub Environment's name. */
  name: string;
  stack: string;
  access: CiAccess;
  /** Why it exists and what protects it (for the README and the resource descriptions). */
  purpose: string;
}

export function ciEnvironments(stack: string): CiEnvironment[] {
  return [
    { name: stack, stack, access: "write", purpose: `pulumi up of ${stack} (deploy.yml)` },
    {
      name: `preview-${stack}`,
      stack,
      access: "read",
      purpose: `pulumi preview of ${stack} for same-repository pull requests (pr-preview.yml)`,
    },
    {
      name: `drift-${stack}`,
      stack,
      access: "read",
      purpose: `daily drift check of ${stack} from main (drift.yml)`,
    },
  ];
}

/** GitHub's OIDC token issuer, and the subject claim it gives a job bound to an environment. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";
export const oidcSubject = (repository: string, environment: string) =>
  `repo:${repository}:environment:${environment}`;
