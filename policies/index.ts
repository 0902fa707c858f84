/** The CrossGuard entry: `pulumi preview --policy-pack policies [--policy-pack-config policies/config/<stack>.json]`. */
import { PolicyPack } from "@pulumi/policy";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME } from "./lib/pack";
import { recordSecretsFromWire } from "./lib/secrets";
import { allPolicies } from "./rules";

recordSecretsFromWire();

new PolicyPack(PACK_NAME, {
  description: "Security rules of the Prism platform",
  enforcementLevel: PACK_ENFORCEMENT_LEVEL,
  policies: allPolicies,
});
