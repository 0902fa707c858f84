import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import { SPICEDB_CLIENTS, SPICEDB_GRPC_PORT } from "../components/authz/spicedbNames";
import { hardenOperatorBundle, OPERATOR_RESOURCES } from "../components/authz/spicedbOperator";
import { SCHEMA_FILE, schemaHash } from "../components/authz/spicedbSchema";
import { CHARTS, IMAGES, vendoredBundle } from "../components/helm/catalog";
import { releaseChartPath } from "../components/helm/helmRelease";
import { bundleYaml, readBundle } from "../components/helm/vendoredManifests";
import {
  CLUSTER_SECRET_STORE,
  EXTERNAL_SECRETS_API_VERSION,
  externalSecret,
} from "../components/secrets/externalSecrets";
import { SA_TOKEN_ANNOTATION } from "../policies/facts/kubernetes";
import { SERVICE_NAMES, SERVICES } from "../services/catalog";
import { buildAuthz, buildExternalSecrets } from "../stacks/platform";
import { checkPlan, mandatory, stackPolicyConfig } from "../tools/engine/policyRun";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { ofType, oncePerStack, one, planWithFoundation } from "./harness";
import { loadUpstream, releaseProblems } from "./upstreamCharts";
import { check, parseZed, ZedSchemaError } from "./zedSchema";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const JOB = "kubernetes:batch/v1:Job";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const STORE = "kubernetes:external-secrets.io/v1:ClusterSecretStore";
const SPICEDB_CLUSTER = "kubernetes:authzed.com/v1alpha1:SpiceDBCluster";
const BUNDLE = "prism:helm:VendoredManifests";
const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";
const CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NAMESPACE = "kubernetes:core/v1:Namespace";

/** The resources a VendoredManifests component registered. */
const childrenOf = (plan: Plan, bundle: PlannedResource) =>
  plan.resources.filter((r) => r.parent === bundle.urn);
/** `name` of the vendored bundles as the program registered them. */
const bundleNamed = (plan: Plan, name: string) =>
  ofType(plan, BUNDLE).find((b) => b.inputs.bundle === name) ?? fail(`no bundle ${name}`);
function fail(message: string): never {
  throw new Error(message);
}

const POOLER_LABELS = { "cnpg.io/poolerName": "spicedb-db-pooler" };
/** Each stack's configured Secret Manager project, as the program read it. */
const gcpProjects = new Map<string, string>();

/**
 * The external-secrets layer of a stack whose organisation allows service-account keys: the store
 * reads the key the operator set (keyless, the stacks' setting, is test/gcpKeyless.test.ts).
 */
const planExternalSecretsWithKey = oncePerStack((stack) =>
  planWithFoundation(
    stack,
    (ctx) => {
      gcpProjects.set(stack, ctx.config.externalSecrets.gcpProject);
      buildExternalSecrets({ ...ctx, previous: {} }, ctx);
    },
    (c) => {
      c["prism:gcpServiceAccountKeys"] = "allowed";
    },
  ),
);

/**
 * The external-secrets and authz layers of stacks/platform.ts, with the data layer's SpiceDB
 * database stood in for by its pooler's URI and labels.
 */
const planAuthz = oncePerStack((stack) =>
  planWithFoundation(stack, (ctx) => {
    gcpProjects.set(stack, ctx.config.externalSecrets.gcpProject);
    const inputs = { ...ctx, previous: {} };
    const { externalSecrets: eso } = buildExternalSecrets(inputs, ctx);
    // What the delivery layer does for a service with secrets: billing's, from the catalog.
    externalSecret(
      "billing-secrets",
      { name: "billing-secrets", namespace: ctx.namespaces.name("prism") },
      {
        refreshInterval: "1h",
        secretStoreRef: { kind: "ClusterSecretStore", name: eso.storeName },
        target: { name: "billing-secrets", creationPolicy: "Owner" },
        data: SERVICES.billing.secrets.map((key) => ({
          secretKey: key,
          remoteRef: { key: `${ctx.stack}-${key}` },
        })),
      },
      { provider: ctx.cluster.provider, dependsOn: [eso.store] },
    );
    buildAuthz(inputs, ctx, {
      data: {
        spicedbDatabase: {
          name: "spicedb",
          namespace: pulumi.output("data"),
          uri: pulumi.secret(
            "postgresql://spicedb:placeholder-password@spicedb-db-pooler.data.svc.cluster.local:5432/spicedb?sslmode=require",
          ),
          poolerPodLabels: POOLER_LABELS,
        },
      },
    });
  }),
);

