import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "./fixtures";
import { startNextServer } from "./next-server";
import { STARTUP_PORT } from "./ports";

test.describe.configure({ mode: "serial" });

async function startServer(env: Record<string, string>): Promise<{ exitCode: number | null; output: string }> {
  const server = startNextServer(STARTUP_PORT, env);
  // instrumentation.register runs before the first request is served, so one request is enough to see its verdict.
  const answered = await server.answering("/api/nothing");
  await server.stop();
  return { exitCode: answered ? null : await server.exited, output: server.output() };
}

test("refuses to start in production without an AUTH_SECRET of 32 characters", async () => {
  const { exitCode, output } = await startServer({ AUTH_SECRET: "too-short" });
  expect(exitCode).toBe(1);
  expect(output).toContain("AUTH_SECRET: must be set to at least 32 characters in production");
});

test("refuses to start on Vercel without DATABASE_URL", async () => {
  const { exitCode, output } = await startServer({ AUTH_SECRET: "s".repeat(32), VERCEL: "1" });
  expect(exitCode).toBe(1);
  expect(output).toContain("DATABASE_URL: is required on Vercel");
});

test("warns, naming the data directory, when it falls back to the embedded database", async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "todo-startup-"));
  const { exitCode, output } = await startServer({ AUTH_SECRET: "s".repeat(32), PGLITE_DATA_DIR: dataDir });
  expect(exitCode).toBeNull();
  expect(output).toContain(`WARNING: DATABASE_URL is not set, so tasks are stored in the embedded PGlite database at ${dataDir}`);
});
