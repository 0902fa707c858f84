/**
 * What every confidential-VM landing zone (Azure TDX, GCP SEV-SNP, AWS SEV-SNP) shares: the interface
 * ConfidentialCapacity composes, the cloud-init that boots the Cocos manager in a CVM, and the
 * naming and firewall facts the three clouds agree on.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { AGENTS_PORT } from "../../policies/facts/platform";
import type { CredentialRotationOptions } from "../safety/credentialRotation";

export type CloudName = "azure" | "gcp" | "aws";

/**
 * The only egress a CVM needs: HTTPS (attestation services, AMD KDS / Intel Trust Authority, the
 * Cocos release download) and Prism's agent endpoint. DNS and the instance metadata service are
 * platform addresses each cloud reaches outside the firewall (Azure: allowed explicitly).
 */
export const CVM_EGRESS_TCP_PORTS = [443, AGENTS_PORT] as const;

/**
 * The Cocos release the CVMs run. Versions belong in components/helm/catalog.ts (to be moved there).
 * The binary that runs inside the CVM and dials Prism is published by Cocos as `cocos-agent`.
 */
export const COCOS_MANAGER = {
  repository: "https://github.com/ultravioletrs/cocos",
  version: "v0.10.0",
  asset: "cocos-agent",
} as const;

/** Backends' Kubernetes service account (the service chart names it after the service). */
export const BACKENDS_SERVICE_ACCOUNT = "backends";

/** The file in `backends-<cloud>-credentials` a cloud's client library reads. */
export const BACKENDS_CREDENTIALS_FILE = "credentials.json";

/** Where the service chart mounts Backends' connection Secrets and tokens, each in its own directory. */
const BACKENDS_MOUNT_ROOT = "/var/run/secrets/prism";

/** The service chart's mount of `backends-<cloud>-credentials`… */
export function backendsCredentialsMount(cloud: CloudName): string {
  return `${cloud}-credentials`;
}

/** …and the path of the file in it a cloud's client library reads. */
export function backendsCredentialsPath(cloud: CloudName): string {
  return `${BACKENDS_MOUNT_ROOT}/${backendsCredentialsMount(cloud)}/${BACKENDS_CREDENTIALS_FILE}`;
}

/** The service chart's mount of a cloud's projected token for Backends (keyless identity)… */
export function backendsTokenMount(cloud: CloudName): string {
  return `${cloud}-token`;
}

/** …and the directory it is mounted at. */
export function backendsTokenDir(cloud: CloudName): string {
  return `${BACKENDS_MOUNT_ROOT}/${backendsTokenMount(cloud)}`;
}

/** Arguments every landing zone takes: the cloud's own config section plus the shared facts. */
export interface LandingZoneArgs<C> {
  /** Physical names carry the stack name. */
  stack: string;
  /**
   * Pulumi refuses to delete the zone's stateful resources (keys, vaults: deleting them would lock
   * the CVMs' disks away), and the cloud keeps them should they leave the program.
   */
  protect: boolean;
  /** This cloud's section of `prism:confidential` (enabled). */
  config: C;
  /** `agents.<baseDomain>:7018`. */
  agentsEndpoint: string;
  /**
   * The OpenBao chain (PEM) the Cocos manager trusts for Prism's 7018 endpoint; undefined until the
   * PKI is configured, and then no warm pool is created (the template still fails closed).
   */
  openbaoCa?: pulumi.Input<string>;
  /** How often Backends' cloud credential is replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** Backends' namespace (`prism`): its service account's, for keyless identity. */
  backendsNamespace: pulumi.Input<string>;
}

/** What ConfidentialCapacity needs from each cloud's landing zone. */
export interface LandingZone {
  readonly cloud: CloudName;
  /**
   * The stable public egress range of the CVM network: the /32 of its one NAT address. One Output
   * per zone, so that a list of them has a known length before any address is allocated.
   */
  readonly egressRange: pulumi.Output<string>;
  /** Non-secret settings Backends launches CVMs with (ConfigMap `backends-<cloud>`). */
  readonly backendsSettings: pulumi.Output<Record<string, string>>;
  /** Backends' credential for this landing zone only; a Pulumi secret (Secret `backends-<cloud>-credentials`). */
  readonly backendsCredentials: pulumi.Output<Record<string, string>>;
}

/** Base name of a landing zone's physical resources, e.g. `prism-production-cvm`. */
export function zoneName(stack: string): string {
  return `prism-${stack}-cvm`;
}

