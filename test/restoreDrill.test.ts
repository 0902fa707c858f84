import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import {
  DRILL_LABEL,
  drillDatabases,
  drillResourceModifiers,
  scratchClusterManifest,
  type DrillFacts,
} from "../components/backup/restoreDrill";
import { drillKubeconfig } from "../components/backup/restoreDrillAccess";
import { postgresBucketName } from "../components/data/postgres";
import { DATABASES } from "../services/catalog";
import { gitHubApi } from "../tools/ci/githubApi";
import { drillIssueTitle, readDrillReport, reportDrills } from "../tools/drill/drillIssue";
import {
  cleanupDrill,
  newestBackup,
  runRestoreDrill,
  SQL_CHECK,
  type CommandResult,
  type Runner,
} from "../tools/drill/restoreDrill";
import { BOT, startFakeGitHub } from "./fakeGitHub";
import { one, ofType, planOf } from "./harness";

const FACTS: DrillFacts = {
  namespace: "restore-drill",
  veleroNamespace: "velero",
  sourceNamespace: "data",
  modifiersConfigMap: "restore-drill-modifiers",
  postgres: {
    destinationPath: "s3://prism-staging-postgres/",
    endpointURL: "https://fra1.digitaloceanspaces.com",
    imageName: "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie",
    storageGiB: 10,
    credentialsSecret: "restore-drill-backup-reader",
    databases: [
      { cluster: "users-db", database: "users" },
      { cluster: "spicedb-db", database: "spicedb" },
    ],
  },
};

const BACKUPS = JSON.stringify({
  items: [
    {
      metadata: { name: "velero-daily-1" },
      spec: { includedNamespaces: ["*"] },
      status: { phase: "Completed", startTimestamp: "2026-03-01T02:00:00Z" },
    },
    {
      metadata: { name: "velero-hourly-state-2" },
      spec: { includedNamespaces: ["data", "openbao"] },
      status: { phase: "Completed", startTimestamp: "2026-03-01T05:15:00Z" },
    },
    {
      metadata: { name: "velero-hourly-state-3" },
      spec: { includedNamespaces: ["data", "openbao"] },
      status: { phase: "PartiallyFailed", startTimestamp: "2026-03-01T06:15:00Z" },
    },
    {
      metadata: { name: "other-4" },
      spec: { includedNamespaces: ["edge"] },
      status: { phase: "Completed", startTimestamp: "2026-03-01T07:00:00Z" },
    },
  ],
});

type Answer = Partial<CommandResult> | ((args: string[], input?: string) => Partial<CommandResult>);

/** A fake kubectl and velero: answers by the first rule whose pattern the command line matches. */
function fakeCluster(rules: [RegExp, Answer][]) {
  const calls: { line: string; input?: string }[] = [];
  const run: Runner = (command, args, input) => {
    const line = [command, ...args].join(" ");
    calls.push({ line, input });
    const rule = rules.find(([re]) => re.test(line));
    const answer = rule ? (typeof rule[1] === "function" ? rule[1](args, input) : rule[1]) : {};
    return Promise.resolve({ code: 0, stdout: "", stderr: "", ...answer });
  };
  return { run, calls, lines: () => calls.map((c) => c.line) };
}

const HEALTHY: [RegExp, Answer][] = [
  [/get backups\.velero\.io/, { stdout: BACKUPS }],
  [
    /get restores\.velero\.io/,
    { stdout: JSON.stringify({ status: { phase: "Completed", errors: 0, warnings: 2 } }) },
  ],
  [
    /get clusters\.postgresql\.cnpg\.io -l velero/,
    { stdout: JSON.stringify({ items: [{ metadata: { name: "users-db" } }] }) },
  ],
  [
    /get pods -l cnpg\.io\/cluster=([\w-]+)/,
    (args) => ({ stdout: `${/cluster=([\w-]+)/.exec(args.join(" "))?.[1]}-1` }),
  ],
  [/exec .* psql/, { stdout: "f|12\n" }],
  [/api-resources/, { stdout: "configmaps\npods\nsecrets\nclusters.postgresql.cnpg.io\n" }],
];

const options = { stack: "staging", runId: "77-1" };

