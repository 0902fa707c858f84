import * as digitalocean from "@pulumi/digitalocean";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { z } from "zod";
import { CNPG_OPERATOR_LABELS } from "../data/cnpgOperator";
import { publicHttpsEgress } from "../data/dataNetwork";
import { kubernetesApiEgress, namespacePeer, tcp, type ClusterNetwork } from "../kubernetes/networkPolicy";
import { BACKUP_KEY_FIELDS, postgresDestinationPath, spacesEndpointUrl } from "../data/postgres";
import { CNPG_LABELS, CNPG_PORTS } from "../data/postgresCluster";
import { rotationSchedule, type CredentialRotationOptions } from "../safety/credentialRotation";
import {
  DRILL_BACKUP_READER_SECRET,
  DRILL_MODIFIERS_CONFIGMAP,
  DRILL_MODIFIERS_KEY,
  DRILL_SERVICE_ACCOUNT,
  DRILL_SOURCE_NAMESPACE,
  drillDatabases,
  drillResourceModifiers,
  type DrillFacts,
} from "./restoreDrill";

export interface RestoreDrillAccessArgs {
  stack: string;
  provider: k8s.Provider;
  doProvider: digitalocean.Provider;
  /** namespaces.name("restore-drill") */
  namespace: pulumi.Output<string>;
  /** namespaces.name("velero") */
  veleroNamespace: pulumi.Output<string>;
  /** The PostgreSQL backup bucket and its regional endpoint host. */
  postgresBucket: pulumi.Output<string>;
  postgresBucketEndpoint: pulumi.Output<string>;
  /** The operand image of the source clusters, so the copy reads their data directory format. */
  imageName: string;
  storageGiB: number;
  clusterNetwork: ClusterNetwork;
  /** The cluster's kubeconfig: the drill's takes its server and CA, never its credentials. */
  clusterKubeconfig: pulumi.Output<string>;
  /** How often the generated credentials here are replaced (config.credentialRotation). */
  credentialRotation: CredentialRotationOptions;
}

const labels = { "app.kubernetes.io/part-of": "prism", "app.kubernetes.io/name": "restore-drill" };

/**
 * What the scheduled restore drill (.github/workflows/restore-drill.yml, tools/drill) needs in the
 * cluster, and nothing more: a ServiceAccount that may restore Velero backups and act inside the
 * `restore-drill` namespace only; a read-only Spaces key on the PostgreSQL bucket, so a scratch
 * cluster can recover but can never write to the archive; the Velero resource modifiers of a drill
 * restore; and the NetworkPolicies that let the scratch clusters work under the namespace's
 * default deny. Inside its namespace the drill may read what it restores, Secrets included: it
 * reads the restored data anyway, which is the point of a drill.
 */
export class RestoreDrillAccess extends pulumi.ComponentResource {
  /** A kubeconfig for the drill's ServiceAccount (a Pulumi secret). */
  readonly kubeconfig: pulumi.Output<string>;
  readonly facts: pulumi.Output<DrillFacts>;

