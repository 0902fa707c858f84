/**
 * cloudflared stays a supported connector: Cloudflare supports a release for about a year, so the
 * pinned tag is younger than that and Renovate has a rule that proposes every new release.
 */
import * as fs from "fs";
import * as path from "path";
import { IMAGES } from "../components/helm/catalog";
import { PROJECT_ROOT } from "../tools/engine/engine";

interface PackageRule {
  matchPackageNames?: string[];
  matchDatasources?: string[];
  versioning?: string;
}

const renovate = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "renovate.json"), "utf8")) as {
  packageRules: PackageRule[];
};
const pin = IMAGES.cloudflared;

/** The month a calendar-versioned cloudflared tag (YYYY.M.P) was released, as months since year 0. */
function releaseMonth(tag: string): number {
  const m = /^(\d{4})\.(\d{1,2})\.(\d+)$/.exec(tag);
  if (!m) throw new Error(`IMAGES.cloudflared.tag is "${tag}"; allowed: a calendar version YYYY.M.P`);
  return Number(m[1]) * 12 + Number(m[2]) - 1;
}

describe("cloudflared pin", () => {
  it("is a release inside Cloudflare's one-year support window", () => {
    const now = new Date();
    const age = now.getUTCFullYear() * 12 + now.getUTCMonth() - releaseMonth(pin.tag);
    expect({ tag: pin.tag, monthsOld: age, supported: age <= 12 }).toEqual({
      tag: pin.tag,
      monthsOld: age,
      supported: true,
    });
  });

  it("has a Renovate rule for its repository whose versioning reads the pinned tag", () => {
    const rule = renovate.packageRules.find((r) => r.matchPackageNames?.includes(pin.repository));
    expect(rule).toBeDefined();
    expect(rule?.matchDatasources).toEqual(["docker"]);
    const versioning = /^regex:(.*)$/.exec(rule?.versioning ?? "");
    expect(versioning).not.toBeNull();
    const re = new RegExp(versioning?.[1] ?? "");
    expect(re.exec(pin.tag)?.groups).toEqual(expect.objectContaining({ major: expect.any(String) }));
    // A non-release tag (nightly builds, "latest") is never proposed.
    expect(re.test("latest")).toBe(false);
    expect(re.test("2026.5.0-amd64")).toBe(false);
  });
});
