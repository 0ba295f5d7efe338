// vitest globalSetup of the "neon" project: the integration suite reaches PostgreSQL through the Neon driver and this
// WebSocket relay, on a port the kernel picks (tests/support/neon-relay-env.ts hands its address to each test file).
import type { TestProject } from "vitest/node";
import { startWsRelay } from "./ws-relay";

declare module "vitest" {
  export interface ProvidedContext {
    /** The relay's WebSocket URL, for DATABASE_WS_PROXY. */
    neonRelayUrl: string;
    /** Where it answers its PgBouncer audit (tests/support/pgbouncer-check.ts). */
    neonRelayAuditUrl: string;
  }
}

export default async function startNeonRelay(project: TestProject): Promise<() => Promise<void>> {
  const relay = await startWsRelay();
  project.provide("neonRelayUrl", relay.url);
  project.provide("neonRelayAuditUrl", relay.auditUrl);
  return () => relay.close();
}