describe("restore drill (tools/drill)", () => {
  it("picks the newest Completed backup that covers the namespace", () => {
    expect(newestBackup(BACKUPS, "data")).toBe("velero-hourly-state-2");
    expect(newestBackup(BACKUPS, "edge")).toBe("other-4");
    expect(newestBackup(BACKUPS, "prism")).toBe("velero-daily-1");
    expect(newestBackup(JSON.stringify({ items: [] }), "data")).toBeUndefined();
  });

  it("restores into the drill namespace, checks, recovers every database, and cleans up", async () => {
    const k = fakeCluster(HEALTHY);
    const report = await runRestoreDrill(k.run, FACTS, options);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.backup).toBe("velero-hourly-state-2");
    const lines = k.lines();
    expect(lines).toContain(
      "velero restore create drill-77-1 --namespace velero --from-backup velero-hourly-state-2 --include-namespaces data --namespace-mappings data:restore-drill --exclude-resources backups.postgresql.cnpg.io,scheduledbackups.postgresql.cnpg.io --resource-modifier-configmap restore-drill-modifiers --wait",
    );
    expect(lines).toContain("kubectl -n restore-drill wait --for=condition=Ready pods --all --timeout=45m");
    expect(lines).toContain(
      `kubectl -n restore-drill exec users-db-1 -c postgres -- psql -d users -Atc ${SQL_CHECK}`,
    );
    // One scratch cluster per database, applied in one List from the generated manifests.
    const apply = k.calls.find((c) => c.line === "kubectl apply -f -");
    const list = JSON.parse(apply?.input ?? "{}") as { items: { metadata: { name: string } }[] };
    expect(list.items.map((i) => i.metadata.name)).toEqual(["drill-users-db", "drill-spicedb-db"]);
    for (const name of ["drill-users-db", "drill-spicedb-db"])
      expect(lines).toContain(
        `kubectl -n restore-drill wait --for=condition=Ready clusters.postgresql.cnpg.io/${name} --timeout=45m`,
      );
    expect(lines).toContain(
      `kubectl -n restore-drill exec drill-spicedb-db-1 -c postgres -- psql -d spicedb -Atc ${SQL_CHECK}`,
    );
    // Cleanup deletes only what this run made, then the restore record.
    expect(lines.slice(-5)).toEqual([
      `kubectl -n restore-drill delete clusters.postgresql.cnpg.io -l ${DRILL_LABEL}=77-1 --ignore-not-found --wait --timeout=20m`,
      `kubectl -n restore-drill delete persistentvolumeclaims -l ${DRILL_LABEL}=77-1 --ignore-not-found --wait --timeout=20m`,
      "kubectl api-resources --namespaced --verbs=list,delete -o name",
      "kubectl -n restore-drill delete configmaps,pods,secrets,clusters.postgresql.cnpg.io -l velero.io/restore-name=drill-77-1 --ignore-not-found --wait --timeout=20m",
      "velero restore delete drill-77-1 --namespace velero --confirm",
    ]);
  });

  it("fails on a PartiallyFailed restore, still recovers the databases, and cleans up", async () => {
    const k = fakeCluster([
      [
        /get restores\.velero\.io/,
        { stdout: JSON.stringify({ status: { phase: "PartiallyFailed", errors: 3 } }) },
      ],
      ...HEALTHY,
    ]);
    const report = await runRestoreDrill(k.run, FACTS, options);
    expect(report.ok).toBe(false);
    expect(report.checks.find((c) => !c.ok)?.detail).toBe(
      "restore drill-77-1 is PartiallyFailed with 3 errors",
    );
    expect(k.lines()).toContain("kubectl apply -f -");
    expect(k.lines().at(-1)).toBe("velero restore delete drill-77-1 --namespace velero --confirm");
  });

  it("fails when a recovered database is still in recovery or a wait times out, and cleans up", async () => {
    const k = fakeCluster([
      [/exec drill-users-db-1/, { stdout: "t|0" }],
      [
        /wait --for=condition=Ready clusters\.postgresql\.cnpg\.io\/drill-spicedb-db/,
        { code: 1, stderr: "error: timed out waiting for the condition" },
      ],
      ...HEALTHY,
    ]);
    const report = await runRestoreDrill(k.run, FACTS, options);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.detail)).toEqual([
      'drill-users-db/users is still in recovery (answered "t|0")',
      expect.stringContaining("timed out waiting for the condition"),
    ]);
    expect(k.lines()).not.toContain(expect.stringContaining("exec drill-spicedb-db-1"));
    expect(k.lines()).toContain(
      `kubectl -n restore-drill delete clusters.postgresql.cnpg.io -l ${DRILL_LABEL}=77-1 --ignore-not-found --wait --timeout=20m`,
    );
  });

  it("with no backup of the namespace, restores nothing and fails, but still drills the databases", async () => {
    const k = fakeCluster([
      [/get backups\.velero\.io/, { stdout: JSON.stringify({ items: [] }) }],
      ...HEALTHY,
    ]);
    const report = await runRestoreDrill(k.run, FACTS, { ...options, sourceNamespace: "prism" });
    expect(report.ok).toBe(false);
    expect(report.checks[0]).toEqual({
      name: "newest Velero backup",
      ok: false,
      detail: "no Completed backup includes namespace prism",
    });
    expect(k.lines().some((l) => l.startsWith("velero restore create"))).toBe(false);
    expect(k.lines()).toContain("kubectl apply -f -");
  });

  it("reports a cleanup that failed, and treats 'not found' as already clean", async () => {
    const k = fakeCluster([
      [/delete persistentvolumeclaims/, { code: 1, stderr: "Error from server (Forbidden)" }],
      [/velero restore delete/, { code: 1, stderr: 'restores.velero.io "drill-77-1" not found' }],
      ...HEALTHY,
    ]);
    const failures = await cleanupDrill(k.run, FACTS, "77-1", "20m");
    expect(failures).toEqual([expect.stringMatching(/^scratch volumes: .*Forbidden/)]);
    const report = await runRestoreDrill(k.run, FACTS, options);
    expect(report.ok).toBe(false);
    expect(report.cleanupFailures).toHaveLength(1);
  });
});

