/** Per-environment defaults sit beneath a stack's own config: objects merge, everything else the stack replaces. */
import { overDefaults } from "../stacks/environmentDefaults";

describe("overDefaults", () => {
  const defaults = {
    data: { postgres: { instances: 3, storageClass: "retain" }, zones: ["a", "b"] },
    protect: true,
  };

  it("keeps a default the stack does not set, and lets the stack's value win where it does", () => {
    expect(overDefaults(defaults, { data: { postgres: { instances: 1 } } })).toEqual({
      data: { postgres: { instances: 1, storageClass: "retain" }, zones: ["a", "b"] },
      protect: true,
    });
  });

  it("replaces arrays and scalars whole rather than merging them", () => {
    expect(overDefaults(defaults, { data: { zones: ["c"] }, protect: false })).toEqual({
      data: { postgres: { instances: 3, storageClass: "retain" }, zones: ["c"] },
      protect: false,
    });
  });

  it("passes a malformed stack value through for the schema to reject, rather than merging into it", () => {
    expect(overDefaults(defaults, { data: "oops" })).toEqual({ data: "oops", protect: true });
  });
});