type Obj = Record<string, unknown>;
const get = (value: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v as Obj | undefined)?.[k as string], value);
const spec = (r: PlannedResource) => r.inputs.spec as Obj;
const policyNamed = (plan: Plan, name: string) =>
  ofType(plan, NETWORK_POLICY).find((p) => get(p.inputs, "metadata", "name") === name);

const k8sProvider = (plan: Plan) => plan.resources.find((r) => r.type === "pulumi:providers:kubernetes")?.urn;

describe.each(["staging", "production"])("%s", (stack) => {
  const production = stack === "production";

  describe("External Secrets", () => {
    test("the release is the catalog's chart, in its namespace, with values upstream knows", async () => {
      const plan = await planAuthz(stack);
      const release = one(plan, RELEASE, "external-secrets");
      expect(release.inputs.chart).toBe(releaseChartPath("external-secrets"));
      expect(release.inputs.version).toBe(CHARTS["external-secrets"].version);
      expect(release.inputs.namespace).toBe("external-secrets");
      expect(release.provider).toBe(k8sProvider(plan));
      expect(releaseProblems(plan)).toEqual([]);
    });

    test("the CRDs come from the vendored bundle of the chart's tag, before the release and the store", async () => {
      const plan = await planAuthz(stack);
      const group = one(plan, CONFIG_GROUP);
      expect(vendoredBundle("external-secrets-crds")).toContain(CHARTS["external-secrets"].version);
      expect(group.inputs.yaml).toBe(bundleYaml("external-secrets-crds"));
      expect(group.inputs.file ?? group.inputs.files).toBeUndefined();
      const objects = readBundle("external-secrets-crds");
      expect(objects.map((o) => o.kind)).toEqual(objects.map(() => "CustomResourceDefinition"));
      expect(objects.map((o) => get(o, "metadata", "name"))).toEqual(
        expect.arrayContaining([
          "externalsecrets.external-secrets.io",
          "clustersecretstores.external-secrets.io",
        ]),
      );
      expect(group.provider).toBe(k8sProvider(plan));
      const release = one(plan, RELEASE, "external-secrets");
      expect((release.inputs.values as Obj).installCRDs).toBe(false);
      expect(release.options.dependsOn).toContain(group.urn);
      expect(one(plan, STORE).options.dependsOn).toContain(group.urn);
    });

    test("controller, webhook and cert-controller run restricted, sized, probed, HA in production", async () => {
      const values = one(await planAuthz(stack), RELEASE, "external-secrets").inputs.values as Obj;
      for (const part of [values, values.webhook, values.certController] as Obj[]) {
        expect(part.securityContext).toMatchObject({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(get(part, "resources", "requests")).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(get(part, "resources", "limits")).toEqual({
          cpu: expect.any(String),
          memory: expect.any(String),
        });
        expect(get(part, "livenessProbe", "enabled")).toBe(true);
        expect(get(part, "readinessProbe", "enabled")).toBe(true);
        expect(part.replicaCount).toBe(production ? 2 : 1);
        expect(get(part, "podDisruptionBudget", "enabled")).toBe(production);
      }
      expect(values.leaderElect).toBe(production);
    });

    test("with keys allowed, the ClusterSecretStore reads the configured project with the secret credential", async () => {
      const plan = await planExternalSecretsWithKey(stack);
      const store = one(plan, STORE);
      expect(get(store.inputs, "metadata", "name")).toBe(CLUSTER_SECRET_STORE);
      expect(gcpProjects.get(stack)).toMatch(/^prism-/);
      expect(get(store.inputs, "spec", "provider", "gcpsm", "projectID")).toBe(gcpProjects.get(stack));
      const ref = get(
        store.inputs,
        "spec",
        "provider",
        "gcpsm",
        "auth",
        "secretRef",
        "secretAccessKeySecretRef",
      ) as Obj;
      expect(ref.namespace).toBe("external-secrets");
      const credentials = ofType(plan, SECRET).find((s) => get(s.inputs, "metadata", "name") === ref.name)!;
      expect(get(credentials.inputs, "metadata", "namespace")).toBe("external-secrets");
      expect(Object.keys(get(credentials.inputs, "stringData") as Obj)).toEqual([ref.key]);
      expect(credentials.secretPaths.some((p) => p.startsWith("stringData"))).toBe(true);
      // Only the services' namespace and Argo CD's (Image Updater's registry pull secret) may use it;
      // it waits for the release that brings CRD and webhook.
      expect(get(store.inputs, "spec", "conditions")).toEqual([{ namespaces: ["prism", "argocd"] }]);
      expect(store.options.dependsOn).toContain(one(plan, RELEASE, "external-secrets").urn);
    });

    test("resources use the API version the pinned chart serves (v1; v1beta1 is off)", async () => {
      const plan = await planAuthz(stack);
      const upstream = loadUpstream("external-secrets").values as Obj;
      expect(get(upstream, "crds", "unsafeServeV1Beta1")).toBe(false);
      expect(EXTERNAL_SECRETS_API_VERSION).toBe("external-secrets.io/v1");
      expect(one(plan, STORE).inputs.apiVersion).toBe("external-secrets.io/v1");
      const es = one(plan, "kubernetes:external-secrets.io/v1:ExternalSecret");
      expect(get(es.inputs, "spec", "secretStoreRef")).toEqual({
        kind: "ClusterSecretStore",
        name: CLUSTER_SECRET_STORE,
      });
      expect(get(es.inputs, "spec", "data", 0, "remoteRef", "key")).toBe(`${stack}-billing-stripe-api-key`);
      expect(es.dependencies).toContain(one(plan, STORE).urn);
    });

    test("network policies: HTTPS and the API out, the webhook port in, nothing else", async () => {
      const plan = await planAuthz(stack);
      const egress = policyNamed(plan, "external-secrets-egress")!;
      const ports = (spec(egress).egress as Obj[]).flatMap((r) => (r.ports as Obj[]).map((p) => p.port));
      expect(new Set(ports)).toEqual(new Set([443, 6443]));
      const webhook = policyNamed(plan, "external-secrets-webhook-ingress")!;
      expect(get(spec(webhook), "ingress", 0, "ports")).toEqual([{ protocol: "TCP", port: 10250 }]);
      expect(get(spec(webhook), "podSelector", "matchLabels")).toEqual({
        "prism.io/external-secrets": "webhook",
      });
    });
  });

  describe("SpiceDB", () => {
    test("the operator bundle is the vendored release of the operator's tag, object by object", async () => {
      const plan = await planAuthz(stack);
      const bundle = bundleNamed(plan, "spicedb-operator");
      const tag = IMAGES["spicedb-operator"].tag;
      expect(tag).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(bundle.inputs.file).toBe(`charts/vendor/spicedb-operator-bundle-${tag}.yaml.gz`);
      const objects = childrenOf(plan, bundle);
      const kinds = readBundle("spicedb-operator").map(
        (o) => `${String(o.kind)}/${String(get(o, "metadata", "name"))}`,
      );
      expect(
        objects.map((o) => `${o.type.split(":").pop()}/${String(get(o.inputs, "metadata", "name"))}`).sort(),
      ).toEqual([...kinds].sort());
      for (const o of objects) expect(o.provider).toBe(k8sProvider(plan));
      // Namespace and CRD first; everything else waits for them.
      const foundation = objects.filter((o) => o.type === NAMESPACE || o.type === CRD);
      expect(foundation.map((o) => o.type).sort()).toEqual([CRD, NAMESPACE]);
      for (const o of objects.filter((x) => !foundation.includes(x))) {
        for (const f of foundation) expect(o.options.dependsOn).toContain(f.urn);
      }
      // The hardening transform is applied to what is registered, so the pack checks the real object.
      const deployment = objects.find((o) => o.type === DEPLOYMENT)!;
      const container = (get(deployment.inputs, "spec", "template", "spec", "containers") as Obj[])[0];
      expect(container.image).toBe(`${IMAGES["spicedb-operator"].repository}:${tag}`);
      expect(container.resources).toEqual(OPERATOR_RESOURCES);
      const namespace = objects.find((o) => o.type === NAMESPACE)!;
      expect(get(namespace.inputs, "metadata", "labels", "pod-security.kubernetes.io/enforce")).toBe(
        "restricted",
      );
      // The operator's namespace gets the platform's default-deny and DNS rules too.
      for (const name of ["default-deny", "allow-dns", "allow-kubernetes-api"]) {
        const p = ofType(plan, NETWORK_POLICY).find(
          (r) =>
            get(r.inputs, "metadata", "name") === name &&
            get(r.inputs, "metadata", "namespace") === "spicedb-operator",
        );
        expect(p?.dependencies).toContain(deployment.urn);
      }
    });

    test("the SpiceDBCluster runs on postgres, secrets only through its Secret, sized by stack", async () => {
      const plan = await planAuthz(stack);
      const cluster = one(plan, SPICEDB_CLUSTER);
      expect(get(cluster.inputs, "metadata", "namespace")).toBe("spicedb");
      const config = get(cluster.inputs, "spec", "config") as Obj;
      expect(config).toMatchObject({ datastoreEngine: "postgres", replicas: production ? 2 : 1 });
      expect(config.tlsSecretName).toBe("spicedb-tls");
      expect(config.dispatchUpstreamCASecretName).toBe("spicedb-dispatch-ca");
      expect(JSON.stringify(config)).not.toMatch(/postgres:\/\/|preshared|datastore_?uri/i);
      expect(cluster.secretPaths).toEqual([]);
      const crd = childrenOf(plan, bundleNamed(plan, "spicedb-operator")).find((o) => o.type === CRD)!;
      expect(cluster.dependencies).toContain(crd.urn);

      const secretName = get(cluster.inputs, "spec", "secretName");
      const secret = ofType(plan, SECRET).find(
        (s) =>
          get(s.inputs, "metadata", "name") === secretName &&
          get(s.inputs, "metadata", "namespace") === "spicedb",
      )!;
      expect(Object.keys(get(secret.inputs, "stringData") as Obj).sort()).toEqual([
        "datastore_uri",
        "preshared_key",
      ]);
      expect(secret.secretPaths.some((p) => p.startsWith("stringData"))).toBe(true);
      expect(get(secret.inputs, "stringData", "datastore_uri")).toBe(
        "postgresql://spicedb:placeholder-password@spicedb-db-pooler.data.svc.cluster.local:5432/spicedb?sslmode=require&default_query_exec_mode=exec",
      );
      expect(one(plan, "random:index/randomPassword:RandomPassword").inputs).toMatchObject({ length: 48 });
    });

    test("the operator's Deployment and migration Job are patched to run restricted with resources", async () => {
      const patches = get(one(await planAuthz(stack), SPICEDB_CLUSTER).inputs, "spec", "patches") as {
        kind: string;
        patch: { path: string; value: Obj };
      }[];
      const annotation = patches.find((p) => p.patch.path.includes("annotations"));
      expect(annotation).toMatchObject({
        kind: "Deployment",
        patch: { path: "/spec/template/metadata/annotations/prism.io~1service-account-token" },
      });
      for (const kind of ["Deployment", "Job"]) {
        const of = (path: string) =>
          patches.find((p) => p.kind === kind && p.patch.path === path)?.patch.value;
        expect(of("/spec/template/spec/securityContext")).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(of("/spec/template/spec/containers/0/securityContext")).toMatchObject({
          allowPrivilegeEscalation: false,
          capabilities: { drop: ["ALL"] },
        });
        expect(of("/spec/template/spec/containers/0/resources")).toMatchObject({
          requests: { cpu: expect.any(String), memory: expect.any(String) },
          limits: { cpu: expect.any(String), memory: expect.any(String) },
        });
      }
    });

    test("gRPC only from the services that use SpiceDB; PostgreSQL only to the pooler", async () => {
      const plan = await planAuthz(stack);
      const grpc = policyNamed(plan, "spicedb-grpc-from-clients")!;
      expect(get(spec(grpc), "ingress", 0, "ports")).toEqual([{ protocol: "TCP", port: SPICEDB_GRPC_PORT }]);
      const services = get(spec(grpc), "ingress", 0, "from", 0) as Obj;
      expect(get(services, "namespaceSelector", "matchLabels")).toEqual({
        "kubernetes.io/metadata.name": "prism",
      });
      expect(get(services, "podSelector", "matchExpressions", 0, "values")).toEqual(
        SERVICE_NAMES.filter((s) => SERVICES[s].uses.includes("spicedb")),
      );
      expect(SPICEDB_CLIENTS).toEqual(expect.arrayContaining(["auth", "computations"]));
      expect(SPICEDB_CLIENTS).not.toContain("ui");

      const datastore = policyNamed(plan, "spicedb-datastore")!;
      expect(get(spec(datastore), "egress")).toEqual([
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } },
              podSelector: { matchLabels: POOLER_LABELS },
            },
          ],
          ports: [{ protocol: "TCP", port: 5432 }],
        },
      ]);
    });

    test("the schema Job writes the schema file with a pinned zed, hardened, re-run on change", async () => {
      const plan = await planAuthz(stack);
      const schema = fs.readFileSync(SCHEMA_FILE, "utf8");
      const job = one(plan, JOB);
      expect(get(job.inputs, "metadata", "name")).toBe(`spicedb-schema-${schemaHash(schema)}`);
      expect(schemaHash(schema + "\n")).not.toBe(schemaHash(schema));
      const configMap = one(plan, CONFIG_MAP, "spicedb-schema");
      expect(get(configMap.inputs, "data", "schema.zed")).toBe(schema);

      const pod = get(job.inputs, "spec", "template", "spec") as Obj;
      const container = get(pod, "containers", 0) as Obj;
      const zedTag = IMAGES.zed.tag;
      expect(zedTag).toMatch(/^v\d+\.\d+\.\d+$/);
      expect(container.image).toBe(`ghcr.io/authzed/zed:${zedTag}`);
      expect(container.args).toEqual(expect.arrayContaining(["schema", "write", "/schema/schema.zed"]));
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(get(pod, "securityContext", "runAsNonRoot")).toBe(true);
      // The preshared key comes from the Secret, never as a literal.
      expect(container.env).toContainEqual({
        name: "ZED_TOKEN",
        valueFrom: { secretKeyRef: { name: "spicedb-config", key: "preshared_key" } },
      });
    });

    test("services get the key, endpoint and CA in their namespace, as a secret", async () => {
      const plan = await planAuthz(stack);
      const client = ofType(plan, SECRET).find(
        (s) => get(s.inputs, "metadata", "name") === "spicedb-client",
      )!;
      expect(get(client.inputs, "metadata", "namespace")).toBe("prism");
      expect(get(client.inputs, "stringData", "endpoint")).toBe("spicedb.spicedb.svc:50051");
      expect(String(get(client.inputs, "stringData", "ca.crt"))).toMatch(/BEGIN CERTIFICATE/);
      expect(client.secretPaths.some((p) => p.startsWith("stringData"))).toBe(true);
    });
  });

  test("no mandatory policy violations", async () => {
    const plan = await planAuthz(stack);
    const violations = mandatory(await checkPlan(plan, stackPolicyConfig(stack)));
    expect(violations.map((v) => `${v.policy}: ${v.message}`)).toEqual([]);
  });
});

