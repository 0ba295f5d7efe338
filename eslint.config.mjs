// ESLint 9 flat config: Next.js's rules (React, hooks, accessibility, imports), typescript-eslint with type information,
// Drizzle's guard against an UPDATE or DELETE without WHERE, and the layering rule. Formatting is Prettier's alone.
import js from "@eslint/js";
import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import prettier from "eslint-config-prettier";
import drizzle from "eslint-plugin-drizzle";
import tseslint from "typescript-eslint";

// Each layer and what it must not import: everything above it. Data flows one way: route → lib/http →
// (lib/auth, lib/schemas, lib/tasks) → db; lib/env, lib/limits, lib/logger are leaves anyone may use. The page's browser
// code (components/, lib/client/) reaches the server only through the public API.
const above = {
  app: "./app",
  components: "./components",
  client: "./lib/client",
  openapi: "./lib/openapi",
  startup: "./lib/startup.ts",
  http: "./lib/http",
  auth: "./lib/auth",
  tasks: "./lib/tasks",
  schemas: "./lib/schemas",
  db: "./db",
};
const leaves = ["./lib/env.ts", "./lib/limits.ts", "./lib/logger.ts", "./lib/development-secret.ts"];
const page = [above.app, above.components, above.client];
const zone = (target, forbidden, message) => ({ target, from: forbidden, message });
const layering = [
  zone(["./lib", "./db"], [above.app, above.components], "lib/ and db/ never import routes or the page."),
  zone(above.openapi, [above.startup, ...page], "lib/openapi sits below the routes."),
  zone(above.http, [above.openapi, above.startup, ...page], "lib/http sits below the routes and lib/openapi."),
  zone(
    above.auth,
    [above.http, above.tasks, above.openapi, above.startup, above.db, ...page],
    "lib/auth throws its own errors; only lib/http makes responses.",
  ),
  zone(
    above.tasks,
    [above.http, above.auth, above.openapi, above.startup, ...page],
    "lib/tasks knows nothing of HTTP or tokens: it owns its Owner type.",
  ),
  zone(
    above.schemas,
    [above.http, above.auth, above.tasks, above.openapi, above.startup, above.db, ...page],
    "lib/schemas is zod only.",
  ),
  zone(
    above.db,
    [above.http, above.auth, above.tasks, above.schemas, above.openapi, above.startup, ...page],
    "db/ is the bottom layer.",
  ),
  zone(
    leaves,
    [above.http, above.auth, above.tasks, above.schemas, above.openapi, above.startup, above.db, ...page],
    "a leaf imports no layer.",
  ),
  zone(
    [above.components, above.client],
    [above.db, above.http, above.auth, above.tasks, above.startup, ...leaves],
    "browser code talks to the server only through the public API.",
  ),
];

export default tseslint.config(
  {
    ignores: [
      ".next/**",
      ".data/**",
      "node_modules/**",
      "test-results/**",
      "playwright-report/**",
      "reports/**",
      ".stryker-tmp/**",
      "next-env.d.ts",
      "lib/client/api-types.ts",
    ],
  },
  js.configs.recommended,
  ...nextCoreWebVitals,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  { files: ["**/*.{js,mjs,cjs}"], ...tseslint.configs.disableTypeChecked },
  {
    plugins: { drizzle },
    rules: {
      // An UPDATE or DELETE without WHERE is how one user's request touches everyone's rows.
      "drizzle/enforce-update-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "drizzle/enforce-delete-with-where": ["error", { drizzleObjectName: ["db", "tx"] }],
      "import/no-restricted-paths": ["error", { zones: layering }],
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests assert on parsed JSON responses whose shape is what they test: typing every body as unknown and casting
    // it back would add noise, not safety.
    files: ["tests/**"],
    rules: {
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/no-explicit-any": "off",
      // Test doubles are async to fit the interface they stand in for, awaiting or not.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Playwright fixtures: `use` is a fixture's callback, not a React hook, and `async ({}, use)` is how a fixture that
    // needs no other fixture is written.
    files: ["tests/e2e/**"],
    rules: { "react-hooks/rules-of-hooks": "off", "no-empty-pattern": "off" },
  },
  prettier,
);
