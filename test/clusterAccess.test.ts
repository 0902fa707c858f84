/**
 * CI reaches the cluster: every job that runs Pulumi against a stack opens the cluster access
 * (OpenBao's port-forward; for deploys also this runner's address on the control-plane firewall)
 * before Pulumi and closes it after, whatever happened. And refresh/destroy work at any age: every
 * documented or scripted `pulumi refresh` and `pulumi destroy` runs the program (`--run-program`),
 * so the Kubernetes provider gets a fresh DOKS token, not the expired one stored in state.
 */
import { spawnSync, type SpawnSyncReturns } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "../tools/engine/engine";
import { callsPulumi, parseWorkflow, type Step } from "./workflowModel";

const read = (...p: string[]) => fs.readFileSync(path.join(PROJECT_ROOT, ...p), "utf8");
const workflow = (file: string) => parseWorkflow(read(".github", "workflows", file));
const SCRIPT = "tools/ci/cluster-access.sh";

const isPulumiRun = (s: Step) =>
  (s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined) ||
  /(^|\s)pulumi (up|preview|refresh|destroy)\b/.test(s.run ?? "");

describe.each([
  ["deploy.yml", "up", true],
  ["pr-preview.yml", "preview", false],
  ["drift.yml", "detect", false],
])("%s", (file, jobName, admitsRunner) => {
  const jobs = workflow(file).jobs;
  const job = jobName === "up" || jobName === "detect" ? jobs[jobName] : Object.values(jobs)[0];
  const steps = job.steps ?? [];
  const pulumiAt = steps.findIndex(isPulumiRun);
  const openAt = steps.findIndex((s) => (s.run ?? "").includes(`${SCRIPT} open "$STACK"`));
  const closeAt = steps.findIndex((s) => (s.run ?? "").includes(`${SCRIPT} close "$STACK"`));

  it("opens the cluster access before Pulumi runs and closes it after, always", () => {
    expect(pulumiAt).toBeGreaterThan(-1);
    expect(openAt).toBeGreaterThan(-1);
    expect(openAt).toBeLessThan(pulumiAt);
    expect(closeAt).toBeGreaterThan(pulumiAt);
    expect(String(steps[closeAt].if)).toMatch(/always\(\)/);
  });

  it(`${admitsRunner ? "admits" : "does not admit"} the runner to the control-plane firewall`, () => {
    expect((steps[openAt]?.run ?? "").includes("--admit-runner")).toBe(admitsRunner);
  });

  it("hands the DigitalOcean token only to the access steps, which count as Pulumi steps", () => {
    for (const at of [openAt, closeAt]) {
      expect(steps[at].env?.DIGITALOCEAN_TOKEN).toBe("${{ secrets.DIGITALOCEAN_TOKEN }}");
      expect(callsPulumi(steps[at])).toBe(true);
    }
  });
});

describe("the cluster-access script", () => {
  const script = read(SCRIPT);

  it("is executable", () => {
    expect(fs.statSync(path.join(PROJECT_ROOT, SCRIPT)).mode & 0o111).not.toBe(0);
  });

  it("forwards OpenBao with a fresh kubeconfig from the API, never the stack's stored one", () => {
    expect(script).toMatch(/\/kubeconfig\?expiry_seconds=3600/);
    expect(script).toMatch(/port-forward svc\/openbao 8200:8200/);
    expect(script).not.toMatch(/stack output kubeconfig/);
  });

  it("puts the runner's address in the run's allow-list and takes it off the cluster on close", () => {
    expect(script).toMatch(
      /pulumi config set --path "digitalocean\.controlPlaneFirewall\.allowedAddresses\[/,
    );
    expect(script).toMatch(/map\(select\(\. != \$a\)\)/);
  });
});

/**
 * Runs `<action> production` of the script in a fresh RUNNER_TEMP with fake binaries on PATH, each
 * a bash body (`fakes` gets the directory) that first logs its call to `calls.log` there. `prepare`
 * fills the directory beforehand; `inspect` reads the run and the directory before it is removed.
 */
