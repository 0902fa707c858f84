/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Type checking is `npm run typecheck` (tsc --noEmit, strict); tests only transpile.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  // Whole-stack plans take tens of seconds on a loaded 2-core runner; speed is measured by npm run bench.
  testTimeout: 300000,
};
