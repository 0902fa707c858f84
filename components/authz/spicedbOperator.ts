/**
 * The SpiceDB operator from its release bundle (authzed ships no Helm chart), vendored in
 * charts/vendor and applied object by object from there. The bundle's objects are applied as they
 * are, except for what `hardenOperatorBundle` changes on the way: Pod Security labels on its
 * namespace, and the operator's pinned image, resources and token annotation.
 */
import * as k8s from "@pulumi/kubernetes";
import { VendoredManifests } from "../helm/vendoredManifests";
import { ALLOW_DNS_SPEC, DEFAULT_DENY_SPEC, namespacePeer, tcp } from "../kubernetes/networkPolicy";
import * as pulumi from "@pulumi/pulumi";
import { SA_TOKEN_ANNOTATION } from "../../policies/facts/kubernetes";
import { OPERATOR_METRICS_PORT, OPERATOR_NAMESPACE } from "./spicedbNames";

export interface SpiceDbOperatorArgs {
  /** The release tag, e.g. "v1.25.1": the operator image's tag (the vendored bundle is of the same tag). */
  version: string;
  /** ghcr.io/authzed/spicedb-operator */
  imageRepository: string;
  /** Kubernetes minor ("1.34") the Pod Security profile is pinned to. */
  kubernetesVersion: string;
  /** Egress to the Kubernetes API, for the operator's egress policy. */
  kubernetesApi: k8s.types.input.networking.v1.NetworkPolicyEgressRule;
  provider: k8s.Provider;
  parent: pulumi.Resource;
}

/** The operator's container resources; it caches SpiceDBClusters and what it generates for them. */
export const OPERATOR_RESOURCES = {
  requests: { cpu: "50m", memory: "128Mi" },
  limits: { cpu: "500m", memory: "512Mi" },
};

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/**
 * The transform applied to each object of the bundle. The bundle's Namespace has no Pod Security
 * labels (our namespaces enforce `restricted`; the operator's pod already complies), and its
 * Deployment sets no resources: both are added here. Everything else passes through unchanged.
 */
export function hardenOperatorBundle(
  args: Pick<SpiceDbOperatorArgs, "version" | "imageRepository" | "kubernetesVersion">,
) {
  const psa = `v${args.kubernetesVersion}`;
  return (t: pulumi.ResourceTransformArgs): pulumi.ResourceTransformResult | undefined => {
    const props: Obj = t.props;
    const metadata = obj(props.metadata);
    if (t.type === "kubernetes:core/v1:Namespace" && metadata.name === OPERATOR_NAMESPACE) {
      const labels = {
        ...obj(metadata.labels),
        "app.kubernetes.io/part-of": "prism",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": psa,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/warn-version": psa,
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/audit-version": psa,
      };
      return { props: { ...props, metadata: { ...metadata, labels } }, opts: t.opts };
    }
    if (t.type === "kubernetes:apps/v1:Deployment" && metadata.name === "spicedb-operator") {
      const spec = obj(props.spec);
      const template = obj(spec.template);
      const podSpec = obj(template.spec);
      const templateMeta = obj(template.metadata);
      const containers = Array.isArray(podSpec.containers) ? podSpec.containers.map(obj) : [];
      const hardened = containers.map((c) =>
        c.name === "spicedb-operator"
          ? { ...c, image: `${args.imageRepository}:${args.version}`, resources: OPERATOR_RESOURCES }
          : c,
      );
      const annotations = {
        ...obj(templateMeta.annotations),
        [SA_TOKEN_ANNOTATION]: "reconciles SpiceDBClusters through the Kubernetes API",
      };
      return {
        props: {
          ...props,
          spec: {
            ...spec,
            template: {
              ...template,
              metadata: { ...templateMeta, annotations },
              spec: { ...podSpec, containers: hardened },
            },
          },
        },
        opts: t.opts,
      };
    }
    return undefined;
  };
}

/**
 * Installs the pinned bundle (CRDs, RBAC, the operator's namespace and Deployment, its update
 * graph), then gives the bundle's namespace what every platform namespace has: default-deny, DNS,
 * and the operator's own allow rules (Kubernetes API out, metrics in from Prometheus).
 */
export function spiceDbOperator(name: string, args: SpiceDbOperatorArgs): VendoredManifests {
  const bundle = new VendoredManifests(
    name,
    { bundle: "spicedb-operator", transform: hardenOperatorBundle(args), provider: args.provider },
    { parent: args.parent },
  );
  const opts = { parent: args.parent, provider: args.provider, dependsOn: [bundle] };
  const policy = (suffix: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
    new k8s.networking.v1.NetworkPolicy(
      `${name}-${suffix}`,
      { metadata: { name: suffix, namespace: OPERATOR_NAMESPACE }, spec },
      opts,
    );

  // The platform's namespace baseline, for the namespace the bundle brings.
  policy("default-deny", DEFAULT_DENY_SPEC);
  policy("allow-dns", ALLOW_DNS_SPEC);
  policy("allow-kubernetes-api", {
    podSelector: {},
    policyTypes: ["Egress"],
    egress: [args.kubernetesApi],
  });
  policy("allow-metrics-from-monitoring", {
    podSelector: {},
    policyTypes: ["Ingress"],
    ingress: [
      {
        from: [namespacePeer("monitoring")],
        ports: tcp(OPERATOR_METRICS_PORT),
      },
    ],
  });
  return bundle;
}
