import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as kms from "@pulumi/gcp/kms";
import * as serviceaccount from "@pulumi/gcp/serviceaccount";
import { Provider as GcpProvider } from "@pulumi/gcp/provider";
import {
  GCP_TOKEN_DIR,
  KMS_CREDENTIALS_FILE,
  KMS_CREDENTIALS_SECRET,
  OPENBAO_SERVICE_ACCOUNT,
  userconfigFile,
} from "./openbaoNames";
import { enableGcpApis } from "../gcp/projectApis";
import {
  FEDERATION_APIS,
  GCP_TOKEN_AUDIENCE,
  GCP_TOKEN_FILE,
  type GcpWorkloadIdentity,
} from "../gcp/workloadIdentity";
import { workloadCredentialsFile } from "../gcp/workloadCredentials";
import { keepStateful } from "../safety/stateful";
import type { CredentialRotationOptions } from "../safety/credentialRotation";

export interface OpenBaoUnsealKeyArgs {
  /** Key ring and service account names carry the stack, so two stacks can share a project. */
  stack: string;
  /**
   * Pulumi refuses to delete the key ring and key, and GCP keeps them should they leave the
   * program: losing the key loses every sealed secret.
   */
  protect: boolean;
  /** config.pki.openbao.autoUnseal */
  gcpProject: string;
  location: string;
  /** HSM-backed, or a software key (a fraction of the cost, the same behaviour). */
  protectionLevel: "HSM" | "SOFTWARE";
  /** Days a destroyed key version stays recoverable before Cloud KMS erases it. */
  destroyScheduledDays: number;
  /** Namespace the credentials Secret goes into: namespaces.name("openbao"). */
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
  /** Keyless (federation with the cluster's token issuer) or a service-account key. */
  gcpIdentity: GcpWorkloadIdentity;
}

/** 90 days: Cloud KMS keeps every version, so OpenBao still decrypts what older versions sealed. */
const ROTATION_PERIOD = "7776000s";

/**
 * The key OpenBao auto-unseals with, in Google Cloud KMS.
 *
 * Why Cloud KMS: both stacks already run GCP confidential capacity, so the project, billing and
 * operators' access exist; Cloud KMS offers HSM protection (a stack chooses it); and `gcpckms` is a
 * first-class OpenBao seal, no plugin. The key never leaves KMS: OpenBao sends its root key to be
 * wrapped and unwrapped, as a dedicated service account allowed to do exactly that on this one key.
 * Keyless, the servers act as that account through workload identity federation: the Secret holds
 * the external_account configuration, which reads the servers' projected token (`tokenAudience`).
 * With keys allowed, the account's JSON key reaches the pods in the same Secret and stays a Pulumi
 * secret throughout.
 */
export class OpenBaoUnsealKey extends pulumi.ComponentResource {
  /** The `seal "gcpckms"` stanza of the server configuration. */
  readonly sealConfig: pulumi.Output<string>;
  /** Name of the Secret holding the service account's credentials file. */
  readonly credentialsSecretName: pulumi.Output<string>;
  /** The CryptoKey's id (projects/…/cryptoKeys/…). */
  readonly cryptoKeyId: pulumi.Output<string>;
  /** Keyless: the audience of the token the servers must mount at GCP_TOKEN_DIR; undefined with a key. */
  readonly tokenAudience?: string;

