// vitest setup file of the "neon" project: after each test file, nothing that went through the relay may be something
// PgBouncer's transaction pooling (Neon's pooled connection string) would break. A file's own statements have all
// reached the relay by the time its afterAll runs, so every file is checked at least once.
import { afterAll, expect, inject } from "vitest";

afterAll(async () => {
  const response = await fetch(inject("neonRelayAuditUrl"));
  expect(await response.json(), "statements PgBouncer transaction pooling would break").toEqual([]);
});
