/**
 * The first `pulumi preview` of a new stack: values providers compute are unknown, the pack reports
 * which policies could not decide and on what (as CrossGuard does, advisory), and the checks that
 * must block a pull request — tunnel DNS records proxied, the 7018 load balancer's source ranges,
 * Velero's values, the operator hosts behind Access — still decide.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { planStack, PROJECT_ROOT } from "../tools/engine/engine";
import type { Plan, PlannedResource } from "../tools/engine/plan";
import { checkPlan, mandatory } from "../tools/engine/policyRun";
import { decided, undecidedOf } from "../tools/engine/undecided";
import { UNKNOWN } from "../policies/lib/unknowns";

jest.setTimeout(600_000);

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const ACCESS_APP = "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication";
const SERVICE = "kubernetes:core/v1:Service";
const RELEASE = "kubernetes:helm.sh/v3:Release";

/** The four checks a first preview must decide. */
const MUST_DECIDE = [
  "cf-tunnel-dns-proxied",
  "k8s-service-exposure",
  "helm-no-plaintext-secrets",
  "cf-operator-hosts-behind-access",
];

let firstPreview: Promise<Plan> | undefined;
const previewPlan = () => (firstPreview ??= planStack({ stack: "production", firstPreview: true }));

function find(plan: Plan, type: string, name: string): PlannedResource {
  const r = plan.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`the first-preview plan has no ${type} ${name}`);
  return r;
}

/** A copy of the plan with one resource edited (inputs, and outputs where stack policies read them). */
function edited(plan: Plan, edit: (copy: Plan) => void): Plan {
  const copy = structuredClone(plan);
  edit(copy);
  return copy;
}

describe("a first preview of production", () => {
  it("leaves what providers compute unknown, and what the program gives known", async () => {
    const plan = await previewPlan();
    const tunnelRecord = find(plan, DNS, "edge-grafana");
    // The tunnel's id is the provider's: its CNAME target is unknown, its proxied flag is not.
    expect(tunnelRecord.inputs.content).toBe(UNKNOWN);
    expect(tunnelRecord.inputs.proxied).toBe(true);
    const lb = find(plan, SERVICE, "traefik-cvm-agents").inputs.spec as {
      loadBalancerSourceRanges: string[];
    };
    expect(lb.loadBalancerSourceRanges.length).toBeGreaterThan(0);
    expect(lb.loadBalancerSourceRanges).toContain(UNKNOWN);
    // An ordinary plan knows everything.
    const up = await planStack({ stack: "production" });
    expect(JSON.stringify(up.resources.map((r) => r.inputs))).not.toContain(UNKNOWN);
  });

  it("reports which policies could not decide, on which resource and property", async () => {
    const violations = await checkPlan(await previewPlan());
    const undecided = undecidedOf(violations);
    expect(undecided.length).toBeGreaterThan(0);
    for (const u of undecided) expect(u.path).toMatch(/^\.[A-Za-z]/);
    // Each is reported advisory, as CrossGuard reports a policy that read an unknown value.
    for (const v of violations.filter((x) => x.undecided !== undefined)) {
      expect(v.enforcementLevel).toBe("advisory");
      expect(v.message).toMatch(
        new RegExp(`^can't run policy '${v.policy}' during preview: .* can't be known during preview$`),
      );
    }
    // credentials-are-secrets reads every property, so it stops at a CSR's private key, which
    // the key resource computes.
    expect(undecided).toContainEqual({
      policy: "credentials-are-secrets",
      urn: expect.stringMatching(/tls:index\/certRequest:CertRequest::traefik-origin-server-csr$/),
      path: ".privateKeyPem",
    });
  });

  it("decides the tunnel records, the 7018 source ranges, Velero's values and the Access hosts", async () => {
    const violations = await checkPlan(await previewPlan());
    const undecidedPolicies = new Set(undecidedOf(violations).map((u) => u.policy));
    for (const policy of MUST_DECIDE) expect(undecidedPolicies.has(policy)).toBe(false);
    expect(mandatory(decided(violations))).toEqual([]);
  });

  const BREAKS: [string, string, (plan: Plan) => void, RegExp][] = [
    [
      "cf-tunnel-dns-proxied",
      "stop proxying Grafana's tunnel record",
      (plan) => (find(plan, DNS, "edge-grafana").inputs.proxied = false),
      /CNAME to a target not yet known/,
    ],
    [
      "k8s-service-exposure",
      "open the 7018 load balancer to any source beside the unknown NAT addresses",
      (plan) => {
        const spec = find(plan, SERVICE, "traefik-cvm-agents").inputs.spec as {
          loadBalancerSourceRanges: string[];
        };
        spec.loadBalancerSourceRanges.push("0.0.0.0/0");
      },
      /without restrictive loadBalancerSourceRanges/,
    ],
    [
      "helm-no-plaintext-secrets",
      "put a literal Spaces secret into Velero's values",
      (plan) => {
        const values = find(plan, RELEASE, "velero").inputs.values as Record<string, unknown>;
        values.credentials = { password: "literal-value" };
      },
      /^release velero sets values\.credentials\.password to a literal/,
    ],
    [
      "cf-operator-hosts-behind-access",
      "delete Grafana's Access application",
      (plan) => plan.resources.splice(plan.resources.indexOf(find(plan, ACCESS_APP, "edge-grafana")), 1),
      /operator host grafana\./,
    ],
  ];

  it.each(BREAKS)("%s blocks on a first preview: %s", async (policy, _what, edit, message) => {
    const violations = await checkPlan(edited(await previewPlan(), edit));
    const blocking = mandatory(decided(violations)).filter((v) => v.policy === policy);
    expect(blocking.map((v) => v.message)).toEqual([expect.stringMatching(message)]);
  });
});

describe("npm run plan -- --first-preview", () => {
  it("plans as a first preview and prints the undecidable list", () => {
    const tsx = path.join(PROJECT_ROOT, "node_modules", ".bin", "tsx");
    const result = spawnSync(
      tsx,
      [path.join(PROJECT_ROOT, "tools", "plan.ts"), "--stack", "staging", "--first-preview"],
      {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env: { ...process.env, PULUMI_CONFIG: "", PULUMI_ACCESS_TOKEN: "" },
      },
    );
    expect(result.stderr).not.toMatch(/^error/m);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("first preview: provider-computed values unknown");
    expect(result.stdout).toMatch(/Undecidable on a first preview: \d+ check\(s\) of \d+ policy\(ies\)/);
    expect(result.stdout).toMatch(
      /\n {2}credentials-are-secrets\n {6}urn:pulumi:staging::prism::.*\n {8}\.[A-Za-z0-9.[\]]+ is unknown/,
    );
    for (const policy of MUST_DECIDE) expect(result.stdout).not.toMatch(new RegExp(`\\n  ${policy}\\n`));
  });
});
