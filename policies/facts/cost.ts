/** The label that marks the budget ConfigMap, which the pack's budget rule reads. */
export const COST_BUDGET_LABEL = "prism.io/cost-budget";
/** The ConfigMap key holding the budget in USD. */
export const COST_BUDGET_KEY = "monthlyUsd";
