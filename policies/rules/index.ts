/**
 * Every rule of the pack. Importing this module does not start the policy server (policies/index.ts
 * does), so the offline plan and the tests evaluate these same objects.
 */
import type { Policies } from "@pulumi/policy";
import { checkingReleaseRenders } from "../lib/releaseChecks";
import { budgetPolicies } from "./budget";
import { cloudflarePolicies } from "./cloudflare";
import { confidentialVmPolicies } from "./confidentialVms";
import { dataSafetyPolicies } from "./dataSafety";
import { digitaloceanPolicies } from "./digitalocean";
import { helmPolicies } from "./helm";
import { kubernetesWorkloadPolicies } from "./kubernetesWorkloads";
import { namespaceAndNetworkPolicies } from "./namespacesAndNetwork";
import { operatorPodPolicies } from "./operatorPods";
import { pkiPolicies } from "./pki";
import { rolloutPolicies } from "./rolloutAnalysis";
import { stackSafetyPolicies } from "./stackSafety";

/** Kubernetes rules, which also check every object the Releases they are given render. */
const renderingReleases = (policies: Policies): Policies =>
  policies.map((p) => ("validateResource" in p ? checkingReleaseRenders(p) : p));

export const allPolicies: Policies = [
  ...renderingReleases(kubernetesWorkloadPolicies),
  ...renderingReleases(operatorPodPolicies),
  ...renderingReleases(namespaceAndNetworkPolicies),
  ...stackSafetyPolicies,
  ...dataSafetyPolicies,
  ...helmPolicies,
  ...digitaloceanPolicies,
  ...cloudflarePolicies,
  ...confidentialVmPolicies,
  ...pkiPolicies,
  ...budgetPolicies,
  ...renderingReleases(rolloutPolicies),
];
