/**
 * The restore drill: restore the newest Velero backup of a namespace into the drill namespace, and
 * recover the newest CloudNativePG base backup of every database into a scratch cluster; check that
 * each comes up and answers SQL; delete every copy whatever happened. Commands go through `run`, so
 * the tests see exactly what the drill would do with a fake kubectl and velero.
 */
import { z } from "zod";
import {
  DRILL_LABEL,
  scratchClusterManifest,
  scratchClusterName,
  type DrillFacts,
} from "../../components/backup/restoreDrill";
import { CNPG_LABELS } from "../../components/data/postgresCluster";

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs one command (no shell), with `input` on its standard input. */
export type Runner = (command: string, args: string[], input?: string) => Promise<CommandResult>;

export interface DrillCheck {
  name: string;
  ok: boolean;
  detail: string;
}
export interface DrillReport {
  stack: string;
  ok: boolean;
  backup?: string;
  restore?: string;
  checks: DrillCheck[];
  /** Cleanup steps that failed (a leftover copy costs money and must be deleted by hand). */
  cleanupFailures: string[];
}

/** The label Velero puts on every object it restores. */
export const VELERO_RESTORE_LABEL = "velero.io/restore-name";
/** Kinds a drill restore leaves out: the copy must take no backups of its own. */
const EXCLUDED_RESOURCES = ["backups.postgresql.cnpg.io", "scheduledbackups.postgresql.cnpg.io"];
const CLUSTERS = "clusters.postgresql.cnpg.io";
/** `pg_is_in_recovery()` false (promoted, writable) and the count of user tables. */
export const SQL_CHECK =
  "SELECT pg_is_in_recovery(), count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";

export interface DrillOptions {
  stack: string;
  /** Unique per run (a Kubernetes name part): names the restore and labels the scratch clusters. */
  runId: string;
  /** The namespace whose backup is restored; the facts' source namespace by default. */
  sourceNamespace?: string;
  timeouts?: { restore: string; ready: string; cleanup: string };
}

const DEFAULT_TIMEOUTS = { restore: "60m", ready: "45m", cleanup: "20m" };

class CommandFailed extends Error {}

const Backups = z.object({
  items: z.array(
    z.object({
      metadata: z.object({ name: z.string() }),
      spec: z.object({ includedNamespaces: z.array(z.string()).optional() }).optional(),
      status: z.object({ phase: z.string().optional(), startTimestamp: z.string().optional() }).optional(),
    }),
  ),
});
const Restore = z.object({
  status: z
    .object({ phase: z.string().optional(), errors: z.number().optional(), warnings: z.number().optional() })
    .optional(),
});
const Names = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }) })) });

/** The newest Completed backup whose scope includes `namespace` (every schedule that covers it). */
export function newestBackup(json: string, namespace: string): string | undefined {
  const covers = (included: string[] | undefined) =>
    !included || included.length === 0 || included.includes("*") || included.includes(namespace);
  return Backups.parse(JSON.parse(json))
    .items.filter((b) => b.status?.phase === "Completed" && b.status.startTimestamp)
    .filter((b) => covers(b.spec?.includedNamespaces))
    .sort((a, b) => Date.parse(a.status?.startTimestamp ?? "") - Date.parse(b.status?.startTimestamp ?? ""))
    .at(-1)?.metadata.name;
}