/** Warm-pool CVM names; Backends' permissions cover the same prefix, so it can claim them. */
export function warmPoolNames(stack: string, size: number): string[] {
  return Array.from({ length: size }, (_, i) => `${zoneName(stack)}-${i}`);
}

/**
 * The warm-pool CVMs to create now: none until the OpenBao chain exists. cloud-init runs on the
 * first boot only, so a VM booted without the CA would bill and never start its manager; the pool
 * appears on the first run after the PKI is configured. Each landing zone also replaces a warm VM
 * whenever its boot configuration changes (a rotated chain, a new manager release), for the same
 * reason: an in-place user-data change is never seen by a VM that has already booted.
 */
export function warmPoolToCreate(
  stack: string,
  size: number,
  openbaoCa: pulumi.Input<string> | undefined,
): string[] {
  return openbaoCa === undefined ? [] : warmPoolNames(stack, size);
}

/** Labels/tags every landing-zone resource carries (valid as GCP labels and Azure/AWS tags). */
export function zoneLabels(stack: string, cloud: CloudName): Record<string, string> {
  return {
    "prism-stack": stack,
    "prism-landing-zone": `${zoneName(stack)}-${cloud}`,
    "managed-by": "pulumi",
  };
}

/** Where cloud-init puts the manager's files inside the CVM. */
const PATHS = {
  binary: `/usr/local/bin/${COCOS_MANAGER.asset}`,
  environment: "/etc/cocos/environment",
  ca: "/etc/cocos/certs/ca.pem",
  unit: "/etc/systemd/system/cocos-manager.service",
} as const;

/**
 * cloud-init (`#cloud-config`) that installs the Cocos manager and starts it against Prism's 7018
 * endpoint, trusting only the OpenBao CA. SSH is switched off: a CVM is reached through Prism, never
 * interactively. Without the CA the unit's start condition is never met, so no unverified connection
 * is ever made.
 */
export function renderCloudInit(endpoint: string, openbaoCa?: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.output(openbaoCa).apply((ca) => {
    const url = `${COCOS_MANAGER.repository}/releases/download/${COCOS_MANAGER.version}/${COCOS_MANAGER.asset}`;
    const environment = [
      `AGENT_CVM_GRPC_URL=${endpoint}`,
      `AGENT_CVM_GRPC_SERVER_CA_CERTS=${PATHS.ca}`,
      "AGENT_CVM_GRPC_TIMEOUT=60s",
      "AGENT_LOG_LEVEL=info",
      "",
    ].join("\n");
    const unit = [
      "[Unit]",
      "Description=Cocos manager (dials Prism over attested mTLS)",
      "After=network-online.target",
      "Wants=network-online.target",
      `ConditionPathExists=${PATHS.ca}`,
      "",
      "[Service]",
      `EnvironmentFile=${PATHS.environment}`,
      `ExecStart=${PATHS.binary}`,
      "Restart=always",
      "RestartSec=5",
      "",
      "[Install]",
      "WantedBy=multi-user.target",
      "",
    ].join("\n");
    const files = [
      { path: PATHS.environment, permissions: "0644", content: environment },
      { path: PATHS.unit, permissions: "0644", content: unit },
      ...(ca ? [{ path: PATHS.ca, permissions: "0644", content: ca.endsWith("\n") ? ca : `${ca}\n` }] : []),
    ];
    const document = {
      package_update: false,
      ssh_pwauth: false,
      disable_root: true,
      write_files: files,
      runcmd: [
        "for unit in ssh.socket ssh.service sshd.service; do systemctl disable --now $unit || true; done",
        `curl -fsSL --proto =https --retry 5 -o ${PATHS.binary} ${url}`,
        `chmod 0755 ${PATHS.binary}`,
        "systemctl daemon-reload",
        "systemctl enable --now cocos-manager.service",
      ],
    };
    return `#cloud-config\n${stringify(document, { lineWidth: 0 })}`;
  });
}

/**
 * An SSH public key nobody holds the private half of (derived from a hash, not generated), for the
 * clouds whose API insists on one when password login is disabled. SSH is switched off anyway.
 */
export function unusableSshPublicKey(seed: string): string {
  const type = Buffer.from("ssh-ed25519");
  const key = createHash("sha256").update(`prism-no-login:${seed}`).digest();
  const length = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const blob = Buffer.concat([length(type.length), type, length(key.length), key]);
  return `ssh-ed25519 ${blob.toString("base64")} no-login@${seed}`;
}
