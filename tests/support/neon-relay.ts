// vitest globalSetup of the "neon" project: the integration suite reaches PostgreSQL through the Neon driver and this
// WebSocket relay (tests/support/pgbouncer-check.ts reads its audit after every file).
import { VITEST_RELAY_PORT } from "../e2e/ports";
import { startWsRelay } from "./ws-relay";

export default async function startNeonRelay(): Promise<() => Promise<void>> {
  const relay = await startWsRelay(VITEST_RELAY_PORT);
  return () => relay.close();
}
