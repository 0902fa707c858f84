/**
 * The lock of charts/vendor (charts.lock.json), as pure functions: what the catalog expects, how the
 * folder and the lock disagree with it, and the lock after an update. No file or network access
 * here: the vendor test and `npm run charts:update` hand in what they read, so every rule is
 * unit-tested without a chart repository.
 */

/** Where a vendored file came from. */
export type LockSource =
  /** Published archive pulled from a Helm repository or OCI registry (what charts:update records). */
  | { kind: "repository"; repo: string; chart: string; publishedDigest?: string }
  /** Packaged from upstream git at a commit (the initial vendoring). */
  | {
      kind: "git";
      git: string;
      commit?: string;
      tag?: string;
      path?: string;
      packaged?: string;
      built?: string;
    }
  /** A file downloaded from a URL (bundles). */
  | { kind: "url"; url: string };

export interface LockEntry {
  version: string;
  file: string;
  sha256: string;
  source: LockSource;
  dependencies?: { name: string; git?: string; commit?: string; version?: string }[];
}

export interface Lock {
  comment?: string;
  charts: Record<string, LockEntry>;
  bundles: Record<string, LockEntry>;
}

/** What the catalog pins, reduced to what the lock must agree with. */
export interface Expected {
  charts: Record<string, { chart: string; version: string; repo: string; file: string }>;
  bundles: Record<string, { version: string; file: string; url: string }>;
}

/** What is in the folder: each file's digest and, for chart archives, the chart it holds. */
export type Listing = Map<string, { sha256: string; chart?: { name: string; version: string } }>;

export const LOCK_FILE = "charts.lock.json";

export const LOCK_COMMENT =
  "Vendored upstream artifacts: one entry per file in this folder. npm run charts:update rewrites it; tests check every file against it and against components/helm/catalog.ts.";

/** Every way the vendor folder, its lock and the catalog disagree; [] when they agree. */
export function vendorProblems(expected: Expected, lock: Lock, listing: Listing): string[] {
  const problems: string[] = [];
  // Files a lock entry names are accounted for, even an entry the catalog dropped (reported below).
  const referenced = new Set<string>([
    LOCK_FILE,
    ...[...Object.values(lock.charts), ...Object.values(lock.bundles)].map((e) => e.file),
  ]);
  const check = (section: "charts" | "bundles", name: string, want: { version: string; file: string }) => {
    const entry = lock[section][name];
    if (!entry) {
      problems.push(`${section}.${name}: catalog pins ${want.version} but the lock has no entry`);
      return;
    }
    referenced.add(entry.file);
    if (entry.version !== want.version) {
      problems.push(`${section}.${name}: lock has version ${entry.version}, catalog ${want.version} (stale)`);
    }
    if (entry.file !== want.file) {
      problems.push(`${section}.${name}: lock names file ${entry.file}, catalog expects ${want.file}`);
    }
    const file = listing.get(entry.file);
    if (!file) {
      problems.push(`${section}.${name}: ${entry.file} is missing from the vendor folder`);
      return;
    }
    if (file.sha256 !== entry.sha256) {
      problems.push(`${section}.${name}: ${entry.file} has sha256 ${file.sha256}, lock ${entry.sha256}`);
    }
  };
  for (const [name, want] of Object.entries(expected.charts)) {
    check("charts", name, want);
    const held = listing.get(lock.charts[name]?.file ?? want.file)?.chart;
    if (held && (held.name !== want.chart || held.version !== want.version)) {
      problems.push(
        `charts.${name}: archive holds chart ${held.name} ${held.version}, catalog pins ${want.chart} ${want.version}`,
      );
    }
  }
  for (const [name, want] of Object.entries(expected.bundles)) check("bundles", name, want);
  for (const section of ["charts", "bundles"] as const) {
    const known = section === "charts" ? expected.charts : expected.bundles;
    for (const name of Object.keys(lock[section])) {
      if (!(name in known)) problems.push(`${section}.${name}: in the lock but not in the catalog`);
    }
  }
  for (const file of [...listing.keys()].sort()) {
    if (!referenced.has(file)) problems.push(`${file}: in the vendor folder but not in the lock`);
  }
  return problems;
}