export async function runRestoreDrill(
  run: Runner,
  facts: DrillFacts,
  options: DrillOptions,
): Promise<DrillReport> {
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const source = options.sourceNamespace ?? facts.sourceNamespace;
  const report: DrillReport = { stack: options.stack, ok: false, checks: [], cleanupFailures: [] };
  const ns = facts.namespace;

  const must = async (command: string, args: string[], input?: string): Promise<string> => {
    const result = await run(command, args, input);
    if (result.code !== 0)
      throw new CommandFailed(`${command} ${args.join(" ")} exited ${result.code}: ${result.stderr.trim()}`);
    return result.stdout;
  };
  const check = async (name: string, body: () => Promise<string>): Promise<boolean> => {
    try {
      report.checks.push({ name, ok: true, detail: await body() });
      return true;
    } catch (err) {
      report.checks.push({ name, ok: false, detail: err instanceof Error ? err.message : String(err) });
      return false;
    }
  };
  /** SQL through the cluster's primary, as the postgres user over the local socket. */
  const sql = async (cluster: string, database: string): Promise<string> => {
    const pod = (
      await must("kubectl", [
        "-n",
        ns,
        "get",
        "pods",
        "-l",
        `${CNPG_LABELS.cluster}=${cluster},${CNPG_LABELS.instanceRole}=primary`,
        "-o",
        "jsonpath={.items[0].metadata.name}",
      ])
    ).trim();
    if (!pod) throw new Error(`cluster ${cluster} has no primary pod`);
    const out = (
      await must("kubectl", [
        "-n",
        ns,
        "exec",
        pod,
        "-c",
        "postgres",
        "--",
        "psql",
        "-d",
        database,
        "-Atc",
        SQL_CHECK,
      ])
    ).trim();
    const [inRecovery, tables] = out.split("|");
    if (inRecovery !== "f")
      throw new Error(`${cluster}/${database} is still in recovery (answered "${out}")`);
    if (!/^\d+$/.test(tables ?? ""))
      throw new Error(`${cluster}/${database} answered "${out}", not a table count`);
    return `${cluster}/${database}: promoted, ${tables} tables`;
  };

  // 1. Velero: the newest backup of the source namespace, restored into the drill namespace.
  const restore = drillRestoreName(options.runId);
  const backup = await check("newest Velero backup", async () => {
    const name = newestBackup(
      await must("kubectl", ["-n", facts.veleroNamespace, "get", "backups.velero.io", "-o", "json"]),
      source,
    );
    if (!name) throw new Error(`no Completed backup includes namespace ${source}`);
    report.backup = name;
    return name;
  });
  try {
    if (backup && report.backup) {
      report.restore = restore;
      try {
        const restored = await check(`velero restore ${source} → ${ns}`, async () => {
          await must("velero", [
            "restore",
            "create",
            restore,
            "--namespace",
            facts.veleroNamespace,
            "--from-backup",
            report.backup ?? "",
            "--include-namespaces",
            source,
            "--namespace-mappings",
            `${source}:${ns}`,
            "--exclude-resources",
            EXCLUDED_RESOURCES.join(","),
            "--resource-modifier-configmap",
            facts.modifiersConfigMap,
            "--wait",
          ]);
          const status = Restore.parse(
            JSON.parse(
              await must("kubectl", [
                "-n",
                facts.veleroNamespace,
                "get",
                "restores.velero.io",
                restore,
                "-o",
                "json",
              ]),
            ),
          ).status;
          if (status?.phase !== "Completed" || (status.errors ?? 0) > 0)
            throw new Error(
              `restore ${restore} is ${status?.phase ?? "unknown"} with ${status?.errors ?? 0} errors`,
            );
          return `${restore} Completed (${status.warnings ?? 0} warnings)`;
        });
        if (restored) {
          const selector = `${VELERO_RESTORE_LABEL}=${restore}`;
          const clusters = Names.parse(
            JSON.parse(await must("kubectl", ["-n", ns, "get", CLUSTERS, "-l", selector, "-o", "json"])),
          ).items.map((c) => c.metadata.name);
          const ready = await check("restored workloads ready", async () => {
            if (clusters.length > 0)
              await must("kubectl", [
                "-n",
                ns,
                "wait",
                "--for=condition=Ready",
                CLUSTERS,
                "-l",
                selector,
                `--timeout=${timeouts.ready}`,
              ]);
            await must("kubectl", [
              "-n",
              ns,
              "wait",
              "--for=condition=Ready",
              "pods",
              "--all",
              `--timeout=${timeouts.ready}`,
            ]);
            return clusters.length > 0 ? `pods ready; clusters ${clusters.join(", ")} ready` : "pods ready";
          });
          if (ready)
            for (const cluster of clusters) {
              const db = facts.postgres.databases.find((d) => d.cluster === cluster);
              if (db) await check(`SQL on restored ${cluster}`, () => sql(cluster, db.database));
            }
        }
      } catch (err) {
        report.checks.push({
          name: "velero drill",
          ok: false,
          detail: err instanceof Error ? err.message : String(err),
        });
      }
    }

    // 2. CloudNativePG: each database recovered from the archive into its own scratch cluster.
    const created = await check("scratch clusters created", async () => {
      const manifests = facts.postgres.databases.map((db) =>
        scratchClusterManifest(facts, db, options.runId),
      );
      await must(
        "kubectl",
        ["apply", "-f", "-"],
        JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }),
      );
      return manifests.length === 1 ? "1 cluster" : `${manifests.length} clusters`;
    });
    if (created)
      for (const db of facts.postgres.databases) {
        const name = scratchClusterName(db.cluster);
        const up = await check(`${name} recovered from the newest base backup`, async () => {
          await must("kubectl", [
            "-n",
            ns,
            "wait",
            "--for=condition=Ready",
            `${CLUSTERS}/${name}`,
            `--timeout=${timeouts.ready}`,
          ]);
          return `${name} ready`;
        });
        if (up) await check(`SQL on ${name}`, () => sql(name, db.database));
      }
  } finally {
    report.cleanupFailures.push(...(await cleanupDrill(run, facts, options.runId, timeouts.cleanup)));
  }

  report.ok =
    report.checks.length > 0 && report.checks.every((c) => c.ok) && report.cleanupFailures.length === 0;
  return report;
}

