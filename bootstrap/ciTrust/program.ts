/**
 * The ci-trust bootstrap program (see the README's CI set-up): validates its config and builds
 * CiTrust. index.ts runs it; tests run it under the mock engine.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { CiTrust } from "../../components/ciTrust/ciTrust";

const Stacks = z
  .array(
    z
      .object({
        stack: z.string(),
        gcp: z
          .object({ project: z.string().min(6) })
          .strict()
          .optional(),
        aws: z
          .object({ region: z.string().regex(/^[a-z]{2}-[a-z]+-\d$/) })
          .strict()
          .optional(),
        azure: z
          .object({ subscriptionId: z.string().uuid(), tenantId: z.string().uuid() })
          .strict()
          .optional(),
      })
      .strict(),
  )
  .min(1);

export function ciTrustProgram(): { githubVariables: pulumi.Output<Record<string, Record<string, string>>> } {
  const config = new pulumi.Config();
  const parsed = Stacks.safeParse(config.requireObject<unknown>("stacks"));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `config prism-ci-trust:stacks${issue.path.map((p) => `.${String(p)}`).join("")}: ${issue.message}`,
    );
  }
  const trust = new CiTrust("ci", {
    repository: config.require("repository"),
    pulumiOrganization: config.require("pulumiOrganization"),
    pulumiProject: config.get("pulumiProject") ?? "prism",
    stacks: parsed.data,
  });
  return { githubVariables: trust.githubVariables };
}
