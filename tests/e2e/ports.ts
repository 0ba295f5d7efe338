// The ports of the servers Playwright starts before the tests (playwright.config.ts), taken free once by the runner.
// Servers a test starts itself take theirs when they start (tests/support/free-port.ts).
import { freePortsNow } from "../support/free-port";

const RUNNER_SERVERS = [
  "api",
  // The same build with its database out of reach.
  "outage",
  // The test issuer's JWKS, trusted by the api.
  "jwks",
  // Better Auth itself, issuing tokens with its JWT plugin.
  "betterAuth",
  // The API trusting Better Auth's JWKS alone (no AUTH_SECRET).
  "betterAuthApi",
  "neonApi",
  "neonRelay",
] as const;
type RunnerServer = (typeof RUNNER_SERVERS)[number];

// The runner and each worker evaluate playwright.config.ts, and the web servers import this file too: the runner's
// choice reaches all of them through the environment they inherit from it.
const PORTS_VARIABLE = "E2E_PORTS";

function runnerPorts(): Record<RunnerServer, number> {
  if (!process.env[PORTS_VARIABLE]) {
    const ports = freePortsNow(RUNNER_SERVERS.length);
    process.env[PORTS_VARIABLE] = JSON.stringify(Object.fromEntries(RUNNER_SERVERS.map((name, i) => [name, ports[i]])));
  }
  return JSON.parse(process.env[PORTS_VARIABLE]) as Record<RunnerServer, number>;
}

const ports = runnerPorts();
export const API_PORT = ports.api;
export const OUTAGE_PORT = ports.outage;
/** The JWKS of the test issuer that API_PORT trusts. */
export const JWKS_PORT = ports.jwks;
export const BETTER_AUTH_PORT = ports.betterAuth;
export const BETTER_AUTH_API_PORT = ports.betterAuthApi;
export const NEON_API_PORT = ports.neonApi;
export const NEON_RELAY_PORT = ports.neonRelay;

/** Those of the runner's servers that run this app; the others are test infrastructure, outside the OpenAPI contract. */
export const RUNNER_APP_PORTS: ReadonlySet<number> = new Set([
  API_PORT,
  OUTAGE_PORT,
  BETTER_AUTH_API_PORT,
  NEON_API_PORT,
]);

export const loopback = (port: number) => `http://127.0.0.1:${port}`;
