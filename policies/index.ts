/** The CrossGuard entry: `pulumi preview --policy-pack policies [--policy-pack-config policies/config/<stack>.json]`. */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL } from "./lib/evaluate";
import { allPolicies } from "./rules";

new PolicyPack("prism-security", {
  description: "Security rules of the Prism platform",
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  policies: allPolicies,
});
