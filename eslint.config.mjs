import * as fs from "fs";
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

/**
 * The component classes the composition constructs: names stacks/platform.ts imports from
 * components/ and calls with `new`, read from it so that a new layer is covered without editing a
 * list here. A test runs the layer functions instead.
 */
const PLATFORM = fs.readFileSync(new URL("./stacks/platform.ts", import.meta.url), "utf8");
const fromComponents = [...PLATFORM.matchAll(/^import \{([^}]*)\} from "\.\.\/components\//gm)].flatMap((m) =>
  m[1].split(",").map((name) => name.trim()),
);
const COMPOSED = fromComponents.filter((name) => new RegExp(`\\bnew ${name}\\(`).test(PLATFORM)).sort();
if (COMPOSED.length === 0)
  throw new Error("eslint.config.mjs: found no component stacks/platform.ts constructs");

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
  {
    files: ["test/**/*.ts"],
    // A policy test feeds a rule the resources of one component, with the arguments the case needs.
    ignores: ["test/policies/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          selector: `NewExpression[callee.name=/^(${COMPOSED.join("|")})$/]`,
          message:
            "stacks/platform.ts constructs this component: run its layer function (buildFoundation, buildData, ...) from stacks/platform.ts, with stand-ins only for earlier layers' outputs",
        },
      ],
    },
  },
);
