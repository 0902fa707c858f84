/**
 * What in a plan diff can lose data or identity, named so a reviewer cannot read it as a routine
 * "-" or "~" row: deletes and replacements of anything that holds data or identity, replacements
 * forced by create-only properties, what a replaced cluster or provider takes with it (counted),
 * delete-and-create pairs that look like a rename without an alias, protection or persistence
 * turned off, and backup retention cut.
 */
import { releaseHoldsVolumes } from "../../policies/lib/volumes";
import { STATEFUL_TYPES } from "../../policies/rules/stackSafety";
import type { JsonResource } from "../engine/plan";
import { forcesReplacement, replacementReason } from "./replacement";

export type DangerKind =
  | "loses-data"
  | "loses-identity"
  | "create-only"
  | "cascade"
  | "rename-without-alias"
  | "protection-off"
  | "persistence-off"
  | "retention-shortened";

export interface Danger {
  kind: DangerKind;
  urn: string;
  name: string;
  type: string;
  message: string;
}

/** The part of a resource change the danger analysis needs (planDiff's ResourceChange). */
export interface ChangeLike {
  kind: "add" | "delete" | "update" | "replace";
  urn: string;
  type: string;
  name: string;
  changes: { path: string; before: unknown; after: unknown; replaces: boolean }[];
}

/** Types whose replacement or deletion issues a new identity: credentials, keys, CAs, principals. */
const IDENTITY_TYPES = new Set([
  "random:index/randomPassword:RandomPassword",
  "random:index/randomBytes:RandomBytes",
  "tls:index/privateKey:PrivateKey",
  "tls:index/selfSignedCert:SelfSignedCert",
  "digitalocean:index/spacesKey:SpacesKey",
  "gcp:serviceaccount/key:Key",
  "gcp:serviceaccount/account:Account",
  "aws:iam/accessKey:AccessKey",
  "aws:iam/user:User",
  "azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
  "azuread:index/application:Application",
  "azuread:index/servicePrincipal:ServicePrincipal",
  "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
  "vault:index/mount:Mount",
  "vault:pkiSecret/secretBackendRootCert:SecretBackendRootCert",
  "vault:pkiSecret/secretBackendIntermediateCertRequest:SecretBackendIntermediateCertRequest",
  "vault:pkiSecret/secretBackendIntermediateSetSigned:SecretBackendIntermediateSetSigned",
  "vault:pkiSecret/secretBackendRootSignIntermediate:SecretBackendRootSignIntermediate",
]);

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";

/** Why deleting or replacing this resource loses data or identity; undefined when it does not. */
export function whatIsLost(
  r: JsonResource,
): { kind: "loses-data" | "loses-identity"; why: string } | undefined {
  if (STATEFUL_TYPES.includes(r.type)) return { kind: "loses-data", why: "it holds data" };
  if (r.type === HELM_RELEASE && releaseHoldsVolumes(r.inputs.values)) {
    return { kind: "loses-data", why: "the release owns persistent volumes" };
  }
  if (r.type === "tls:index/locallySignedCert:LocallySignedCert" && r.inputs.isCaCertificate === true) {
    return { kind: "loses-identity", why: "it is a CA certificate" };
  }
  if (IDENTITY_TYPES.has(r.type)) {
    return { kind: "loses-identity", why: "it is a credential, key, CA or principal; a new one replaces it" };
  }
  if (r.type === "kubernetes:core/v1:Namespace") {
    return { kind: "loses-data", why: "deleting a namespace deletes everything in it" };
  }
  if (r.options.protect) return { kind: "loses-data", why: "it is protected" };
  return undefined;
}

/** A path whose boolean turning false switches persistence off. */
const PERSISTENCE_PATH =
  /(^|\.)(persistence|dataStorage|auditStorage|fileStore|pvc|storageSpec)(\.enabled)?$/;
/** A path that states how long backups or old versions are kept. */
const RETENTION_PATH = /(ttl|retention|expiration|keep)/i;

/** "720h0m0s", "30d", "48h", "90m" or a number (same unit on both sides) → hours. */
export function durationHours(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value !== "string") return undefined;
  const match = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(value.trim());
  if (!match || value.trim() === "") return undefined;
  const [, d, h, m, s] = match.map((x) => Number(x ?? 0));
  return d * 24 + h + m / 60 + s / 3600;
}

