// E2E_PORT_BASE lets two checkouts run their tests side by side on one machine: every port a test listens on is here.
const base = Number(process.env.E2E_PORT_BASE ?? 3100);
export const API_PORT = base;
export const OUTAGE_PORT = base + 1;
export const STARTUP_PORT = base + 2;
/** The JWKS of the test issuer that API_PORT trusts. */
export const JWKS_PORT = base + 3;
/** An attacker's host: tokens point `jku`/`x5u`/`kid` here, and the tests prove it is never called. */
export const FOREIGN_PORT = base + 4;
/** Better Auth itself, issuing tokens with its JWT plugin. */
export const BETTER_AUTH_PORT = base + 5;
// base + 6 stays free: with the base at 3300 it would be 3306, MySQL's and MariaDB's port.
/** The API trusting Better Auth's JWKS alone (no AUTH_SECRET). */
export const BETTER_AUTH_API_PORT = base + 7;
/** An API whose JWKS the test takes down, hangs and rotates. */
export const LIFECYCLE_API_PORT = base + 8;
export const LIFECYCLE_JWKS_PORT = base + 9;

export const NEON_API_PORT = base + 10;
export const NEON_RELAY_PORT = base + 11;
/** The relay the vitest "neon" project runs the integration suite through. */
export const VITEST_RELAY_PORT = base + 12;
/** The database outage test: a server and a throwaway PostgreSQL cluster per driver, and the Neon path's relay. */
export const OUTAGE_TEST_PORTS = {
  pg: { app: base + 13, database: base + 14, relay: undefined },
  neon: { app: base + 15, database: base + 16, relay: base + 17 },
} as const;
/** The request-log test: a server and a throwaway PostgreSQL cluster whose schema it breaks on purpose. */
export const LOGS_TEST_PORTS = { app: base + 18, database: base + 19 } as const;
/** The embedded database's tests: a server, a second one on the same directory, and one on a database not migrated. */
export const EMBEDDED_TEST_PORTS = { first: base + 20, second: base + 21, unmigrated: base + 22 } as const;

export const loopback = (port: number) => `http://127.0.0.1:${port}`;

/** The servers that run this app; the others are test infrastructure, outside the OpenAPI contract. */
export const APP_PORTS = new Set([
  API_PORT,
  OUTAGE_PORT,
  STARTUP_PORT,
  BETTER_AUTH_API_PORT,
  LIFECYCLE_API_PORT,
  NEON_API_PORT,
  OUTAGE_TEST_PORTS.pg.app,
  OUTAGE_TEST_PORTS.neon.app,
  LOGS_TEST_PORTS.app,
  EMBEDDED_TEST_PORTS.first,
  EMBEDDED_TEST_PORTS.second,
  EMBEDDED_TEST_PORTS.unmigrated,
]);
