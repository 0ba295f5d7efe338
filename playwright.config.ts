import "./scripts/load-env";
import { randomBytes } from "node:crypto";
import { constants } from "node:os";
import { defineConfig, type PlaywrightTestConfig } from "@playwright/test";
import { CHROMIUM_EXECUTABLE } from "./tests/e2e/browser";
import {
  API_PORT,
  BETTER_AUTH_API_PORT,
  BETTER_AUTH_PORT,
  loopback,
  NEON_API_PORT,
  NEON_RELAY_PORT,
  OUTAGE_PORT,
} from "./tests/e2e/ports";
import { ensureIssuerKeys, TEST_AUDIENCE, TEST_ISSUER, TEST_JWKS_URL } from "./tests/e2e/support/issuer-keys";
import { beginTestRun, endTestRun, newTestDirectory, testRunDirectory } from "./tests/support/test-run";

// Playwright loads this file in the runner and in every worker: values shared with the tests go through process.env
// (the ports too: tests/e2e/ports.ts).
if (beginTestRun()) {
  // The runner: the run's end (tests/e2e/global-teardown.ts) has its last resort here, for a run that never gets
  // there. Playwright leaves SIGTERM to Node's default, a death without exit hooks: make it an exit.
  process.once("exit", () => void endTestRun());
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => process.exit(128 + constants.signals[signal]));
  }
} else if (process.env.TEST_WORKER_INDEX !== undefined && testRunDirectory()) {
  // A worker: what Playwright itself puts in the temporary directory (browser profiles, artifacts) goes in the run's,
  // so that the run's end removes it even after a worker that crashed. Its transform cache was located before this file
  // was loaded: it stays where it is, shared between runs.
  process.env.TMPDIR = testRunDirectory()!;
}
process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
process.env.AUTH_CREDENTIALS_PASSWORD ??= randomBytes(16).toString("base64url");
// The tests sign HS256 tokens with lib/auth/tokens.ts, which stamps these as the server expects them.
process.env.AUTH_ISSUER = TEST_ISSUER;
process.env.AUTH_AUDIENCE = TEST_AUDIENCE;
process.env.E2E_PGLITE_DIR ??= newTestDirectory("pglite-api");
process.env.E2E_BETTER_AUTH_PGLITE_DIR ??= newTestDirectory("pglite-better-auth");
ensureIssuerKeys();

const postgresUrl = process.env.TEST_DATABASE_URL ?? "";
// How long a server may take to start (and to open its database) on a machine busy with other builds and tests: the
// tests begin once every server has answered, so no test pays for a cold start.
const APP_START_BUDGET_MS = 180_000;
const SUPPORT_START_BUDGET_MS = 60_000;
const next = "node node_modules/next/dist/bin/next start -H 127.0.0.1";
const tsx = "node --import tsx";

const serverEnv = {
  NODE_ENV: "production",
  NEXT_TELEMETRY_DISABLED: "1",
};
/** Every identity source at once: HS256 with AUTH_SECRET, the test issuer's JWKS, next-auth with its credentials sign-in. */
const allIdentitySources = {
  AUTH_SECRET: process.env.AUTH_SECRET,
  AUTH_JWKS_URL: TEST_JWKS_URL,
  AUTH_ISSUER: TEST_ISSUER,
  AUTH_AUDIENCE: TEST_AUDIENCE,
  NEXTAUTH_URL: loopback(API_PORT),
  AUTH_CREDENTIALS_PASSWORD: process.env.AUTH_CREDENTIALS_PASSWORD,
};

type WebServer = NonNullable<PlaywrightTestConfig["webServer"]>;
type Project = NonNullable<PlaywrightTestConfig["projects"]>[number];