function propertyDangers(change: ChangeLike): Danger[] {
  const out: Danger[] = [];
  const at = { urn: change.urn, name: change.name, type: change.type };
  for (const c of change.changes) {
    if ((c.path === "(protect)" || c.path === "(retainOnDelete)") && c.before === true && c.after !== true) {
      out.push({
        ...at,
        kind: "protection-off",
        message: `${c.path === "(protect)" ? "protection" : "retain-on-delete"} is turned off: a later delete would remove it for good`,
      });
    } else if (PERSISTENCE_PATH.test(c.path) && c.before === true && c.after === false) {
      out.push({
        ...at,
        kind: "persistence-off",
        message: `persistence is turned off (\`${c.path}\`): its data is not kept`,
      });
    } else if (
      typeof c.before === "string" &&
      /appendonly yes/.test(c.before) &&
      typeof c.after === "string" &&
      /appendonly no/.test(c.after)
    ) {
      out.push({
        ...at,
        kind: "persistence-off",
        message: `persistence is turned off (\`${c.path}\`: append-only file disabled)`,
      });
    } else if (RETENTION_PATH.test(c.path)) {
      const before = durationHours(c.before);
      const after = durationHours(c.after);
      if (before !== undefined && after !== undefined && after < before) {
        out.push({
          ...at,
          kind: "retention-shortened",
          message: `backup retention is cut (\`${c.path}\`: ${JSON.stringify(c.before)} → ${JSON.stringify(c.after)}): older backups are deleted`,
        });
      }
    }
  }
  return out;
}

/** Words of a resource name, so "data-postgres-accounts-cluster" and "…-users-cluster" compare. */
function nameWords(name: string): string[] {
  return name.split(/[-_.:/]/).filter(Boolean);
}

