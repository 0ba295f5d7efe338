// vitest setup file of the "neon" project: after each test file, nothing that went through the relay may be something
// PgBouncer's transaction pooling (Neon's pooled connection string) would break. A file's own statements have all
// reached the relay by the time its afterAll runs, so every file is checked at least once.
import { afterAll, expect } from "vitest";
import { VITEST_RELAY_PORT } from "../e2e/ports";

afterAll(async () => {
  const response = await fetch(`http://127.0.0.1:${VITEST_RELAY_PORT}/pgbouncer-audit`);
  expect(await response.json(), "statements PgBouncer transaction pooling would break").toEqual([]);
});
