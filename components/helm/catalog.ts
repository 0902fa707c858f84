/**
 * The one table of versions: every Helm chart (repository, exact version) and every container image
 * tag the platform deploys. No version string lives anywhere else. Renovate keeps this file current
 * (see renovate.json). Each pinned chart is vendored as an archive in charts/vendor/, recorded with
 * its provenance and digest in charts/vendor/charts.lock.json, so a deploy installs exactly the bytes
 * the tests checked and needs no chart repository.
 */

export interface ChartPin {
  /** Chart name in its repository. */
  chart: string;
  /**
   * Where the chart is published: an https Helm repository, or an `oci://` registry path (the chart
   * is then `<repo>/<chart>`). Only `npm run charts:update` reads it; deploys install the vendored archive.
   */
  repo: string;
  /** Exact chart version; ranges are not allowed. */
  version: string;
  /** The application version the chart deploys by default, for reference. */
  appVersion: string;
}

export const CHARTS = {
  traefik: {
    chart: "traefik",
    repo: "https://traefik.github.io/charts",
    version: "41.3.0",
    appVersion: "v3.7.11",
  },
  openbao: {
    chart: "openbao",
    repo: "https://openbao.github.io/openbao-helm",
    version: "0.29.2",
    appVersion: "v2.6.2",
  },
  velero: {
    chart: "velero",
    repo: "https://vmware-tanzu.github.io/helm-charts",
    version: "12.1.0",
    appVersion: "1.18.1",
  },
  "argo-cd": {
    chart: "argo-cd",
    repo: "https://argoproj.github.io/argo-helm",
    version: "10.1.1",
    appVersion: "v3.4.4",
  },
  "argo-rollouts": {
    chart: "argo-rollouts",
    repo: "https://argoproj.github.io/argo-helm",
    version: "2.41.0",
    appVersion: "v1.9.0",
  },
  "argocd-image-updater": {
    chart: "argocd-image-updater",
    repo: "https://argoproj.github.io/argo-helm",
    version: "1.2.4",
    appVersion: "v1.2.2",
  },
  "kube-prometheus-stack": {
    chart: "kube-prometheus-stack",
    repo: "https://prometheus-community.github.io/helm-charts",
    version: "88.5.3",
    appVersion: "v0.93.1",
  },
  jaeger: {
    chart: "jaeger",
    repo: "https://jaegertracing.github.io/helm-charts",
    version: "4.11.1",
    appVersion: "2.19.0",
  },
  opensearch: {
    chart: "opensearch",
    repo: "https://opensearch-project.github.io/helm-charts",
    version: "3.6.0",
    appVersion: "3.6.0",
  },
  "opensearch-dashboards": {
    chart: "opensearch-dashboards",
    repo: "https://opensearch-project.github.io/helm-charts",
    version: "3.6.0",
    appVersion: "3.6.0",
  },
  "fluent-bit": {
    chart: "fluent-bit",
    repo: "https://fluent.github.io/helm-charts",
    version: "0.58.1",
    appVersion: "5.1.1",
  },
  "external-secrets": {
    chart: "external-secrets",
    repo: "https://charts.external-secrets.io",
    version: "2.9.0",
    appVersion: "v2.9.0",
  },
  "cloudnative-pg": {
    chart: "cloudnative-pg",
    repo: "https://cloudnative-pg.github.io/charts",
    version: "0.29.0",
    appVersion: "1.30.0",
  },
  nats: {
    chart: "nats",
    repo: "https://nats-io.github.io/k8s/helm/charts",
    version: "2.14.2",
    appVersion: "2.14.2",
  },
  vpa: { chart: "vpa", repo: "https://charts.fairwinds.com/stable", version: "5.0.0", appVersion: "1.7.1" },
  valkey: { chart: "valkey", repo: "https://valkey.io/valkey-helm", version: "0.11.0", appVersion: "9.1.1" },
} as const satisfies Record<string, ChartPin>;

export type ChartName = keyof typeof CHARTS;

/** Folder of the vendored chart archives and bundles, relative to the project root. */
export const VENDOR_DIR = "charts/vendor";

/**
 * The vendored archive of a catalog chart, relative to the project root. Relative on purpose: the
 * path is a Release input stored in state, so it must read the same on every machine that deploys.
 */
export function vendoredChartArchive(name: ChartName): string {
  const pin = CHARTS[name];
  return `${VENDOR_DIR}/${pin.chart}-${pin.version}.tgz`;
}