/** Two names that differ in one run of words, keeping at least half the words in common. */
function looksLikeRename(a: string, b: string): boolean {
  const x = nameWords(a);
  const y = nameWords(b);
  let prefix = 0;
  while (prefix < x.length && prefix < y.length && x[prefix] === y[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < x.length - prefix &&
    suffix < y.length - prefix &&
    x[x.length - 1 - suffix] === y[y.length - 1 - suffix]
  )
    suffix++;
  const common = prefix + suffix;
  return common > 0 && common * 2 >= Math.max(x.length, y.length);
}

/**
 * Finds the dangers of a diff. `base` and `head` are the two plans' resources; `changes` what
 * planDiff classified.
 */
export function findDangers(
  base: JsonResource[],
  head: JsonResource[],
  changes: ChangeLike[],
): { dangers: Danger[]; recreated: Map<string, string> } {
  const dangers: Danger[] = [];
  const baseByUrn = new Map(base.map((r) => [r.urn, r]));
  const headByUrn = new Map(head.map((r) => [r.urn, r]));

  // Resources Pulumi recreates: replaced ones, then (repeatedly) whatever names a replaced
  // resource's id in a create-only property, and everything a replaced provider manages.
  const recreated = new Map<string, string>();
  for (const c of changes) if (c.kind === "replace") recreated.set(c.urn, "");
  const cascadeFrom = new Map<string, string[]>();
  for (let grew = true; grew;) {
    grew = false;
    const ids = new Map<string, string>();
    for (const urn of recreated.keys()) {
      const r = headByUrn.get(urn);
      if (r?.id) ids.set(r.id, urn);
    }
    for (const r of head) {
      if (recreated.has(r.urn) || r.type === "pulumi:pulumi:Stack") continue;
      let cause: string | undefined;
      if (r.provider && recreated.has(r.provider)) cause = r.provider;
      if (!cause && r.type.startsWith("pulumi:providers:")) {
        cause = r.dependencies.find((d) => recreated.has(d));
      }
      if (!cause) {
        cause = createOnlyReferences(r, ids);
      }
      if (cause) {
        const root = recreated.get(cause) || cause;
        recreated.set(r.urn, root);
        cascadeFrom.set(root, [...(cascadeFrom.get(root) ?? []), r.urn]);
        grew = true;
      }
    }
  }

  for (const c of changes) {
    const before = baseByUrn.get(c.urn) ?? findByStackless(base, c.urn);
    const after = headByUrn.get(c.urn);
    const at = { urn: c.urn, name: c.name, type: c.type };
    if (c.kind === "delete" && before) {
      const lost = whatIsLost(before);
      if (lost)
        dangers.push({ ...at, kind: lost.kind, message: `deleted, and ${lost.why}: it is gone for good` });
    }
    const lost = c.kind === "replace" && after ? whatIsLost(before ?? after) : undefined;
    if (lost) {
      const triggers = c.changes
        .filter((p) => p.replaces)
        .map((p) => replacementReason(c.type, p.path, p.before, p.after));
      dangers.push({
        ...at,
        kind: "create-only",
        message:
          `replaced (deleted, then created) because ${triggers.join("; ")}, and ${lost.why}: ` +
          `the new one starts ${lost.kind === "loses-data" ? "empty" : "with a new identity"}`,
      });
    }
    if (c.kind === "update" || c.kind === "replace") dangers.push(...propertyDangers(c));
  }

  for (const [root, urns] of cascadeFrom) {
    const r = headByUrn.get(root);
    if (!r) continue;
    const lossy = urns.filter((u) => {
      const x = headByUrn.get(u);
      return x !== undefined && whatIsLost(x) !== undefined;
    });
    dangers.push({
      urn: r.urn,
      name: r.name,
      type: r.type,
      kind: "cascade",
      message:
        `replacing it recreates ${urns.length} dependent resource${urns.length === 1 ? "" : "s"}` +
        (r.type === "digitalocean:index/kubernetesCluster:KubernetesCluster"
          ? " (every in-cluster resource)"
          : "") +
        (lossy.length ? `, ${lossy.length} of them holding data or identity` : ""),
    });
  }

  // A delete and an add of the same type with a rename-like name and no alias joining them.
  const deleted = changes.filter((c) => c.kind === "delete");
  const added = changes.filter((c) => c.kind === "add");
  for (const d of deleted) {
    const partner = added.find((a) => a.type === d.type && looksLikeRename(d.name, a.name));
    if (!partner) continue;
    dangers.push({
      urn: d.urn,
      name: d.name,
      type: d.type,
      kind: "rename-without-alias",
      message: `looks renamed to \`${partner.name}\` without an alias: Pulumi deletes \`${d.name}\` and creates \`${partner.name}\` anew; add \`aliases: [{ name: "${d.name}" }]\` to keep it`,
    });
  }
  const cascaded = new Map([...recreated].filter(([, cause]) => cause !== ""));
  return { dangers, recreated: cascaded };
}

/** The referenced resource when a create-only input of `r` holds a recreated resource's id. */
function createOnlyReferences(r: JsonResource, ids: Map<string, string>): string | undefined {
  for (const [path, value] of leaves(r.inputs, "")) {
    if (
      typeof value === "string" &&
      ids.has(value) &&
      forcesReplacement(r.type, path, r.options.replaceOnChanges)
    ) {
      return ids.get(value);
    }
  }
  return undefined;
}

function* leaves(value: unknown, prefix: string): Generator<[string, unknown]> {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* leaves(value[i], `${prefix}[${i}]`);
  } else if (typeof value === "object" && value !== null) {
    for (const [k, v] of Object.entries(value)) yield* leaves(v, prefix ? `${prefix}.${k}` : k);
  } else {
    yield [prefix, value];
  }
}

function findByStackless(resources: JsonResource[], urn: string): JsonResource | undefined {
  const key = urn.replace(/^urn:pulumi:[^:]*::/, "");
  return resources.find((r) => r.urn.replace(/^urn:pulumi:[^:]*::/, "") === key);
}

const LABEL: Record<DangerKind, string> = {
  "loses-data": "data loss",
  "loses-identity": "identity loss",
  "create-only": "replacement",
  cascade: "cascade",
  "rename-without-alias": "rename without alias",
  "protection-off": "protection off",
  "persistence-off": "persistence off",
  "retention-shortened": "shorter retention",
};

export function dangerLabel(kind: DangerKind): string {
  return LABEL[kind];
}