// With a real PostgreSQL, the task API also runs on the Neon serverless driver, through a WebSocket relay.
const neonServers: WebServer = postgresUrl
  ? [
      {
        command: `exec ${tsx} tests/support/ws-relay.ts ${NEON_RELAY_PORT}`,
        port: NEON_RELAY_PORT,
        timeout: SUPPORT_START_BUDGET_MS,
        reuseExistingServer: false,
      },
      {
        command: `exec ${next} -p ${NEON_API_PORT}`,
        url: `http://127.0.0.1:${NEON_API_PORT}/api/health`,
        env: {
          ...serverEnv,
          ...allIdentitySources,
          DATABASE_URL: postgresUrl,
          DATABASE_DRIVER: "neon",
          DATABASE_WS_PROXY: `ws://127.0.0.1:${NEON_RELAY_PORT}/v2`,
        },
        timeout: APP_START_BUDGET_MS,
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
  reporter: [
    ["list"],
    ["./tests/e2e/contract-report.ts"],
    ["./tests/e2e/skip-report.ts"],
    ["./tests/e2e/timeout-budget-report.ts"],
  ],
  globalTeardown: "./tests/e2e/global-teardown.ts",
  use: {
    baseURL: loopback(API_PORT),
    // CHROMIUM_PATH, else a system Chromium (`.ci/run` installs Debian's), else Playwright's own (tests/e2e/browser.ts).
    launchOptions: {
      executablePath: CHROMIUM_EXECUTABLE,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  // Fault drills (tests tagged @fault: database outages and locks, kill -9 mid-write, a full disk, a damaged data
  // directory, JWKS outages and rotation windows, slow clients) take minutes of waiting by design: `npm test` leaves them
  // out, `npm run test:faults` runs them, and so does `bash .ci/run`.
  projects: [
    { name: postgresUrl ? "postgres" : "pglite", grepInvert: /@fault/ },
    { name: "faults", grep: /@fault/, default: false },
    ...neonProjects,
  ],
  // Started one after the other, in this order.
  webServer: [
    {
      // The API as it runs in production: migrations applied by `db:migrate`, then `next start`.
      command: `npm run --silent db:migrate && exec ${next} -p ${API_PORT}`,
      url: `${loopback(API_PORT)}/api/health`,
      env: {
        ...serverEnv,
        ...allIdentitySources,
        DATABASE_URL: postgresUrl,
        PGLITE_DATA_DIR: process.env.E2E_PGLITE_DIR,
      },
      timeout: APP_START_BUDGET_MS,
      reuseExistingServer: false,
    },
    {
      // The same build with its database out of reach: every database-backed route must answer 503, fast.
      command: `exec ${next} -p ${OUTAGE_PORT}`,
      port: OUTAGE_PORT,
      env: { ...serverEnv, ...allIdentitySources, DATABASE_URL: "postgres://postgres@127.0.0.1:9/unreachable" },
      timeout: APP_START_BUDGET_MS,
      reuseExistingServer: false,
    },
    {
      // The test issuer's JWKS, which the API above fetches on demand.
      command: `exec ${tsx} tests/e2e/support/test-issuer.ts`,
      url: TEST_JWKS_URL,
      timeout: SUPPORT_START_BUDGET_MS,
      reuseExistingServer: false,
    },
    {
      command: `exec ${tsx} tests/e2e/support/better-auth-issuer.ts`,
      url: `${loopback(BETTER_AUTH_PORT)}/api/auth/jwks`,
      timeout: SUPPORT_START_BUDGET_MS,
      reuseExistingServer: false,
    },
    {
      // An API that trusts Better Auth alone, as a deployment would: its JWKS, issuer and audience; no AUTH_SECRET.
      // (A web server inherits the runner's environment: what must be absent is set empty, which means unset.)
      command: `exec ${next} -p ${BETTER_AUTH_API_PORT}`,
      url: `${loopback(BETTER_AUTH_API_PORT)}/api/health`,
      env: {
        ...serverEnv,
        AUTH_SECRET: "",
        CURSOR_SECRET: randomBytes(32).toString("base64url"),
        NEXTAUTH_URL: "",
        AUTH_CREDENTIALS_PASSWORD: "",
        AUTH_JWKS_URL: `${loopback(BETTER_AUTH_PORT)}/api/auth/jwks`,
        AUTH_ISSUER: loopback(BETTER_AUTH_PORT),
        AUTH_AUDIENCE: loopback(BETTER_AUTH_PORT),
        DATABASE_URL: postgresUrl,
        PGLITE_DATA_DIR: process.env.E2E_BETTER_AUTH_PGLITE_DIR,
      },
      timeout: APP_START_BUDGET_MS,
      reuseExistingServer: false,
    },
    ...neonServers,
  ],
});