/** What an update must fetch: entries missing from the lock or at another version or file. */
export function pendingUpdates(
  expected: Expected,
  lock: Lock,
  listing: Listing,
): { charts: string[]; bundles: string[] } {
  const stale = (entry: LockEntry | undefined, want: { version: string; file: string }) =>
    !entry || entry.version !== want.version || entry.file !== want.file || !listing.has(entry.file);
  return {
    charts: Object.keys(expected.charts).filter((n) => stale(lock.charts[n], expected.charts[n])),
    bundles: Object.keys(expected.bundles).filter((n) => stale(lock.bundles[n], expected.bundles[n])),
  };
}

/** A file an update fetched, already verified (see verifyPulledChart). */
export interface Fetched {
  section: "charts" | "bundles";
  name: string;
  entry: LockEntry;
}

/**
 * The lock after an update: fetched entries replace theirs, entries the catalog no longer names
 * are dropped, keys sorted so the file diffs cleanly. `remove` lists files no entry uses any more.
 */
export function updatedLock(
  expected: Expected,
  lock: Lock,
  fetched: Fetched[],
  listing: Listing,
): { lock: Lock; remove: string[] } {
  const next: Lock = { comment: LOCK_COMMENT, charts: {}, bundles: {} };
  for (const section of ["charts", "bundles"] as const) {
    const names = Object.keys(section === "charts" ? expected.charts : expected.bundles).sort();
    for (const name of names) {
      const got = fetched.find((f) => f.section === section && f.name === name);
      const entry = got?.entry ?? lock[section][name];
      if (entry) next[section][name] = entry;
    }
  }
  const used = new Set([
    LOCK_FILE,
    ...[...Object.values(next.charts), ...Object.values(next.bundles)].map((e) => e.file),
  ]);
  return { lock: next, remove: [...listing.keys()].filter((f) => !used.has(f)).sort() };
}

/**
 * Checks a pulled archive before it is vendored: it holds the pinned chart at the pinned version,
 * and its digest is the one the repository publishes (when the index gives one). Returns the
 * problems; [] means the archive may be vendored.
 */
export function verifyPulledChart(
  want: { chart: string; version: string },
  got: { name: string; version: string; sha256: string },
  publishedDigest: string | undefined,
): string[] {
  const problems: string[] = [];
  if (got.name !== want.chart) problems.push(`pulled chart is named ${got.name}, expected ${want.chart}`);
  if (got.version !== want.version)
    problems.push(`pulled chart has version ${got.version}, expected ${want.version}`);
  if (publishedDigest !== undefined && publishedDigest.replace(/^sha256:/, "") !== got.sha256) {
    problems.push(
      `pulled archive has sha256 ${got.sha256}, the repository index publishes ${publishedDigest}`,
    );
  }
  return problems;
}

/** The digest a Helm repository index (index.yaml, parsed) publishes for one chart version. */
export function indexDigest(index: unknown, chart: string, version: string): string | undefined {
  const entries = (index as { entries?: Record<string, { version?: unknown; digest?: unknown }[]> })?.entries;
  const hit = entries?.[chart]?.find((e) => String(e.version) === version);
  return typeof hit?.digest === "string" ? hit.digest : undefined;
}

/** `helm pull` arguments for a catalog chart: OCI registries take the chart in the reference. */
export function pullArgs(
  pin: { chart: string; repo: string; version: string },
  destination: string,
): string[] {
  if (/^oci:\/\//i.test(pin.repo)) {
    return [
      "pull",
      `${pin.repo.replace(/\/+$/, "")}/${pin.chart}`,
      "--version",
      pin.version,
      "--destination",
      destination,
    ];
  }
  if (!/^https:\/\//i.test(pin.repo)) {
    throw new Error(`chart ${pin.chart}: repository ${pin.repo} is neither https:// nor oci://`);
  }
  return ["pull", pin.chart, "--repo", pin.repo, "--version", pin.version, "--destination", destination];
}

/** The lock as written: two-space JSON with a trailing newline. */
export function serializeLock(lock: Lock): string {
  return `${JSON.stringify(lock, null, 2)}\n`;
}