describe("the operator bundle transform", () => {
  const transform = hardenOperatorBundle({
    version: "v1.25.1",
    imageRepository: "ghcr.io/authzed/spicedb-operator",
    kubernetesVersion: "1.34",
  });
  const args = (type: string, props: Obj) => ({ custom: true, type, name: "x", props, opts: {} });

  test("labels the bundle's namespace restricted", () => {
    const out = transform(args("kubernetes:core/v1:Namespace", { metadata: { name: "spicedb-operator" } }));
    expect(get(out?.props, "metadata", "labels")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "v1.34",
    });
  });

  test("pins the operator image, adds resources and declares its token", () => {
    const deployment = {
      metadata: { name: "spicedb-operator", namespace: "spicedb-operator" },
      spec: {
        template: {
          metadata: { labels: { app: "spicedb-operator" } },
          spec: {
            containers: [{ name: "spicedb-operator", image: "ghcr.io/authzed/spicedb-operator:latest" }],
          },
        },
      },
    };
    const out = transform(args("kubernetes:apps/v1:Deployment", deployment));
    const container = get(out?.props, "spec", "template", "spec", "containers", 0) as Obj;
    expect(container.image).toBe("ghcr.io/authzed/spicedb-operator:v1.25.1");
    expect(container.resources).toEqual(OPERATOR_RESOURCES);
    expect(get(out?.props, "spec", "template", "metadata", "annotations", SA_TOKEN_ANNOTATION)).toBeTruthy();
    expect(get(out?.props, "spec", "template", "metadata", "labels")).toEqual({ app: "spicedb-operator" });
  });

  test("leaves everything else alone", () => {
    expect(
      transform(args("kubernetes:core/v1:ConfigMap", { metadata: { name: "update-graph" } })),
    ).toBeUndefined();
  });
});

