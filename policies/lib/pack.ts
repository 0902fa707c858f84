import type { EnforcementLevel } from "@pulumi/policy";

/** The pack's name and its default enforcement: a rule is weaker only where its config says why. */
export const PACK_NAME = "prism-security";
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";
