/**
 * Helm values for the pinned openbao chart (charts/vendor/openbao-*.tgz), as typed data checked against
 * upstream in the tests. The server configuration is HCL the chart renders through `tpl` and the
 * container's start script edits with sed (HOST_IP, POD_IP, HOSTNAME, API_ADDR, …), so it contains
 * no `{{` and none of those words.
 */
import * as pulumi from "@pulumi/pulumi";
import type { HelmValues } from "../helm/helmRelease";
import { GCP_TOKEN_EXPIRATION_SECONDS, GCP_TOKEN_FILE } from "../gcp/workloadIdentity";
import {
  GCP_TOKEN_DIR,
  KMS_CREDENTIALS_SECRET,
  OPENBAO_API_PORT,
  OPENBAO_CLUSTER_PORT,
  OPENBAO_INTERNAL_SERVICE,
  OPENBAO_RELEASE,
  TLS_SECRET,
  userconfigFile,
} from "./openbaoNames";
import { tokenNeeded } from "../kubernetes/podSecurity";
import type { ContainerResources } from "../kubernetes/resources";

export interface OpenBaoValuesArgs {
  stack: string;
  replicas: number;
  storageGiB: number;
  /** The StorageClass of the data and audit volumes; DOKS's default when undefined. */
  storageClass?: string;
  /** Each server's requests and limits. */
  resources: ContainerResources;
  /** The `seal "gcpckms"` stanza. */
  sealConfig: pulumi.Input<string>;
  /** Keyless auto-unseal: the audience of the projected token mounted at GCP_TOKEN_DIR. */
  gcpTokenAudience?: string;
}

const CA_FILE = userconfigFile(TLS_SECRET, "ca.crt");
const DATA_PATH = "/openbao/data";
const AUDIT_PATH = "/openbao/audit";
/** 0440: readable by the openbao group (fsGroup) only. */
const SECRET_FILE_MODE = 0o440;

/** The server configuration: TLS listener, Raft with every peer to join, auto-unseal, audit. */
export function serverConfig(args: { stack: string; replicas: number; sealConfig: string }): string {
  const joins = Array.from(
    { length: args.replicas },
    (_, i) => `
  retry_join {
    leader_api_addr     = "https://${OPENBAO_RELEASE}-${i}.${OPENBAO_INTERNAL_SERVICE}:${OPENBAO_API_PORT}"
    leader_ca_cert_file = "${CA_FILE}"
  }`,
  ).join("");
  return `ui            = false
cluster_name  = "prism-${args.stack}"
# Raft storage: OpenBao recommends disable_mlock, and the container has no IPC_LOCK capability.
disable_mlock = true

listener "tcp" {
  address         = "[::]:${OPENBAO_API_PORT}"
  cluster_address = "[::]:${OPENBAO_CLUSTER_PORT}"
  tls_cert_file   = "${userconfigFile(TLS_SECRET, "tls.crt")}"
  tls_key_file    = "${userconfigFile(TLS_SECRET, "tls.key")}"
  tls_min_version = "tls12"
}

storage "raft" {
  path = "${DATA_PATH}"${joins}
}

service_registration "kubernetes" {}

${args.sealConfig}

# Two declarative audit devices: a request succeeds while at least one can log it. The file on its
# own volume is the durable record; stdout goes to the cluster's log pipeline.
audit "file" "file" {
  description = "Durable audit log on the audit volume"
  options {
    file_path = "${AUDIT_PATH}/audit.log"
  }
}

audit "file" "stdout" {
  description = "Audit log to the container log"
  options {
    file_path = "stdout"
  }
}
`;
}

const GCP_TOKEN_VOLUME = "gcp-token";

/** The servers' own token for GCP's STS: audience-bound, short-lived, rotated by the kubelet. */
function gcpTokenVolume(audience: string) {
  return {
    name: GCP_TOKEN_VOLUME,
    projected: {
      sources: [
        {
          serviceAccountToken: {
            audience,
            expirationSeconds: GCP_TOKEN_EXPIRATION_SECONDS,
            path: GCP_TOKEN_FILE,
          },
        },
      ],
    },
  };
}