describe("the authorization schema", () => {
  const schema = parseZed(fs.readFileSync(SCHEMA_FILE, "utf8"));

  test("covers users, domain membership, computations, backends and billing", () => {
    const expected: Record<string, { relations: string[]; permissions: string[] }> = {
      user: { relations: [], permissions: [] },
      organization: { relations: ["administrator", "member"], permissions: ["admin", "membership"] },
      domain: {
        relations: ["organization", "administrator", "member"],
        permissions: ["membership", "admin"],
      },
      computation: {
        relations: ["domain", "owner", "runner", "viewer", "dataset_provider", "algorithm_provider"],
        permissions: ["run", "view", "upload_dataset", "upload_algorithm"],
      },
      backend: { relations: ["domain", "operator"], permissions: ["manage", "schedule", "view"] },
      cvm: { relations: ["backend", "computation"], permissions: ["view"] },
      billing_account: { relations: ["organization", "owner"], permissions: ["manage", "view", "charge"] },
    };
    for (const [name, want] of Object.entries(expected)) {
      const def = schema.get(name);
      expect(def).toBeDefined();
      expect([...def!.relations.keys()]).toEqual(expect.arrayContaining(want.relations));
      expect([...def!.permissions.keys()]).toEqual(expect.arrayContaining(want.permissions));
    }
  });

  test("every relation is documented", () => {
    const source = fs.readFileSync(SCHEMA_FILE, "utf8").split("\n");
    source.forEach((line, i) => {
      if (/^\s*relation /.test(line)) expect(`${i + 1}: ${source[i - 1].trim()}`).toMatch(/\*\/$/);
    });
  });

  // Alice owns c1 in domain d1 and is a member; Bob is a runner but not a member; Carol is a member
  // through her organization but not a participant; Dave is a runner and a member.
  const world = [
    "computation:c1#domain@domain:d1",
    "computation:c1#owner@user:alice",
    "computation:c1#runner@user:bob",
    "computation:c1#runner@user:dave",
    "computation:c1#viewer@user:carol",
    "domain:d1#member@user:alice",
    "domain:d1#member@user:dave",
    "domain:d1#member@organization:acme#member",
    "organization:acme#member@user:carol",
    "domain:d1#organization@organization:acme",
    "organization:acme#administrator@user:erin",
  ];

  test("can user A run computation B in domain C: participation and membership are both required", () => {
    expect(check(schema, world, "computation:c1", "run", "user:alice")).toBe(true);
    expect(check(schema, world, "computation:c1", "run", "user:dave")).toBe(true);
    expect(check(schema, world, "computation:c1", "run", "user:bob")).toBe(false); // not a member
    expect(check(schema, world, "computation:c1", "run", "user:carol")).toBe(false); // viewer only
    expect(check(schema, world, "computation:c1", "view", "user:carol")).toBe(true); // member via org
    expect(check(schema, world, "computation:c1", "view", "user:bob")).toBe(false);
    // An organization admin administers the domain, and so may see and edit, but not run.
    expect(check(schema, world, "computation:c1", "edit", "user:erin")).toBe(true);
    expect(check(schema, world, "computation:c1", "run", "user:erin")).toBe(false);
  });

  test("the parser rejects undefined references and unsupported syntax", () => {
    const bad = [
      "definition user {}\ndefinition doc {\n relation owner: user\n permission view = owner + editor\n}",
      "definition doc {\n relation owner: person\n}",
      "definition user {}\ndefinition doc {\n relation parent: user\n permission view = parent->view\n}",
      "definition user {}\ndefinition doc {\n relation owner: user\n permission edit = owner\n permission view = edit->owner\n}",
      "definition user {}\ndefinition doc {\n relation owner: user\n relation viewer: user\n permission view = owner + viewer & owner\n}",
      "definition user {}\ndefinition doc {\n relation owner: user#member\n}",
      "caveat is_weekday(day int) {\n day\n}",
      "definition user {}\ndefinition doc {\n relation owner: user\n relation owner: user\n}",
      "definition user {}\ndefinition doc {\n relation owner: user\n permission view = owner\n + owner\n}",
      "definition user {}\ndefinition doc {\n relation owner: user\n permission use = owner\n}",
    ];
    for (const source of bad) expect(() => parseZed(source)).toThrow(ZedSchemaError);
  });
});
