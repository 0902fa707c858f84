/**
 * The pack's Kubernetes rules on what a Helm Release installs, not only on the Release resource:
 * under `pulumi preview|up --policy-pack policies` each rule renders the Release it is given
 * (./packRenders.ts) and checks every rendered object as it checks a hand-built one.
 *
 * During a preview, an object that depends on a value still unknown is not yet decidable: its
 * findings are reported the way CrossGuard reports a rule that reads an unknown — an advisory
 * "can't run … during preview" naming the unknown value and what the placeholder render found —
 * and they become mandatory once the value is known.
 */
import type {
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
} from "@pulumi/policy";
import { RELEASE_TYPE } from "./renderRelease";
import { noteCluster, renderForPack } from "./packRenders";
import { typeTokenOf } from "./podSpec";
import { isTypeOf } from "./evaluate";
import { NotYetDecidable } from "./notYetDecidable";

/** Reading the unknown through CrossGuard's props raises its own "can't be known" error; offline, ours. */
function undecidable(args: ResourceValidationArgs, path: string | undefined, message: string): never {
  if (path) {
    try {
      let node: unknown = args.props;
      for (const key of path.replace(/\[(\d+)\]/g, ".$1").split(".")) {
        node = typeof node === "object" && node !== null ? Reflect.get(node, key) : undefined;
      }
    } catch (err) {
      if (err instanceof Error) {
        err.message = `${err.message}; ${message}`;
        throw err;
      }
      throw err;
    }
  }
  throw new NotYetDecidable(message, path);
}

/** `policy`, also run over every object the Releases it is given render. */
export function checkingReleaseRenders(policy: ResourceValidationPolicy): ResourceValidationPolicy {
  const validations: ResourceValidation[] = policy.validateResource
    ? Array.isArray(policy.validateResource)
      ? policy.validateResource
      : [policy.validateResource]
    : [];
  const validateResource: ResourceValidation = async (args, report) => {
    noteCluster(args.type, args.props);
    if (args.type !== RELEASE_TYPE) {
      for (const v of validations) await v(args, report);
      return;
    }
    const render = await renderForPack(args.props, args.name);
    if ("undecidable" in render) {
      undecidable(args, undefined, `release ${render.release} cannot be rendered yet: ${render.undecidable}`);
    }
    const pending: string[] = [];
    for (const { manifest, decidable } of render.objects) {
      const type = typeTokenOf(manifest.apiVersion, manifest.kind);
      const where = `release ${render.release} renders ${manifest.kind} ${manifest.metadata.namespace ?? "(cluster)"}/${manifest.metadata.name}`;
      const collect: ReportViolation = (message) =>
        decidable ? report(`${where}: ${message}`) : pending.push(`${where}: ${message}`);
      const objectArgs: ResourceValidationArgs = {
        ...args,
        type,
        props: manifest,
        name: manifest.metadata.name,
        isType: (cls) => isTypeOf(type, cls),
        asType: (cls) => (isTypeOf(type, cls) ? manifest : undefined) as never,
        notApplicable: () => {
          throw new SkipObject();
        },
      };
      for (const v of validations) {
        try {
          await v(objectArgs, collect);
        } catch (err) {
          if (!(err instanceof SkipObject)) throw err;
        }
      }
    }
    if (pending.length) {
      const unknowns = render.unknowns.map((u) => `values.${u.path}`).join(", ");
      undecidable(
        args,
        `values.${render.unknowns[0].path}`,
        `not yet decidable: ${unknowns} unknown during preview; rendered with a placeholder, ${pending.join("; ")}`,
      );
    }
  };
  return { ...policy, validateResource };
}

/** A rule found one rendered object out of its scope. */
class SkipObject extends Error {}
