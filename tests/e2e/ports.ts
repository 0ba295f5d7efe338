// E2E_PORT_BASE lets two checkouts run their HTTP tests side by side on one machine.
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

export const loopback = (port: number) => `http://127.0.0.1:${port}`;

/** The servers that run this app; the others are test infrastructure, outside the OpenAPI contract. */
export const APP_PORTS = new Set([API_PORT, OUTAGE_PORT, STARTUP_PORT, BETTER_AUTH_API_PORT, LIFECYCLE_API_PORT]);