/** The Velero restore of a drill run. */
export const drillRestoreName = (runId: string) => `drill-${runId}`;

/**
 * Deletes everything a drill run made, and only that: the objects its Velero restore brought (Velero
 * labels them with the restore's name), the restore record, the scratch clusters and their claims
 * (labelled with the run). Safe to repeat, so the workflow runs it again after a cancelled drill.
 * Returns what could not be deleted.
 */
export async function cleanupDrill(
  run: Runner,
  facts: DrillFacts,
  runId: string,
  timeout: string,
): Promise<string[]> {
  const failures: string[] = [];
  const ns = facts.namespace;
  const attempt = async (what: string, command: string, args: string[]) => {
    const result = await run(command, args);
    if (result.code !== 0 && !/not found/i.test(result.stderr))
      failures.push(`${what}: ${command} ${args.join(" ")}: ${result.stderr.trim()}`);
  };
  const deleting = (kinds: string, selector: string) => [
    "-n",
    ns,
    "delete",
    kinds,
    "-l",
    selector,
    "--ignore-not-found",
    "--wait",
    `--timeout=${timeout}`,
  ];
  const restore = drillRestoreName(runId);
  const drillSelector = `${DRILL_LABEL}=${runId}`;
  // Clusters first, so the operator stops them before their claims go.
  await attempt("scratch clusters", "kubectl", deleting(CLUSTERS, drillSelector));
  await attempt("scratch volumes", "kubectl", deleting("persistentvolumeclaims", drillSelector));
  const kinds = await run("kubectl", ["api-resources", "--namespaced", "--verbs=list,delete", "-o", "name"]);
  const names = kinds.stdout
    .split("\n")
    .map((k) => k.trim())
    .filter(Boolean);
  if (kinds.code !== 0 || names.length === 0) failures.push(`listing kinds: ${kinds.stderr.trim()}`);
  else
    await attempt(
      "restored objects",
      "kubectl",
      deleting(names.join(","), `${VELERO_RESTORE_LABEL}=${restore}`),
    );
  await attempt("restore record", "velero", [
    "restore",
    "delete",
    restore,
    "--namespace",
    facts.veleroNamespace,
    "--confirm",
  ]);
  return failures;
}

/** The job summary: one line per check, and what cleanup left behind. */
export function drillSummary(report: DrillReport): string {
  const lines = [
    `## Restore drill: ${report.stack} ${report.ok ? "passed" : "FAILED"}`,
    "",
    report.backup
      ? `Velero backup \`${report.backup}\`, restore \`${report.restore ?? "-"}\`.`
      : "No Velero backup restored.",
    "",
    "| check | result | detail |",
    "|---|---|---|",
    ...report.checks.map(
      (c) =>
        `| ${c.name} | ${c.ok ? "pass" : "**fail**"} | ${c.detail.replace(/\|/g, "\\|").replace(/\n/g, " ")} |`,
    ),
  ];
  if (report.cleanupFailures.length > 0)
    lines.push(
      "",
      "**Cleanup failed**; delete these by hand:",
      "",
      ...report.cleanupFailures.map((f) => `- ${f}`),
    );
  return `${lines.join("\n")}\n`;
}