describe("restore drill manifests", () => {
  it("the scratch cluster recovers from the platform's archive with the read-only key and never archives", () => {
    const manifest = scratchClusterManifest(FACTS, FACTS.postgres.databases[0], "77-1");
    expect(manifest).toMatchObject({
      apiVersion: "postgresql.cnpg.io/v1",
      kind: "Cluster",
      metadata: { name: "drill-users-db", namespace: "restore-drill", labels: { [DRILL_LABEL]: "77-1" } },
      spec: {
        instances: 1,
        storage: { size: "10Gi", storageClass: "do-block-storage" },
        bootstrap: { recovery: { source: "users-db", database: "users", owner: "users" } },
        externalClusters: [
          {
            name: "users-db",
            barmanObjectStore: {
              destinationPath: "s3://prism-staging-postgres/",
              serverName: "users-db",
              s3Credentials: { accessKeyId: { name: "restore-drill-backup-reader", key: "ACCESS_KEY_ID" } },
            },
          },
        ],
      },
    });
    expect((manifest.spec as Record<string, unknown>).backup).toBeUndefined();
  });

  it("the resource modifiers drop the copy's archive section and let its volumes go", () => {
    const doc = parseYaml(drillResourceModifiers()) as {
      resourceModifierRules: { conditions: { groupResource: string }; patches: unknown[] }[];
    };
    expect(doc.resourceModifierRules).toEqual([
      {
        conditions: { groupResource: "clusters.postgresql.cnpg.io", resourceNameRegex: ".*" },
        patches: [{ operation: "remove", path: "/spec/backup" }],
      },
      {
        conditions: { groupResource: "persistentvolumes", resourceNameRegex: ".*" },
        patches: [{ operation: "replace", path: "/spec/persistentVolumeReclaimPolicy", value: "Delete" }],
      },
    ]);
  });

  it("the drill's kubeconfig keeps the cluster's server and CA and carries only the ServiceAccount token", () => {
    const admin =
      "clusters:\n- cluster:\n    server: https://x.k8s.example\n    certificate-authority-data: Q0E=\n  name: c\nusers:\n- name: admin\n  user:\n    token: ADMIN\n";
    const out = drillKubeconfig(admin, Buffer.from("drill-token").toString("base64"), "restore-drill");
    expect(out).not.toContain("ADMIN");
    expect(parseYaml(out)).toMatchObject({
      clusters: [{ cluster: { server: "https://x.k8s.example", "certificate-authority-data": "Q0E=" } }],
      users: [{ name: "restore-drill", user: { token: "drill-token" } }],
      contexts: [{ context: { namespace: "restore-drill" } }],
    });
    expect(() => drillKubeconfig("clusters: []\n", "", "x")).toThrow(
      /no server or certificate-authority-data/,
    );
  });
});