function runScript<T>(
  action: "open" | "close",
  fakes: (dir: string) => Record<string, string>,
  inspect: (run: SpawnSyncReturns<string>, dir: string) => T,
  prepare: (dir: string) => void = () => undefined,
): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prism-cluster-access-"));
  try {
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    const log = path.join(dir, "calls.log");
    for (const [name, body] of Object.entries(fakes(dir))) {
      fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> ${log}\n${body}\n`, {
        mode: 0o755,
      });
    }
    prepare(dir);
    const run = spawnSync("bash", [path.join(PROJECT_ROOT, SCRIPT), action, "production"], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: dir, DIGITALOCEAN_TOKEN: "t" },
    });
    return inspect(run, dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("the cluster-access script against a cluster", () => {
  /** Runs `open production` with fake pulumi, curl (the DigitalOcean API) and kubectl on PATH. */
  const open = (kubectl: "unreachable" | "absent") =>
    runScript(
      "open",
      () => ({
        pulumi: "exit 0",
        curl: `case "$*" in *kubeconfig*) echo "apiVersion: v1" ;; *) echo '{"kubernetes_clusters":[{"name":"prism-production","id":"c1"}]}' ;; esac`,
        kubectl:
          kubectl === "unreachable"
            ? 'echo "Unable to connect to the server: dial tcp 203.0.113.1:443: i/o timeout" >&2; exit 1'
            : "exit 0",
      }),
      (run) => run,
    );

  it("fails at once, saying why, when the Kubernetes API does not answer (a firewall that did not admit the runner)", () => {
    const run = open("unreachable");
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      "::error::the Kubernetes API of prism-production does not answer this runner",
    );
    expect(run.stdout).toContain("i/o timeout");
  });

  it("forwards nothing, and succeeds, while OpenBao is not installed yet", () => {
    const run = open("absent");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("OpenBao is not installed yet");
  });
});

describe("the cluster-access script closing a deploy that admitted its runner", () => {
  it("takes the runner off the cluster, then refreshes only the cluster so its state no longer lists the runner", () => {
    const cluster =
      "urn:pulumi:production::prism::prism:cluster:DoksCluster$digitalocean:index/kubernetesCluster:KubernetesCluster::prism";
    const exported = JSON.stringify({
      deployment: {
        resources: [
          {
            type: "digitalocean:index/vpc:Vpc",
            urn: "urn:pulumi:production::prism::digitalocean:index/vpc:Vpc::prism",
          },
          { type: "digitalocean:index/kubernetesCluster:KubernetesCluster", urn: cluster },
        ],
      },
    });
    runScript(
      "close",
      (dir) => ({
        pulumi: `[ "$1 $2" = "stack export" ] && echo '${exported}'; exit 0`,
        curl:
          // Keeps the body of the update (the -d argument) to read back.
          `prev=""; for a in "$@"; do [ "$prev" = "-d" ] && printf '%s' "$a" > ${path.join(dir, "put.json")}; prev="$a"; done\n` +
          `case "$*" in *PUT*) exit 0 ;; *c1*) echo '{"kubernetes_cluster":{"control_plane_firewall":{"allowed_addresses":["203.0.113.0/24","198.51.100.7/32"]}}}' ;; *) echo '{"kubernetes_clusters":[{"name":"prism-production","id":"c1"}]}' ;; esac`,
      }),
      (run, dir) => {
        expect(run.status).toBe(0);
        expect(JSON.parse(fs.readFileSync(path.join(dir, "put.json"), "utf8"))).toEqual({
          name: "prism-production",
          control_plane_firewall: { enabled: true, allowed_addresses: ["203.0.113.0/24"] },
        });
        const calls = fs.readFileSync(path.join(dir, "calls.log"), "utf8");
        const refresh = calls.indexOf(`pulumi refresh --yes --skip-preview --target ${cluster}\n`);
        expect(refresh).toBeGreaterThan(calls.indexOf("-X PUT"));
      },
      (dir) => {
        const state = path.join(dir, "cluster-access-production");
        fs.mkdirSync(state);
        fs.writeFileSync(path.join(state, "runner-address"), "198.51.100.7/32\n");
      },
    );
  });
});

describe("refresh and destroy at any age", () => {
  const docs = [
    "README.md",
    ...fs.readdirSync(path.join(PROJECT_ROOT, "docs")).map((f) => path.join("docs", f)),
    ...fs
      .readdirSync(path.join(PROJECT_ROOT, ".github", "workflows"))
      .map((f) => path.join(".github", "workflows", f)),
    // The CI and drill scripts, and the texts their tools write (issue bodies are instructions too).
    ...["ci", "drill"].flatMap((dir) =>
      fs
        .readdirSync(path.join(PROJECT_ROOT, "tools", dir))
        .filter((f) => /\.(sh|ts)$/.test(f))
        .map((f) => path.join("tools", dir, f)),
    ),
  ].filter((f) => fs.statSync(path.join(PROJECT_ROOT, f)).isFile());

  it("every pulumi refresh and pulumi destroy runs the program", () => {
    const missing: string[] = [];
    for (const file of docs)
      for (const line of read(file).split("\n"))
        if (
          /pulumi (refresh|destroy)\b/.test(line) &&
          !line.includes("--run-program") &&
          // The one exception: cluster-access.sh refreshes the DOKS cluster alone, through the
          // DigitalOcean provider, whose token does not expire like a kubeconfig's (its close test
          // checks the target is the cluster's URN).
          !(file === SCRIPT && line.trim() === 'pulumi refresh --yes --skip-preview --target "$urn"')
        )
          missing.push(`${file}: ${line.trim()}`);
    expect(missing).toEqual([]);
  });

  it("no preview or up refreshes with the providers stored in state (--refresh)", () => {
    const refreshing: string[] = [];
    for (const file of docs)
      for (const line of read(file).split("\n"))
        if (/pulumi (preview|up)\b.*--refresh\b/.test(line)) refreshing.push(`${file}: ${line.trim()}`);
    expect(refreshing).toEqual([]);
  });

  it("the README says which: the program runs on refresh and destroy", () => {
    expect(read("README.md")).toMatch(/pulumi refresh --run-program/);
    expect(read("README.md")).toMatch(/pulumi destroy --run-program/);
  });
});
