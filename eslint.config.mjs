import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/** Dependencies point down: stacks/ composes components/, which stand on policies/facts. */
const UPWARD = [
  {
    target: "./components",
    from: "./stacks",
    message: "components take options interfaces of their own; stacks/ maps config onto them",
  },
  {
    target: "./services",
    from: "./stacks",
    message:
      "the services' values take the stack's settings as arguments (ServiceValuesOptions); stacks/ passes them in",
  },
  {
    target: "./services/catalog.ts",
    from: ["./stacks", "./components"],
    message: "the service catalog is data the components read",
  },
  {
    target: "./policies",
    from: ["./stacks", "./components", "./services", "./tools", "./test", "./bootstrap"],
    message: "the policy pack is a standalone package: it imports only inside policies/",
  },
];

export default tseslint.config(
  { ignores: ["node_modules/", "bin/", "coverage/", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["stacks/**/*.ts", "components/**/*.ts", "services/**/*.ts", "policies/**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      // Dependencies are TypeScript too: the rules must parse and resolve them to follow the graph.
      "import-x/extensions": [".ts"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json", ".node"] })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: UPWARD }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
    },
  },
);
