import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConfig } from "@playwright/test";
import { API_PORT, OUTAGE_PORT } from "./tests/e2e/ports";

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

export default defineConfig({
  testDir: "tests/e2e",
  fullyParallel: true,
  workers: 2,
  forbidOnly: !!process.env.CI,
  reporter: [["list"], ["./tests/e2e/contract-report.ts"]],
  use: {
    baseURL: `http://127.0.0.1:${API_PORT}`,
    // Debian's Chromium: Playwright cannot download its own browsers here. `.ci/run` installs it when missing.
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
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
  ],
});
