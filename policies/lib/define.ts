/** Small builders so each rule module states only what it checks. */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { workloadOf, WORKLOAD_TYPES, type Workload } from "./podSpec";

/**
 * A narrow exemption from one workload rule, configured per stack in the pack config: one workload
 * (`<Kind> <namespace>/<name>`), optionally only some of its containers and only findings whose
 * message contains `finding`, always with the reason it cannot comply.
 */
export interface WorkloadExemption {
  workload: string;
  containers?: string[];
  finding?: string;
  reason: string;
}

/** The settings every workload rule accepts besides its own. */
export interface ExemptionConfig {
  exemptions: WorkloadExemption[];
}

export interface WorkloadRule<C extends object> {
  name: string;
  description: string;
  enforcementLevel?: EnforcementLevel;
  configSchema?: PolicyConfigSchema;
  /** Reports a finding; `container` names the container it is about, if any. */
  check(workload: Workload, report: (message: string, container?: string) => void, config: C): void;
}

const EXEMPTIONS_SCHEMA: PolicyConfigSchema["properties"][string] = {
  type: "array",
  default: [],
  description:
    "Workloads that cannot comply, each with the reason: `workload` is `<Kind> <namespace>/<name>`; `containers` and `finding` (a substring of the message) narrow it further.",
  items: {
    type: "object",
    required: ["workload", "reason"],
    additionalProperties: false,
    properties: {
      workload: { type: "string", pattern: "^[A-Za-z]+ [a-z0-9.-]+/[a-z0-9.-]+$" },
      containers: { type: "array", items: { type: "string" }, minItems: 1 },
      finding: { type: "string", minLength: 1 },
      reason: { type: "string", minLength: 20 },
    },
  },
};

function exempted(
  exemptions: WorkloadExemption[],
  where: string,
  message: string,
  container: string | undefined,
): boolean {
  return exemptions.some(
    (e) =>
      e.workload === where &&
      (e.containers === undefined || (container !== undefined && e.containers.includes(container))) &&
      (e.finding === undefined || message.includes(e.finding)),
  );
}

/** The workloads a resource describes (none for most resources). */
export type WorkloadSource = (type: string, props: Record<string, unknown>) => Workload[];

const podTemplates: WorkloadSource = (type, props) => {
  const workload = workloadOf(type, props);
  return workload ? [workload] : [];
};

/**
 * A resource policy over every kind that carries a pod template (WORKLOAD_TYPES), or over the
 * workloads another source finds (the pods operators build from their custom resources).
 */
export function workloadPolicy<C extends object = Record<string, never>>(
  rule: WorkloadRule<C>,
  source: WorkloadSource = podTemplates,
): ResourceValidationPolicy {
  const configSchema: PolicyConfigSchema = {
    ...rule.configSchema,
    properties: { ...rule.configSchema?.properties, exemptions: EXEMPTIONS_SCHEMA },
  };
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    configSchema,
    validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
      const workloads = source(args.type, args.props);
      if (workloads.length === 0) return;
      const config = args.getConfig<C & Partial<ExemptionConfig>>();
      const exemptions = config.exemptions ?? [];
      for (const workload of workloads) {
        const where = `${workload.kind} ${workload.namespace ?? "?"}/${workload.name ?? args.name}`;
        rule.check(
          workload,
          (message, container) => {
            if (!exempted(exemptions, where, message, container)) reportViolation(`${where}: ${message}`);
          },
          config,
        );
      }
    },
  };
}

export { WORKLOAD_TYPES };