  constructor(name: string, args: OpenBaoUnsealKeyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:pki:OpenBaoUnsealKey", name, {}, opts);
    const { gcpProject: project, location, stack } = args;
    const keep = keepStateful(args.protect);

    // An explicit provider: this project and region, never whatever the ambient gcloud config says.
    const gcp = new GcpProvider(
      `${name}-gcp`,
      { project, region: location, defaultLabels: { "managed-by": "pulumi", "prism-stack": stack } },
      { parent: this },
    );
    const gcpOpts = { parent: this, provider: gcp };

    const keyless = args.gcpIdentity.mode === "keyless";
    const apis = enableGcpApis(
      name,
      project,
      ["cloudkms.googleapis.com", "iam.googleapis.com", ...(keyless ? FEDERATION_APIS : [])],
      gcpOpts,
    );

    // Key rings and keys cannot be deleted in GCP, and losing the key loses every sealed secret:
    // both are protected where the stack protects its state.
    const keyRing = new kms.KeyRing(
      `${name}-ring`,
      { project, location, name: `prism-${stack}-openbao` },
      { ...gcpOpts, dependsOn: apis, ...keep },
    );
    const key = new kms.CryptoKey(
      `${name}-key`,
      {
        keyRing: keyRing.id,
        name: "openbao-unseal",
        purpose: "ENCRYPT_DECRYPT",
        rotationPeriod: ROTATION_PERIOD,
        versionTemplate: {
          algorithm: "GOOGLE_SYMMETRIC_ENCRYPTION",
          protectionLevel: args.protectionLevel,
        },
        // A destroyed version cannot be recovered once this window has passed.
        destroyScheduledDuration: `${args.destroyScheduledDays * 86400}s`,
        labels: { app: "openbao", purpose: "auto-unseal" },
      },
      { ...gcpOpts, ...keep },
    );

    const account = new serviceaccount.Account(
      `${name}-sa`,
      {
        project,
        accountId: `openbao-unseal-${stack}`,
        displayName: `OpenBao auto-unseal (${stack})`,
        description: "Used only by the OpenBao servers to wrap and unwrap their root key with one KMS key.",
      },
      { ...gcpOpts, dependsOn: apis },
    );

    // IAM on the key itself, never on the project: the account can use this one key and no other.
    // The gcpckms seal also reads the key's metadata at start-up (cloudkms.cryptoKeys.get), which is
    // what roles/cloudkms.viewer adds.
    for (const [suffix, role] of [
      ["encrypter", "roles/cloudkms.cryptoKeyEncrypterDecrypter"],
      ["viewer", "roles/cloudkms.viewer"],
    ]) {
      new kms.CryptoKeyIAMMember(
        `${name}-${suffix}`,
        { cryptoKeyId: key.id, role, member: account.member },
        gcpOpts,
      );
    }

    // The credentials file (base64, as a Secret's `data` takes it): federation's configuration, or
    // a rotated key.
    const credentialsFile = workloadCredentialsFile(
      {
        identity: args.gcpIdentity,
        account,
        federationName: name,
        federation: {
          project,
          poolId: `prism-${stack}-openbao`,
          displayName: `OpenBao (${stack})`,
          namespace: args.namespace,
          serviceAccount: OPENBAO_SERVICE_ACCOUNT,
        },
        tokenPath: `${GCP_TOKEN_DIR}/${GCP_TOKEN_FILE}`,
        keyName: `${name}-sa-key`,
        credentialRotation: args.credentialRotation,
        encoding: "base64",
      },
      { ...gcpOpts, dependsOn: apis },
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: {
          name: KMS_CREDENTIALS_SECRET,
          namespace: args.namespace,
          labels: { "app.kubernetes.io/part-of": "openbao" },
        },
        type: "Opaque",
        data: { [KMS_CREDENTIALS_FILE]: credentialsFile },
      },
      { parent: this, provider: args.provider },
    );

    // `credentials` in the stanza rather than GOOGLE_APPLICATION_CREDENTIALS in the environment: same
    // effect, and the file path sits next to the key it unlocks.
    this.sealConfig = pulumi.interpolate`seal "gcpckms" {
  credentials = "${userconfigFile(KMS_CREDENTIALS_SECRET, KMS_CREDENTIALS_FILE)}"
  project     = "${project}"
  region      = "${location}"
  key_ring    = "${keyRing.name}"
  crypto_key  = "${key.name}"
}`;
    this.credentialsSecretName = secret.metadata.name;
    this.cryptoKeyId = key.id;
    if (keyless) this.tokenAudience = GCP_TOKEN_AUDIENCE;
    this.registerOutputs({ cryptoKeyId: this.cryptoKeyId });
  }
}
