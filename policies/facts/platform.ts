/** Where the confidential VMs' agents reach the platform: the one name and port they dial. */

/** The port Traefik exposes to the CVM agents (attested mTLS, TCP pass-through). */
export const AGENTS_PORT = 7018;

/** The one hostname every CVM dials; DNS serves exactly this name. */
export function agentsHostname(baseDomain: string): string {
  return `agents.${baseDomain}`;
}

/** The hostname:port the Cocos manager in a CVM dials. */
export function agentsEndpoint(baseDomain: string): string {
  return `${agentsHostname(baseDomain)}:${AGENTS_PORT}`;
}

/** The environments a stack can be; each stack's YAML names one. */
export const ENVIRONMENTS = ["staging", "production"] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
