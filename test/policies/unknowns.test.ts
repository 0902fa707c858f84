/** The offline evaluator's unknown values behave as CrossGuard's under a preview. */
import { evaluatePolicies } from "../../policies/lib/evaluate";
import { knownItems, peek, UNKNOWN, unknownCheckingProps, unknownPathOf } from "../../policies/lib/unknowns";
import { credentialsAreSecrets } from "../../policies/rules/stackSafety";

/** CrossGuard's own proxy (internal to the pinned @pulumi/policy). */
const crossGuard: {
  unknownCheckingProxy(props: object): Record<string, unknown>;
} = require("@pulumi/policy/proxy");

function thrown(read: () => unknown): unknown {
  try {
    read();
  } catch (err) {
    return err;
  }
  throw new Error("the read did not throw");
}

describe("unknown values during a preview", () => {
  it("throw on read with CrossGuard's error name, message and path", () => {
    const props = () => ({ spec: { ranges: ["10.0.0.1/32", UNKNOWN] }, name: "lb" });
    const ours = thrown(() => (unknownCheckingProps(props()).spec.ranges as string[])[1]);
    const theirs = thrown(
      () => (crossGuard.unknownCheckingProxy(props()).spec as { ranges: string[] }).ranges[1],
    );
    expect(ours).toBeInstanceOf(Error);
    expect(String(ours)).toBe(String(theirs).replace(/^Error/, "UnknownValueError"));
    expect(unknownPathOf(ours)).toBe(".spec.ranges.1");
    expect(unknownPathOf(theirs)).toBe(".spec.ranges.1");
    expect(unknownPathOf(new Error("other"))).toBeUndefined();
  });

  it("let a rule read around them", () => {
    const props = unknownCheckingProps({ content: UNKNOWN, ranges: [UNKNOWN, "10.0.0.0/8"] });
    expect(peek(props, "content")).toBe(UNKNOWN);
    expect(knownItems(props.ranges)).toEqual(["10.0.0.0/8"]);
  });

  it("make a policy that reads one report that it could not decide, advisory, on the resource and property", async () => {
    const resource = {
      urn: "urn:pulumi:s::p::tls:index/certRequest:CertRequest::csr",
      type: "tls:index/certRequest:CertRequest",
      name: "csr",
      inputs: { privateKeyPem: UNKNOWN },
      outputs: {},
      secretPaths: [],
      protect: false,
      ignoreChanges: [],
      dependencies: [],
      propertyDependencies: {},
    };
    const violations = await evaluatePolicies([credentialsAreSecrets], [resource], {
      "credentials-are-secrets": "mandatory",
    });
    expect(violations).toEqual([
      expect.objectContaining({
        policy: "credentials-are-secrets",
        enforcementLevel: "advisory",
        urn: resource.urn,
        undecided: ".privateKeyPem",
        message:
          "can't run policy 'credentials-are-secrets' during preview: string value at .privateKeyPem can't be known during preview",
      }),
    ]);
  });
});
