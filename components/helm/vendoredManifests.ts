/**
 * A vendored manifest bundle (charts/vendor/*.yaml.gz) applied object by object. The program reads
 * the file itself and registers one typed resource per object, so `pulumi up` needs nothing from the
 * network, the offline plan shows (and the policy pack checks) every object the cluster will get,
 * and each object is its own resource in state. Only the kinds below are accepted: a bundle update
 * that brings a new kind fails here, by name, rather than slipping past the pack.
 */
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { vendoredBundle, type BundleName } from "./catalog";

type Obj = Record<string, unknown>;
type Make = (name: string, obj: Obj, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The boundary between parsed YAML and the SDK's argument types: the field a kind requires is
 * there and is an object; its contents are the API server's to validate, as with kubectl apply.
 */
function required<K extends string, T>(obj: Obj, key: K): Obj & Record<K, T> {
  const value = obj[key];
  if (!isObj(value)) throw new Error(`${String(obj.kind)} ${JSON.stringify(obj.metadata)}: no ${key}`);
  return Object.assign(obj, { [key]: value }) as Obj & Record<K, T>;
}

/** apiVersion/kind → the SDK class and its type token (what transforms and policies see). */
const KINDS: Record<string, { type: string; make: Make }> = {
  "v1/Namespace": {
    type: "kubernetes:core/v1:Namespace",
    make: (n, o, opts) => new k8s.core.v1.Namespace(n, o, opts),
  },
  "v1/ServiceAccount": {
    type: "kubernetes:core/v1:ServiceAccount",
    make: (n, o, opts) => new k8s.core.v1.ServiceAccount(n, o, opts),
  },
  "v1/ConfigMap": {
    type: "kubernetes:core/v1:ConfigMap",
    make: (n, o, opts) => new k8s.core.v1.ConfigMap(n, o, opts),
  },
  "apps/v1/Deployment": {
    type: "kubernetes:apps/v1:Deployment",
    make: (n, o, opts) =>
      new k8s.apps.v1.Deployment(
        n,
        required<"spec", k8s.types.input.apps.v1.DeploymentSpec>(o, "spec"),
        opts,
      ),
  },
  "rbac.authorization.k8s.io/v1/ClusterRole": {
    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    make: (n, o, opts) => new k8s.rbac.v1.ClusterRole(n, o, opts),
  },
  "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {
    type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    make: (n, o, opts) =>
      new k8s.rbac.v1.ClusterRoleBinding(
        n,
        required<"roleRef", k8s.types.input.rbac.v1.RoleRef>(o, "roleRef"),
        opts,
      ),
  },
  "rbac.authorization.k8s.io/v1/Role": {
    type: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    make: (n, o, opts) => new k8s.rbac.v1.Role(n, o, opts),
  },
  "rbac.authorization.k8s.io/v1/RoleBinding": {
    type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    make: (n, o, opts) =>
      new k8s.rbac.v1.RoleBinding(
        n,
        required<"roleRef", k8s.types.input.rbac.v1.RoleRef>(o, "roleRef"),
        opts,
      ),
  },
  "apiextensions.k8s.io/v1/CustomResourceDefinition": {
    type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    make: (n, o, opts) =>
      new k8s.apiextensions.v1.CustomResourceDefinition(
        n,
        required<"spec", k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec>(o, "spec"),
        opts,
      ),
  },
};

/** A change to an object on its way in, in the shape of a Pulumi resource transform (synchronous). */
export type ManifestTransform = (
  args: pulumi.ResourceTransformArgs,
) => pulumi.ResourceTransformResult | undefined;

/** The YAML text of a vendored bundle (the file is gzipped). */
export function bundleYaml(name: BundleName): string {
  const file = path.resolve(__dirname, "..", "..", vendoredBundle(name));
  if (!fs.existsSync(file))
    throw new Error(`bundle ${name}: ${vendoredBundle(name)} is missing; run \`npm run charts:update\``);
  return zlib.gunzipSync(fs.readFileSync(file)).toString("utf8");
}

/** The objects of a vendored bundle, in file order (empty documents skipped). */
export function readBundle(name: BundleName): Obj[] {
  const docs = parseAllDocuments(bundleYaml(name));
  const objects: Obj[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new Error(`bundle ${name}: ${doc.errors[0].message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObj(value)) throw new Error(`bundle ${name}: a document is not an object`);
    objects.push(value);
  }
  return objects;
}

export interface VendoredManifestsArgs {
  /** Which vendored bundle (components/helm/catalog.ts BUNDLES). */
  bundle: BundleName;
  /** Applied to every object before it is registered (e.g. hardening an operator Deployment). */
  transform?: ManifestTransform;
  provider: k8s.Provider;
}

/** The objects of a vendored bundle as typed resources under one component. */
export class VendoredManifests extends pulumi.ComponentResource {
  /** Every object registered: namespaces and CRDs first, then the rest in bundle order. Depend on the component to wait for all. */
  readonly resources: pulumi.CustomResource[];

  constructor(name: string, args: VendoredManifestsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(
      "prism:helm:VendoredManifests",
      name,
      { bundle: args.bundle, file: vendoredBundle(args.bundle) },
      opts,
    );
    const objects = readBundle(args.bundle);
    // As `kubectl apply` of a bundle needs a second pass otherwise, namespaces and CRDs go first
    // and everything else waits for them (its namespace must exist, its kind may be a new one).
    const first = objects.filter((o) => FOUNDATION_KINDS.includes(String(o.kind)));
    const foundation = first.map((o) => this.register(name, args, o, []));
    const rest = objects
      .filter((o) => !first.includes(o))
      .map((o) => this.register(name, args, o, foundation));
    this.resources = [...foundation, ...rest];
    this.registerOutputs({});
  }

  private register(
    name: string,
    args: VendoredManifestsArgs,
    object: Obj,
    dependsOn: pulumi.Resource[],
  ): pulumi.CustomResource {
    const gvk = `${String(object.apiVersion)}/${String(object.kind)}`;
    const kind = KINDS[gvk];
    if (!kind) {
      throw new pulumi.ResourceError(
        `bundle ${args.bundle}: object kind ${gvk} is not supported (supported: ${Object.keys(KINDS).join(", ")})`,
        this,
      );
    }
    const meta = isObj(object.metadata) ? object.metadata : {};
    const resourceName = `${name}:${meta.namespace ? `${String(meta.namespace)}/` : ""}${String(meta.name)}`;
    const opts: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, dependsOn };
    const changed = args.transform?.({
      custom: true,
      type: kind.type,
      name: resourceName,
      props: object,
      opts,
    });
    return kind.make(resourceName, changed?.props ?? object, { ...opts, ...(changed?.opts ?? {}) });
  }
}

/** Kinds every other object of a bundle may need to exist first. */
const FOUNDATION_KINDS = ["Namespace", "CustomResourceDefinition"];