  constructor(name: string, args: RestoreDrillAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("prism:backup:RestoreDrillAccess", name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const ns = args.namespace;

    // A Spaces key has no keepers: the schedule replaces it through the replacementTrigger option.
    const keyRotation = rotationSchedule(`${name}-backup-reader`, args.credentialRotation, this);
    const key = new digitalocean.SpacesKey(
      `${name}-backup-reader`,
      {
        name: `prism-${args.stack}-restore-drill`,
        grants: [{ bucket: args.postgresBucket, permission: "read" }],
      },
      {
        parent: this,
        provider: args.doProvider,
        ...keyRotation.options,
        replacementTrigger: keyRotation.trigger,
      },
    );
    new k8s.core.v1.Secret(
      `${name}-backup-reader`,
      {
        metadata: { name: DRILL_BACKUP_READER_SECRET, namespace: ns, labels },
        type: "Opaque",
        stringData: {
          [BACKUP_KEY_FIELDS.accessKeyId]: pulumi.secret(key.accessKey),
          [BACKUP_KEY_FIELDS.secretAccessKey]: pulumi.secret(key.secretKey),
        },
      },
      k8sOpts,
    );

    new k8s.core.v1.ConfigMap(
      `${name}-modifiers`,
      {
        metadata: { name: DRILL_MODIFIERS_CONFIGMAP, namespace: args.veleroNamespace, labels },
        data: { [DRILL_MODIFIERS_KEY]: drillResourceModifiers() },
      },
      k8sOpts,
    );

    // Scratch clusters (and clusters restored by Velero): the operator reaches their status and SQL
    // ports; they reach the API and Spaces (recovery reads the archive over HTTPS).
    const clusterPods = {
      matchExpressions: [
        { key: CNPG_LABELS.cluster, operator: "Exists" },
        { key: CNPG_LABELS.pooler, operator: "DoesNotExist" },
      ],
    };
    new k8s.networking.v1.NetworkPolicy(
      `${name}-postgres`,
      {
        metadata: { name: "restore-drill-postgres", namespace: ns, labels },
        spec: {
          podSelector: clusterPods,
          policyTypes: ["Ingress", "Egress"],
          ingress: [
            {
              from: [{ ...namespacePeer("cnpg-system"), podSelector: { matchLabels: CNPG_OPERATOR_LABELS } }],
              ports: tcp(CNPG_PORTS.status, CNPG_PORTS.postgres),
            },
          ],
          egress: [kubernetesApiEgress(args.clusterNetwork), publicHttpsEgress],
        },
      },
      k8sOpts,
    );

    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      {
        metadata: { name: DRILL_SERVICE_ACCOUNT, namespace: ns, labels },
        automountServiceAccountToken: false,
      },
      k8sOpts,
    );
    const subject = { kind: "ServiceAccount", name: DRILL_SERVICE_ACCOUNT, namespace: ns };
    const bind = (
      suffix: string,
      namespace: pulumi.Output<string>,
      rules: k8s.types.input.rbac.v1.PolicyRule[],
    ) => {
      const role = new k8s.rbac.v1.Role(
        `${name}-${suffix}`,
        { metadata: { name: DRILL_SERVICE_ACCOUNT, namespace, labels }, rules },
        k8sOpts,
      );
      new k8s.rbac.v1.RoleBinding(
        `${name}-${suffix}`,
        {
          metadata: { name: DRILL_SERVICE_ACCOUNT, namespace, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
          subjects: [subject],
        },
        k8sOpts,
      );
    };
    const read = ["get", "list", "watch"];
    // In velero: read backups, create and delete restores (and read their details and logs).
    bind("velero", args.veleroNamespace, [
      { apiGroups: ["velero.io"], resources: ["backups", "podvolumerestores", "datadownloads"], verbs: read },
      {
        apiGroups: ["velero.io"],
        resources: ["restores", "downloadrequests"],
        verbs: [...read, "create", "delete"],
      },
    ]);
    // In restore-drill: see and delete anything (the cleanup deletes every kind a restore brought),
    // create scratch clusters, and run the SQL checks in their pods.
    bind("scratch", ns, [
      { apiGroups: ["*"], resources: ["*"], verbs: [...read, "delete", "deletecollection"] },
      { apiGroups: ["postgresql.cnpg.io"], resources: ["clusters"], verbs: ["create", "patch"] },
      { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] },
    ]);

    // A long-lived token for the drill alone; the cluster's own kubeconfig (admin) never leaves
    // Pulumi. The token controller fills `data.token` right after the Secret is created.
    const token = new k8s.core.v1.Secret(
      `${name}-token`,
      {
        metadata: {
          name: `${DRILL_SERVICE_ACCOUNT}-token`,
          namespace: ns,
          labels,
          annotations: { "kubernetes.io/service-account.name": DRILL_SERVICE_ACCOUNT },
        },
        type: "kubernetes.io/service-account-token",
      },
      { ...k8sOpts, dependsOn: [account] },
    );
    this.kubeconfig = pulumi.secret(
      pulumi
        .all([args.clusterKubeconfig, token.data, ns])
        .apply(([admin, data, namespace]) => drillKubeconfig(admin, data?.token, namespace, this)),
    );

    this.facts = pulumi
      .all([ns, args.veleroNamespace, args.postgresBucket, args.postgresBucketEndpoint])
      .apply(([namespace, veleroNamespace, bucket, endpoint]) => ({
        namespace,
        veleroNamespace,
        sourceNamespace: DRILL_SOURCE_NAMESPACE,
        modifiersConfigMap: DRILL_MODIFIERS_CONFIGMAP,
        postgres: {
          destinationPath: postgresDestinationPath(bucket),
          endpointURL: spacesEndpointUrl(endpoint),
          imageName: args.imageName,
          storageGiB: args.storageGiB,
          credentialsSecret: DRILL_BACKUP_READER_SECRET,
          databases: drillDatabases(),
        },
      }));
    this.registerOutputs({ facts: this.facts });
  }
}

const AdminKubeconfig = z.object({
  clusters: z
    .array(
      z.object({
        cluster: z.object({ server: z.string().min(1), "certificate-authority-data": z.string().min(1) }),
      }),
    )
    .min(1),
});

/**
 * The drill's kubeconfig: the API server and CA of the cluster's kubeconfig, the ServiceAccount's
 * token (base64 in the Secret's data), and the drill namespace as the default.
 */
export function drillKubeconfig(
  admin: string,
  tokenBase64: string | undefined,
  namespace: string,
  /** The component the kubeconfig is for, which an error names. */
  resource?: pulumi.Resource,
): string {
  const parsed = AdminKubeconfig.safeParse(parseYaml(admin));
  if (!parsed.success)
    throw new pulumi.ResourceError(
      "the cluster's kubeconfig has no server or certificate-authority-data",
      resource,
    );
  const { server, "certificate-authority-data": ca } = parsed.data.clusters[0].cluster;
  const token = tokenBase64 ? Buffer.from(tokenBase64, "base64").toString("utf8") : "";
  return toYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "prism", cluster: { server, "certificate-authority-data": ca } }],
    users: [{ name: DRILL_SERVICE_ACCOUNT, user: { token } }],
    contexts: [
      { name: "restore-drill", context: { cluster: "prism", user: DRILL_SERVICE_ACCOUNT, namespace } },
    ],
    "current-context": "restore-drill",
  });
}
