import "./scripts/load-env.ts";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { defineConfig } from "vitest/config";
import { settingsDatabaseUrl } from "./tests/support/postgres-settings.ts";

const root = import.meta.dirname;
const resolve = {
  alias: {
    "@": root,
    // The real package throws outside React Server Components; the tests are server code too.
    "server-only": path.join(root, "node_modules/server-only/empty.js"),
  },
};
// Each file's database is opened before its first test, on a budget of its own (tests/support/open-database.ts).
const integration = {
  include: ["tests/integration/**/*.test.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  setupFiles: ["tests/support/open-database.ts"],
};
// A line per request would bury the test report; the lines themselves are checked over HTTP (tests/e2e/logs.spec.ts).
// A secret of the run's own, so that no test writes this checkout's development secret under .data/.
const quietLog = { LOG_LEVEL: "warn", AUTH_SECRET: process.env.AUTH_SECRET || randomBytes(32).toString("base64url") };
// Mutation testing (`npm run mutate`, StrykerJS, whose workers carry STRYKER_MUTATOR_WORKER) runs the fast projects only:
// unit and pglite.
const postgresUrl = process.env.STRYKER_MUTATOR_WORKER === undefined ? process.env.TEST_DATABASE_URL : undefined;

export default defineConfig({
  resolve,
  test: {
    projects: [
      { resolve, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], testTimeout: 30_000, env: quietLog } },
      {
        resolve,
        test: {
          ...integration,
          name: "pglite",
          // PGLITE_DATA_DIR: a copy, per file, of a data directory migrated once (tests/support/pglite-template.ts).
          env: { ...quietLog, DATABASE_URL: "" },
          globalSetup: ["tests/support/pglite-template.ts"],
        },
      },
      ...(postgresUrl
        ? [
            {
              resolve,
              test: {
                ...integration,
                name: "postgres",
                env: { ...quietLog, DATABASE_URL: postgresUrl, DATABASE_DRIVER: "pg" },
                globalSetup: ["tests/support/migrate-postgres.ts"],
              },
            },
            {
              resolve,
              test: {
                ...integration,
                // The same server, a database whose DateStyle, TimeZone and IntervalStyle are far from the defaults.
                name: "postgres-settings",
                env: { ...quietLog, DATABASE_URL: settingsDatabaseUrl(postgresUrl), DATABASE_DRIVER: "pg" },
                globalSetup: ["tests/support/postgres-settings.ts"],
              },
            },
            {
              resolve,
              test: {
                ...integration,
                // The production Neon driver, over a WebSocket relay in front of the same PostgreSQL.
                name: "neon",
                // DATABASE_WS_PROXY: the relay's address, on a free port, set by neon-relay-env.ts.
                env: { ...quietLog, DATABASE_URL: postgresUrl, DATABASE_DRIVER: "neon" },
                globalSetup: ["tests/support/migrate-postgres.ts", "tests/support/neon-relay.ts"],
                setupFiles: [
                  "tests/support/neon-relay-env.ts",
                  ...integration.setupFiles,
                  "tests/support/pgbouncer-check.ts",
                ],
              },
            },
          ]
        : []),
    ],
  },
});
