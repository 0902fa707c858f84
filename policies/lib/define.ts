/** Small builders so each rule module states only what it checks. */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { workloadOf, WORKLOAD_TYPES, type Workload } from "./podSpec";

export interface WorkloadRule<C extends object> {
  name: string;
  description: string;
  enforcementLevel?: EnforcementLevel;
  configSchema?: PolicyConfigSchema;
  check(workload: Workload, report: (message: string) => void, config: C): void;
}

/** A resource policy over every kind that carries a pod template (WORKLOAD_TYPES). */
export function workloadPolicy<C extends object = Record<string, never>>(
  rule: WorkloadRule<C>,
): ResourceValidationPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    configSchema: rule.configSchema,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const workload = workloadOf(args.type, args.props);
      if (!workload) return;
      const where = `${workload.kind} ${workload.namespace ?? "?"}/${workload.name ?? args.name}`;
      rule.check(workload, (message) => reportViolation(`${where}: ${message}`), args.getConfig<C>());
    },
  };
}

export { WORKLOAD_TYPES };