/** Container images deployed outside charts, pinned to exact tags. */
export const IMAGES = {
  /**
   * cloudflared, the tunnel connector (runs as a Deployment we own). Cloudflare supports a connector
   * release for about a year after it ships, so this stays within that window: 2026.5.0 (released
   * 2026-05-13) is the newest release found, and Renovate proposes each new one (renovate.json).
   */
  cloudflared: { repository: "docker.io/cloudflare/cloudflared", tag: "2026.5.0" },
  /**
   * Velero's object-store plugin (S3 API, pointed at Spaces), run as an init container of the velero
   * chart. Plugin v1.14.x is the line built against Velero 1.18.x (CHARTS.velero deploys 1.18.1).
   * v1.14.3 is the first patch whose `checksumAlgorithm: ""` suppresses every checksum header,
   * which S3-compatible stores such as Spaces may need, and it has
   * the line's CVE dependency bumps.
   */
  "velero-plugin-for-aws": { repository: "docker.io/velero/velero-plugin-for-aws", tag: "v1.14.3" },
  /**
   * DigitalOcean's volume-snapshot plugin for Velero (provider `digitalocean.com/velero`). v1.1.0 is
   * the newest published tag found (DigitalOcean's own Velero guides use it). The plugin implements
   * Velero's v1 VolumeSnapshotter plugin API, which Velero 1.18 still serves. The plugin is rarely
   * released, so check it again on every Velero upgrade.
   */
  "velero-plugin-digitalocean": { repository: "docker.io/digitalocean/velero-plugin", tag: "v1.1.0" },
  /**
   * The PostgreSQL operand CloudNativePG runs: a "system" image, the kind that still carries the
   * Barman Cloud tools its in-tree WAL archiving and base backups use (CNPG 1.30).
   */
  "cloudnative-pg-postgresql": { repository: "ghcr.io/cloudnative-pg/postgresql", tag: "18.4-system-trixie" },
  /**
   * The SpiceDB operator (no Helm chart upstream): its release bundle of the same tag, vendored in
   * charts/vendor (BUNDLES), pins the operator image and carries SpiceDB's update graph.
   */
  "spicedb-operator": { repository: "ghcr.io/authzed/spicedb-operator", tag: "v1.25.1" },
  /** zed, the SpiceDB CLI the schema Job runs. */
  zed: { repository: "ghcr.io/authzed/zed", tag: "v1.2.1" },
  /** curl, for the Job that applies OpenSearch's index retention policy (the tag Grafana's chart pins). */
  curl: { repository: "docker.io/curlimages/curl", tag: "8.22.0" },
} as const satisfies Record<string, { repository: string; tag: string }>;

export type ImageName = keyof typeof IMAGES;

/**
 * Manifest bundles installed as plain objects (no chart): their versions follow the catalog entry
 * they belong to, so a bump of that entry without a new bundle fails the vendor tests.
 */
export const BUNDLES = {
  /** External Secrets' CRDs (its chart archive has none): deploy/crds/bundle.yaml at the chart's tag. */
  "external-secrets-crds": {
    version: CHARTS["external-secrets"].version,
    file: "external-secrets-crds",
    url: `https://raw.githubusercontent.com/external-secrets/external-secrets/v${CHARTS["external-secrets"].version}/deploy/crds/bundle.yaml`,
  },
  /** The SpiceDB operator's release bundle (authzed ships no chart), at the operator image's tag. */
  "spicedb-operator": {
    version: IMAGES["spicedb-operator"].tag,
    file: "spicedb-operator-bundle",
    url: `https://github.com/authzed/spicedb-operator/releases/download/${IMAGES["spicedb-operator"].tag}/bundle.yaml`,
  },
} as const satisfies Record<string, { version: string; file: string; url: string }>;

export type BundleName = keyof typeof BUNDLES;

/** The vendored (gzipped YAML) file of a bundle, relative to the project root; `url` is where charts:update fetches it. */
export function vendoredBundle(name: BundleName): string {
  const b = BUNDLES[name];
  return `${VENDOR_DIR}/${b.file}-${b.version}.yaml.gz`;
}

export function image(name: ImageName): string {
  return `${IMAGES[name].repository}:${IMAGES[name].tag}`;
}

/**
 * The production image tag the service Applications start from: a placeholder that Argo CD Image
 * Updater replaces with the newest release tag matching `delivery.imageUpdate.allowTags` on its
 * first pass (staging follows `delivery.imageUpdate.tag` by digest instead).
 */
export const SERVICES_INITIAL_RELEASE_TAG = "v0.0.0";
