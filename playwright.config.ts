import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig, type PlaywrightTestConfig } from "@playwright/test";
import { API_PORT, NEON_API_PORT, NEON_RELAY_PORT, OUTAGE_PORT } from "./tests/e2e/ports";

// Playwright loads this file in the runner and in every worker: values shared with the tests go through process.env.
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
process.env.E2E_PGLITE_DIR ??= mkdtempSync(path.join(tmpdir(), "todo-e2e-"));

const postgresUrl = process.env.TEST_DATABASE_URL ?? "";
const next = "node node_modules/next/dist/bin/next start";

const serverEnv = {
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
  AUTH_SECRET: process.env.AUTH_SECRET,
};

type WebServer = NonNullable<PlaywrightTestConfig["webServer"]>;
type Project = NonNullable<PlaywrightTestConfig["projects"]>[number];

// With a real PostgreSQL, the task API also runs on the Neon serverless driver, through a WebSocket relay.
const neonServers: WebServer = postgresUrl
  ? [
      {
        command: `exec node_modules/.bin/tsx tests/support/ws-relay.ts ${NEON_RELAY_PORT}`,
        port: NEON_RELAY_PORT,
        timeout: 30_000,
        reuseExistingServer: false,
      },
      {
        command: `exec ${next} -p ${NEON_API_PORT}`,
        url: `http://127.0.0.1:${NEON_API_PORT}/api/health`,
        env: {
          ...serverEnv,
          DATABASE_URL: postgresUrl,
          DATABASE_DRIVER: "neon",
          DATABASE_WS_PROXY: `ws://127.0.0.1:${NEON_RELAY_PORT}/v2`,
        },
        timeout: 60_000,
        reuseExistingServer: false,
      },
    ]
  : [];
const neonProjects: Project[] = postgresUrl
  ? [
      {
        name: "neon",
        testMatch: "tasks.spec.ts",
        use: { baseURL: `http://127.0.0.1:${NEON_API_PORT}` },
        metadata: { pgbouncerAuditUrl: `http://127.0.0.1:${NEON_RELAY_PORT}/pgbouncer-audit` },
      },
    ]
  : [];

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  projects: [{ name: postgresUrl ? "postgres" : "pglite", use: { baseURL: `http://127.0.0.1:${API_PORT}` } }, ...neonProjects],
  webServer: [
    {
      // The API as it runs in production: migrations applied by `db:migrate`, then `next start`.
      command: `npm run --silent db:migrate && exec ${next} -p ${API_PORT}`,
      url: `http://127.0.0.1:${API_PORT}/api/health`,
      env: { ...serverEnv, DATABASE_URL: postgresUrl, PGLITE_DATA_DIR: process.env.E2E_PGLITE_DIR },
      timeout: 120_000,
      reuseExistingServer: false,
    },
    {
      // The same build with its database out of reach: every database-backed route must answer 503, fast.
      command: `exec ${next} -p ${OUTAGE_PORT}`,
      port: OUTAGE_PORT,
      env: { ...serverEnv, DATABASE_URL: "postgres://postgres@127.0.0.1:9/unreachable" },
      timeout: 60_000,
      reuseExistingServer: false,
    },
    ...neonServers,
  ],
});