describe("restore drill in the plan", () => {
  it.each(["staging", "production"])(
    "%s: facts name the real archive and clusters; the drill's access is namespaced",
    async (stack) => {
      const plan = await planOf(stack);
      const facts = plan.outputs.restoreDrill as DrillFacts;
      expect(facts.postgres.destinationPath).toBe(`s3://${postgresBucketName(stack)}/`);
      expect(facts.postgres.databases).toEqual(drillDatabases());
      expect(facts.postgres.databases).toHaveLength(DATABASES.length);
      const cluster = ofType(plan, "kubernetes:postgresql.cnpg.io/v1:Cluster").find(
        (c) => (c.inputs.metadata as { name: string }).name === facts.postgres.databases[0].cluster,
      );
      expect(cluster).toBeDefined();
      // The reader key can only read the PostgreSQL bucket.
      const key = one(plan, "digitalocean:index/spacesKey:SpacesKey", "restore-drill-backup-reader");
      expect(key.inputs.grants).toEqual([{ bucket: postgresBucketName(stack), permission: "read" }]);
      // No ClusterRole: every grant is a Role in velero or restore-drill.
      const roles = ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:Role").filter((r) =>
        r.name.startsWith("restore-drill-"),
      );
      expect(roles.map((r) => (r.inputs.metadata as { namespace: string }).namespace).sort()).toEqual([
        "restore-drill",
        "velero",
      ]);
      expect(
        ofType(plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").filter((r) =>
          r.name.startsWith("restore-drill"),
        ),
      ).toEqual([]);
      // The operator may reach clusters in the drill namespace (its egress policy names it).
      const egress = one(plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "data-cnpg-egress");
      expect(JSON.stringify(egress.inputs)).toContain('"kubernetes.io/metadata.name":"restore-drill"');
      expect(plan.outputSecretPaths).toEqual(expect.arrayContaining(["restoreDrillKubeconfig"]));
    },
  );
});

describe("restore drill issues", () => {
  const REPO = "example-org/prism-platform";
  it("opens an issue for a failed or missing drill and closes it when the drill passes", async () => {
    const gh = await startFakeGitHub(REPO);
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-"));
      const failed = {
        stack: "staging",
        ok: false,
        checks: [{ name: "x", ok: false, detail: "boom" }],
        cleanupFailures: [],
      };
      fs.writeFileSync(path.join(dir, "staging.json"), JSON.stringify(failed));
      const api = gitHubApi(gh.url, gh.token);
      const outcomes = [readDrillReport(dir, "staging"), readDrillReport(dir, "production")];
      expect(outcomes[1].report).toBeUndefined();
      const first = await reportDrills(api, REPO, outcomes, "RUN", BOT.login);
      expect(first.map((a) => a.action)).toEqual(["opened", "opened"]);
      expect(gh.issues.map((i) => i.title)).toEqual([
        drillIssueTitle("staging"),
        drillIssueTitle("production"),
      ]);
      expect(gh.issues[0].body).toContain("boom");
      expect(gh.issues[1].body).toContain("left no report");
      const passed = {
        stack: "staging",
        report: { ...failed, ok: true, checks: [{ name: "x", ok: true, detail: "" }] },
      };
      const second = await reportDrills(api, REPO, [passed], "RUN2", BOT.login);
      expect(second).toEqual([{ stack: "staging", action: "closed", issue: gh.issues[0].number }]);
      expect(gh.issues[0].state).toBe("closed");
    } finally {
      await gh.close();
    }
  });
});