export function openBaoValues(args: OpenBaoValuesArgs): HelmValues {
  const { replicas } = args;
  // The chart takes null for the cluster's default class.
  const storageClass = args.storageClass ?? null;
  const size = `${args.storageGiB}Gi`;
  return {
    global: { tlsDisable: false },
    // We do not use the agent injector or the CSI provider: am-certs talks to the API itself.
    injector: { enabled: false },
    csi: { enabled: false },
    // No UI Service; the API is reachable only in-cluster and through a port-forward.
    ui: { enabled: false },
    server: {
      annotations: tokenNeeded(
        "labels its pod active or standby (Kubernetes service registration) and reviews the tokens of the Kubernetes auth method",
      ),
      logLevel: "info",
      logFormat: "json",
      // OnDelete: an upgrade restarts standbys, then the leader, by hand (docs/openbao-bootstrap.md).
      // It also means Helm's --wait does not wait for the StatefulSet, so the first install (sealed,
      // uninitialised, so never ready) completes instead of timing out and rolling back.
      updateStrategyType: "OnDelete",
      resources: args.resources,
      // So `bao` run with `kubectl exec` verifies the listener (BAO_ADDR is https://127.0.0.1:8200).
      extraEnvironmentVars: { BAO_CACERT: CA_FILE },
      // Mounted read-only at /openbao/userconfig/<name>/.
      extraVolumes: [
        { type: "secret", name: TLS_SECRET, defaultMode: SECRET_FILE_MODE },
        { type: "secret", name: KMS_CREDENTIALS_SECRET, defaultMode: SECRET_FILE_MODE },
      ],
      // The start script copies the config to /tmp; everything else of the root filesystem is read-only.
      volumes: [
        { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
        ...(args.gcpTokenAudience ? [gcpTokenVolume(args.gcpTokenAudience)] : []),
      ],
      volumeMounts: [
        { name: "tmp", mountPath: "/tmp" },
        ...(args.gcpTokenAudience
          ? [{ name: GCP_TOKEN_VOLUME, mountPath: GCP_TOKEN_DIR, readOnly: true }]
          : []),
      ],
      readinessProbe: { enabled: true },
      // Alive while sealed or uninitialised: a restart would not help, and must not kill the pod
      // the operator is initialising.
      livenessProbe: {
        enabled: true,
        path: "/v1/sys/health?standbyok=true&sealedcode=204&uninitcode=204",
        port: OPENBAO_API_PORT,
        initialDelaySeconds: 60,
      },
      // The Raft data and audit PVCs come from the StatefulSet's volumeClaimTemplates, not from Helm
      // or Pulumi: protecting the release and retaining claims and volumes is what keeps them.
      dataStorage: { enabled: true, size, storageClass, mountPath: DATA_PATH },
      auditStorage: { enabled: true, size, storageClass, mountPath: AUDIT_PATH },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      // system:auth-delegator for the kubernetes auth method's TokenReview calls.
      authDelegator: { enabled: true },
      serviceAccount: { create: true, serviceDiscovery: { enabled: true } },
      // Our own policies (openbaoNetworkPolicies.ts) replace the chart's allow-all-namespaces one.
      networkPolicy: { enabled: false },
      standalone: { enabled: false },
      ha: {
        enabled: true,
        replicas,
        // A name the server certificate covers ($(BAO_K8S_POD_NAME) is set before this variable).
        apiAddr: `https://$(BAO_K8S_POD_NAME).${OPENBAO_INTERNAL_SERVICE}:${OPENBAO_API_PORT}`,
        raft: {
          enabled: true,
          setNodeId: true,
          config: pulumi
            .output(args.sealConfig)
            .apply((sealConfig) => serverConfig({ stack: args.stack, replicas, sealConfig })),
        },
        // With one replica a budget could only be maxUnavailable 0, which blocks every node drain
        // (upgrades, autoscaler) forever; a single-replica stack accepts the short outage instead.
        disruptionBudget: { enabled: replicas > 1, maxUnavailable: 1 },
      },
      // Pod Security Admission `restricted`, stated rather than left to the chart's partial defaults.
      statefulSet: {
        securityContext: {
          pod: {
            runAsNonRoot: true,
            runAsUser: 100,
            runAsGroup: 1000,
            fsGroup: 1000,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          container: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
          },
        },
      },
    },
  };
}
