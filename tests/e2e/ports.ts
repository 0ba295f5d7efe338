// E2E_PORT_BASE lets two checkouts run their tests side by side on one machine: every port a test listens on is here.
const base = Number(process.env.E2E_PORT_BASE ?? 3100);
export const API_PORT = base;
export const OUTAGE_PORT = base + 1;
export const STARTUP_PORT = base + 2;
export const NEON_API_PORT = base + 3;
export const NEON_RELAY_PORT = base + 4;
/** The relay the vitest "neon" project runs the integration suite through. */
export const VITEST_RELAY_PORT = base + 5;
/** The database outage test: a server and a throwaway PostgreSQL cluster per driver, and the Neon path's relay. */
export const OUTAGE_TEST_PORTS = {
  pg: { app: base + 6, database: base + 7, relay: undefined },
  neon: { app: base + 8, database: base + 9, relay: base + 10 },
} as const;
/** The request-log test: a server and a throwaway PostgreSQL cluster whose schema it breaks on purpose. */
export const LOGS_TEST_PORTS = { app: base + 11, database: base + 12 } as const;
