import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, fetchedExchange, test, type CheckContract } from "./fixtures";
import { STARTUP_PORT } from "./ports";

// Start-up checks run `next start` by hand, in its own process group so that stopping it stops next-server too.
test.describe.configure({ mode: "serial" });

async function startServer(
  env: Record<string, string>,
  checkContract: CheckContract,
): Promise<{ exitCode: number | null; output: string }> {
  const child = spawn(process.execPath, ["node_modules/next/dist/bin/next", "start", "-p", String(STARTUP_PORT)], {
    env: { PATH: process.env.PATH ?? "", NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production", ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  // instrumentation.register runs before the first request is served, so one request is enough to see its verdict.
  const url = `http://127.0.0.1:${STARTUP_PORT}/api/nothing`;
  const deadline = Date.now() + 30_000;
  let answer: Response | undefined;
  while (!answer && child.exitCode === null && Date.now() < deadline) {
    answer = await fetch(url).catch(() => undefined);
    if (!answer) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const exchange = answer && (await fetchedExchange("GET", url, answer));
  if (child.exitCode === null) process.kill(-child.pid!, "SIGTERM");
  const exitCode = await exited;
  if (exchange) checkContract(exchange);
  return { exitCode: exchange ? null : exitCode, output };
}

test("refuses to start in production without an AUTH_SECRET of 32 characters", async ({ checkContract }) => {
  const { exitCode, output } = await startServer({ AUTH_SECRET: "too-short" }, checkContract);
  expect(exitCode).toBe(1);
  expect(output).toContain("AUTH_SECRET: must be set to at least 32 characters in production");
});

test("refuses to start on Vercel without DATABASE_URL", async ({ checkContract }) => {
  const { exitCode, output } = await startServer({ AUTH_SECRET: "s".repeat(32), VERCEL: "1" }, checkContract);
  expect(exitCode).toBe(1);
  expect(output).toContain("DATABASE_URL: is required on Vercel");
});

test("warns, naming the data directory, when it falls back to the embedded database", async ({ checkContract }) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "todo-startup-"));
  const { exitCode, output } = await startServer(
    { AUTH_SECRET: "s".repeat(32), PGLITE_DATA_DIR: dataDir },
    checkContract,
  );
  expect(exitCode).toBeNull();
  expect(output).toContain(`WARNING: DATABASE_URL is not set, so tasks are stored in the embedded PGlite database at ${dataDir}`);
});
