import path from "node:path";
import { defineConfig } from "vitest/config";

const root = import.meta.dirname;
const resolve = {
  alias: {
    "@": root,
    // The real package throws outside React Server Components; the tests are server code too.
    "server-only": path.join(root, "node_modules/server-only/empty.js"),
  },
};
const integration = { include: ["tests/integration/**/*.test.ts"], testTimeout: 30_000, hookTimeout: 60_000 };
const postgresUrl = process.env.TEST_DATABASE_URL;

export default defineConfig({
  resolve,
  test: {
    projects: [
      { resolve, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], testTimeout: 30_000 } },
      {
        resolve,
        test: { ...integration, name: "pglite", env: { DATABASE_URL: "", PGLITE_DATA_DIR: "memory://" } },
      },
      ...(postgresUrl
        ? [
            {
              resolve,
              test: {
                ...integration,
                name: "postgres",
                env: { DATABASE_URL: postgresUrl },
                globalSetup: ["tests/support/migrate-postgres.ts"],
              },
            },
          ]
        : []),
    ],
  },
});
