/**
 * The services' health limits are defined once (components/observability/serviceHealth.ts): the
 * alert rules and the canary analysis the service chart renders both read them. Changing that one
 * definition moves both, and nothing else holds a copy.
 */
import type * as AlertRules from "../components/observability/alertRules";
import type * as ServiceHealth from "../components/observability/serviceHealth";
import type * as Values from "../services/values";
import type * as Render from "../tools/engine/renderServices";
import { SERVICE_HEALTH } from "../components/observability/serviceHealth";
import { parsePlatformConfig } from "../stacks/config";
import { PROJECT_ROOT } from "../tools/engine/engine";
import { loadStackSettings } from "../tools/engine/stackSettings";

const HEALTH = "../components/observability/serviceHealth";

interface Loaded {
  alerts: typeof AlertRules;
  values: typeof Values;
  render: typeof Render;
}

/** Loads the alert rules, the chart values and the renderer afresh, with `health` in place of the definition. */
function loadWith(health: Partial<(typeof ServiceHealth)["SERVICE_HEALTH"]>): Loaded {
  let loaded: Loaded | undefined;
  jest.isolateModules(() => {
    jest.doMock(HEALTH, () => {
      const actual = jest.requireActual<typeof ServiceHealth>(HEALTH);
      Object.assign(actual.SERVICE_HEALTH, health);
      return actual;
    });
    loaded = {
      alerts: jest.requireActual<typeof AlertRules>("../components/observability/alertRules"),
      values: jest.requireActual<typeof Values>("../services/values"),
      render: jest.requireActual<typeof Render>("../tools/engine/renderServices"),
    };
  });
  jest.dontMock(HEALTH);
  if (!loaded) throw new Error("modules did not load");
  return loaded;
}

const settings = loadStackSettings(PROJECT_ROOT, "production");
const config = parsePlatformConfig(settings.project, "production", settings.config);

/** What both consumers say for one service: the alert expressions and the rendered analysis conditions. */
function observed({ alerts, values, render }: Loaded) {
  const rule = (name: string) => alerts.SERVICE_RULES.rules.find((r) => r.alert === name);
  const template = render
    .renderChart("users", "prism", values.serviceValues(config, "users"))
    .find((m) => m.kind === "AnalysisTemplate");
  const metrics = (template?.spec as { metrics: { failureCondition: string }[] }).metrics;
  return {
    errorAlert: rule("PrismServiceHighErrorRate")?.expr.split(" > ").pop(),
    latencyAlert: rule("PrismServiceHighLatency")?.expr.split(" > ").pop(),
    errorSummary: rule("PrismServiceHighErrorRate")?.annotations.summary,
    analysis: metrics.map((m) => m.failureCondition),
  };
}

describe("one definition of service health", () => {
  it("gives the alert rules and the canary analysis the same limits", () => {
    expect(observed(loadWith({}))).toEqual({
      errorAlert: "0.05",
      latencyAlert: "2",
      errorSummary: "{{ $labels.component }}: more than 5% of requests fail",
      analysis: ["len(result) > 0 && result[0] > 0.05", "len(result) > 0 && result[0] > 2"],
    });
  });

  it("moves both when the definition changes", () => {
    expect(observed(loadWith({ errorRatioWarning: 0.01, latencyP95Seconds: 0.75 }))).toEqual({
      errorAlert: "0.01",
      latencyAlert: "0.75",
      errorSummary: "{{ $labels.component }}: more than 1% of requests fail",
      analysis: ["len(result) > 0 && result[0] > 0.01", "len(result) > 0 && result[0] > 0.75"],
    });
    // The change stayed inside that load: the program's own definition is untouched.
    expect(SERVICE_HEALTH).toEqual({
      errorRatioWarning: 0.05,
      errorRatioCritical: 0.2,
      latencyP95Seconds: 2,
    });
  });
});
