import { expect, fetchedExchange, test, type CheckContract } from "./fixtures";
import { signSessionToken } from "../../lib/auth/tokens";
import { newTestDirectory } from "../support/test-run";
import { claimsFor, issuerKeys, signWith } from "./support/issuer-keys";
import { SERVER_START_BUDGET_MS, startNextServer } from "./next-server";

// Starting the server is what these tests test, so its start-up is inside each test: each has a budget that a cold
// start on a busy machine fits in, and each server is stopped by the fixtures if the test ends before it stops it.
test.describe.configure({ timeout: SERVER_START_BUDGET_MS + 30_000 });

/** Starts the server and stops it again: exitCode is null when it was up and serving, else the code it exited with. */
async function startServer(
  env: Record<string, string>,
  checkContract: CheckContract,
): Promise<{ exitCode: number | null; output: string }> {
  const server = await startNextServer(env);
  const answer = await server.answering("/api/nothing");
  if (answer) checkContract(await fetchedExchange("GET", `${server.url}/api/nothing`, answer));
  await server.stop();
  return { exitCode: answer ? null : await server.exited, output: server.output() };
}

test("refuses to start in production without an AUTH_SECRET of 32 characters", async ({ checkContract }) => {
  const { exitCode, output } = await startServer({ AUTH_SECRET: "too-short" }, checkContract);
  expect(exitCode).toBe(1);
  expect(output).toContain("AUTH_SECRET: must be set to at least 32 characters in production");
});

test("refuses to start in production with neither AUTH_SECRET nor AUTH_JWKS_URL", async ({ checkContract }) => {
  const { exitCode, output } = await startServer({}, checkContract);
  expect(exitCode).toBe(1);
  expect(output).toContain(
    "AUTH_SECRET: must be set to at least 32 characters in production unless AUTH_JWKS_URL is set",
  );
});

test("starts in production with AUTH_JWKS_URL alone, warning when no AUTH_AUDIENCE narrows it", async ({
  checkContract,
}) => {
  const dataDir = newTestDirectory("pglite-startup");
  const { exitCode, output } = await startServer(
    {
      AUTH_JWKS_URL: "https://auth.example.com/api/auth/jwks",
      CURSOR_SECRET: "c".repeat(32),
      PGLITE_DATA_DIR: dataDir,
    },
    checkContract,
  );
  expect(exitCode).toBeNull();
  expect(output).toContain("WARNING: AUTH_JWKS_URL is set without AUTH_AUDIENCE");
});

test("refuses AUTH_JWKS_URL alone in production without a CURSOR_SECRET to sign list cursors with", async ({
  checkContract,
}) => {
  const { exitCode, output } = await startServer(
    { AUTH_JWKS_URL: "https://auth.example.com/api/auth/jwks" },
    checkContract,
  );
  expect(exitCode).toBe(1);
  expect(output).toContain(
    "CURSOR_SECRET: must be set to at least 32 characters in production when AUTH_SECRET is not",
  );
});

test("refuses a JWKS fetched over plain http from another host", async ({ checkContract }) => {
  const { exitCode, output } = await startServer(
    { AUTH_JWKS_URL: "http://auth.example.com/api/auth/jwks" },
    checkContract,
  );
  expect(exitCode).toBe(1);
  expect(output).toContain("AUTH_JWKS_URL: must be an https:// URL (http:// only for localhost)");
});

test("refuses to start on Vercel without DATABASE_URL", async ({ checkContract }) => {
  const { exitCode, output } = await startServer({ AUTH_SECRET: "s".repeat(32), VERCEL: "1" }, checkContract);
  expect(exitCode).toBe(1);
  expect(output).toContain("DATABASE_URL: is required on Vercel");
});

test("warns, naming the data directory, when it falls back to the embedded database", async ({ checkContract }) => {
  const dataDir = newTestDirectory("pglite-startup");
  const { exitCode, output } = await startServer(
    { AUTH_SECRET: "s".repeat(32), PGLITE_DATA_DIR: dataDir },
    checkContract,
  );
  expect(exitCode).toBeNull();
  expect(output).toContain(
    `WARNING: DATABASE_URL is not set, so tasks are stored in the embedded PGlite database at ${dataDir}`,
  );
});

test("warns that the credentials sign-in is on in production when AUTH_CREDENTIALS_PASSWORD is set", async ({
  checkContract,
}) => {
  const dataDir = newTestDirectory("pglite-startup");
  const { exitCode, output } = await startServer(
    {
      AUTH_SECRET: "s".repeat(32),
      AUTH_CREDENTIALS_PASSWORD: "a demo password",
      PGLITE_DATA_DIR: dataDir,
    },
    checkContract,
  );
  expect(exitCode).toBeNull();
  expect(output).toContain("WARNING: AUTH_CREDENTIALS_PASSWORD is set, so next-auth's credentials sign-in is on");
});

test("with AUTH_SECRET alone: HS256 tokens work, and EdDSA tokens are refused", async ({ checkContract }) => {
  const dataDir = newTestDirectory("pglite-startup");
  const server = await startNextServer({ AUTH_SECRET: process.env.AUTH_SECRET!, PGLITE_DATA_DIR: dataDir });
  try {
    await server.ready();
    const url = `${server.url}/api/solo/tasks`;
    const hs256 = await fetch(url, { headers: { authorization: `Bearer ${await signSessionToken({ id: "solo" })}` } });
    expect(hs256.status).toBe(200);
    checkContract(await fetchedExchange("GET", url, hs256));
    const eddsa = await fetch(url, {
      headers: { authorization: `Bearer ${await signWith(issuerKeys().EdDSA, claimsFor("solo"))}` },
    });
    expect(eddsa.status).toBe(401);
    checkContract(await fetchedExchange("GET", url, eddsa));
  } finally {
    await server.stop();
  }
});
