/**
 * Every rule of the pack. Importing this module does not start the policy server (policies/index.ts
 * does), so the offline plan and the tests evaluate these same objects.
 */
import type { Policies } from "@pulumi/policy";
import { confidentialVmPolicies } from "./confidentialVms";
import { kubernetesWorkloadPolicies } from "./kubernetesWorkloads";
import { namespaceAndNetworkPolicies } from "./namespacesAndNetwork";
import { stackSafetyPolicies } from "./stackSafety";

export const allPolicies: Policies = [
  ...kubernetesWorkloadPolicies,
  ...namespaceAndNetworkPolicies,
  ...stackSafetyPolicies,
  ...confidentialVmPolicies,
];
