import { callersOf, DATABASES, SERVICE_NAMES, SERVICES } from "../services/catalog";

describe("the service catalog", () => {
  it("lists the nine Prism services with the ports of the real deployment", () => {
    expect(SERVICE_NAMES).toHaveLength(9);
    const ports = Object.fromEntries(
      SERVICE_NAMES.map((s) => [s, [SERVICES[s].httpPort, SERVICES[s].grpcPort ?? null]]),
    );
    expect(ports).toEqual({
      auth: [8189, 8181],
      users: [9003, 7005],
      domains: [9013, 7013],
      computations: [9000, null],
      backends: [9011, 7006],
      "am-certs": [9010, 7012],
      certs: [8090, 7008],
      billing: [9022, 7022],
      ui: [9095, null],
    });
    expect(SERVICES.backends.agentPort).toBe(7018);
  });

  it("has a database per service and one for SpiceDB", () => {
    expect([...DATABASES].sort()).toEqual(
      [
        "am-certs",
        "auth",
        "backends",
        "billing",
        "certs",
        "computations",
        "domains",
        "spicedb",
        "users",
      ].sort(),
    );
  });

  it("has a call graph of known services without self-calls", () => {
    for (const s of SERVICE_NAMES) {
      for (const callee of SERVICES[s].calls) {
        expect(SERVICE_NAMES).toContain(callee);
        expect(callee).not.toBe(s);
      }
    }
    expect(callersOf("auth").sort()).toEqual(
      ["am-certs", "backends", "billing", "certs", "computations", "domains", "users"].sort(),
    );
  });
});
